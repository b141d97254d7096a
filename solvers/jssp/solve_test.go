package jssp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// TestAuthorsPolicyGreedy: the pretrained weights, decoded greedily, give the
// makespan the authors' code gives on every instance where it was measured
// (measured_tassel_greedy: ft10, ta01-ta10, ta11, ta21, …, ta71). Instances of 50
// jobs or more are skipped with -short and under the race detector.
func TestAuthorsPolicyGreedy(t *testing.T) {
	net := loadAuthorsNetwork(t)
	ref := referenceResults(t)
	names := make([]string, 0, len(ref))
	for n, rec := range ref {
		if _, ok := rec["measured_tassel_greedy"]; ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) < 18 {
		t.Fatalf("only %d measured greedy makespans", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			js := loadNamed(t, name)
			if (testing.Short() || raceEnabled) && js.NumJobs() >= 50 {
				t.Skip("large instance in -short mode or under the race detector")
			}
			res, err := Solve(context.Background(), js, Settings{Policy: &NetworkPolicy{Net: net}})
			if err != nil {
				t.Fatal(err)
			}
			if want := int(ref[name]["measured_tassel_greedy"]); res.Solution.Makespan != want {
				t.Errorf("greedy makespan %d, the authors' code %d", res.Solution.Makespan, want)
			}
		})
	}
}

func TestSolveRulesAndBound(t *testing.T) {
	js := loadNamed(t, "ft10")
	for _, r := range Rules {
		res, err := Solve(context.Background(), js, Settings{Policy: r})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != solvers.Feasible || res.StopReason != solvers.Completed || res.Bound != 655 {
			t.Errorf("%s: status %v stop %v bound %v", r, res.Status, res.StopReason, res.Bound)
		}
		if ms, err := instances.CheckSchedule(js, res.Solution.Starts); err != nil || ms != res.Solution.Makespan {
			t.Errorf("%s: checker %d %v, objective %d", r, ms, err, res.Solution.Makespan)
		}
	}
}

func TestSolveBadSettings(t *testing.T) {
	js := loadNamed(t, "ft10")
	if _, err := Solve(context.Background(), js, Settings{Samples: -1}); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("K < 0: %v", err)
	}
	if _, err := Solve(context.Background(), js, Settings{Samples: 4, Policy: SPT}); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("sampling a rule: %v", err)
	}
	bad := &instances.JobShop{Name: "bad", Machines: 1, Jobs: [][]instances.Operation{{{Machine: 3, Duration: 1}}}}
	if _, err := Solve(context.Background(), bad, Settings{}); !errors.Is(err, instances.ErrInvalidInstance) {
		t.Errorf("bad instance: %v", err)
	}
}

// TestSamplingDeterministic: the same seed gives the same schedule with 1 and 3
// threads, and best-of-K is no worse than every single rollout it contains.
func TestSamplingDeterministic(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ft10")
	p := &NetworkPolicy{Net: net}
	var results []Result
	for _, threads := range []int{1, 3} {
		res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Seed: 7, Threads: threads}, Policy: p, Samples: 8})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Rollouts != 8 {
			t.Errorf("%d rollouts", res.Stats.Rollouts)
		}
		results = append(results, res)
	}
	if fmt.Sprint(results[0].Solution.Starts) != fmt.Sprint(results[1].Solution.Starts) {
		t.Errorf("1 and 3 threads differ: %d vs %d", results[0].Solution.Makespan, results[1].Solution.Makespan)
	}
	other, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Seed: 8, Threads: 1}, Policy: p, Samples: 8})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(other.Solution.Starts) == fmt.Sprint(results[0].Solution.Starts) {
		t.Errorf("seeds 7 and 8 give the same schedule")
	}
}

func TestTemperature(t *testing.T) {
	if Temperature(0, 32) != 0.5 || math.Abs(Temperature(31, 32)-(0.5+1.5*31/32)) > 1e-15 {
		t.Errorf("temperatures %v … %v", Temperature(0, 32), Temperature(31, 32))
	}
}

func TestSolveCanceled(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ta01")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Solve(ctx, js, Settings{Policy: &NetworkPolicy{Net: net}, Samples: 32})
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != solvers.Canceled || res.Stats.Rollouts != 1 || res.Stats.Truncated != 1 || res.Status != solvers.Feasible {
		t.Errorf("canceled run: %+v", res)
	}
}

// TestCompleteSchedule: a partial schedule cut anywhere is completed into a
// feasible one that keeps every dispatched start.
func TestCompleteSchedule(t *testing.T) {
	js := loadNamed(t, "ta01")
	env, err := NewEnv(js)
	if err != nil {
		t.Fatal(err)
	}
	tables := newRuleTables(env)
	var one [1]int
	for cut := 0; cut <= js.NumOperations(); cut += 37 {
		env.Reset()
		for n := 0; n < cut && !env.Done(); {
			one[0] = FDDMWKR.pick(env, tables)
			n += env.Step(one[:])
		}
		partial := env.Starts()
		full := completeSchedule(env)
		if _, err := instances.CheckSchedule(js, full); err != nil {
			t.Fatalf("cut after %d dispatches: %v", cut, err)
		}
		for j := range partial {
			for k, s := range partial[j] {
				if full[j][k] != s {
					t.Fatalf("cut %d: job %d op %d moved from %d to %d", cut, j, k, s, full[j][k])
				}
			}
		}
	}
}

func TestSolveTimeLimit(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ta71")
	begin := time.Now()
	res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{TimeLimit: 50 * time.Millisecond, Threads: 1}, Policy: &NetworkPolicy{Net: net}, Samples: 32})
	if err != nil {
		t.Fatal(err)
	}
	// Generous: the bound is the 50 ms plus one step and the completion, but
	// the machine may be shared.
	if el := time.Since(begin); el > 2*time.Second {
		t.Errorf("a 50 ms limit took %v", el)
	}
	if res.StopReason != solvers.TimeLimit || res.Stats.Truncated < 1 || res.Status != solvers.Feasible {
		t.Errorf("stop %v, %d truncated, status %v", res.StopReason, res.Stats.Truncated, res.Status)
	}
}

// TestFirstRolloutOutlivesTheShare: the construction's share of the time
// bounds the extra samples, not the first rollout, whose truncated schedule
// would be completed by appending (on a 1000×10 shop at 1 s, 5.5 times the
// optimum).
func TestFirstRolloutOutlivesTheShare(t *testing.T) {
	js := instances.GenerateJobShop(50, 20, 1)
	res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{TimeLimit: 20 * time.Second, MaxIterations: 1, Threads: 1}, Method: Tabu, DispatchShare: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Truncated != 0 || res.Stats.Rollouts != 1 {
		t.Errorf("%d rollouts, %d truncated", res.Stats.Rollouts, res.Stats.Truncated)
	}
}

// TestRandomInstancesValid: on random shops with zero durations, repeated
// machines and jobs of different lengths, every policy's schedule passes the
// checker and never beats the lower bound.
func TestRandomInstancesValid(t *testing.T) {
	net := loadAuthorsNetwork(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 40; trial++ {
		js := &instances.JobShop{Name: fmt.Sprint("r", trial), Machines: 1 + rng.IntN(5)}
		for j := 0; j < 1+rng.IntN(7); j++ {
			var ops []instances.Operation
			for k := 0; k < 1+rng.IntN(14); k++ {
				ops = append(ops, instances.Operation{Machine: rng.IntN(js.Machines), Duration: rng.IntN(6)})
			}
			js.Jobs = append(js.Jobs, ops)
		}
		policies := []Policy{&NetworkPolicy{Net: net}}
		for _, r := range Rules {
			policies = append(policies, r)
		}
		for _, p := range policies {
			for _, k := range []int{0, 3} {
				if _, isRule := p.(Rule); isRule && k > 0 {
					continue
				}
				res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Seed: uint64(trial)}, Policy: p, Samples: k})
				if err != nil {
					t.Fatalf("%s %s K=%d: %v", js.Name, p.Name(), k, err)
				}
				if res.Objective < res.Bound {
					t.Fatalf("%s %s: makespan %d below the bound %v", js.Name, p.Name(), res.Solution.Makespan, res.Bound)
				}
			}
		}
	}
}

// TestDefaultPolicy: without a policy, a greedy construction dispatches by
// FDD/MWKR and a sampled one by the shipped network.
func TestDefaultPolicy(t *testing.T) {
	js := instances.GenerateJobShop(8, 5, 3)
	for _, c := range []struct {
		samples int
		want    string
	}{{0, FDDMWKR.Name()}, {4, LearnedName}} {
		res, err := Solve(context.Background(), js, Settings{Method: Dispatch, Samples: c.samples, Limits: solvers.Limits{Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Policy != c.want {
			t.Errorf("%d samples: policy %q, want %q", c.samples, res.Stats.Policy, c.want)
		}
	}
}
