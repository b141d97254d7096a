package jssp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

// TestSearchStateReplaysSteps: the decisions a rollout records, applied one
// by one through the search state, rebuild exactly the schedule the
// environment's steps built — so the tree's actions and the reference's
// priority lists describe the same schedules.
func TestSearchStateReplaysSteps(t *testing.T) {
	net := loadAuthorsNetwork(t)
	for _, name := range []string{"ft06", "ft10", "ta01"} {
		js := loadGoldenInstance(t, name)
		for _, p := range []Policy{&NetworkPolicy{Net: net}, FDDMWKR} {
			env, err := NewEnv(js)
			if err != nil {
				t.Fatal(err)
			}
			ro, err := newRollout(env, p)
			if err != nil {
				t.Fatal(err)
			}
			ro.record = true
			var rng *rand.Rand
			if _, isRule := p.(Rule); !isRule {
				rng = solvers.NewRand(3, "test", 0)
			}
			if _, err := ro.episode(1, rng, solvers.NewBudget(context.Background(), 0)); err != nil {
				t.Fatal(err)
			}
			_, isRule := p.(Rule)
			replay, _ := NewEnv(js)
			s := newSearchState(replay, isRule, 1, newIncumbent(replay, nil))
			var buf []int32
			for i, a := range ro.trail {
				buf = s.Actions(buf[:0])
				if !containsAction(buf, a) {
					t.Fatalf("%s %s: decision %d (%d) not offered; offered %v", name, p.Name(), i, a, buf)
				}
				if err := s.Apply(a); err != nil {
					t.Fatalf("%s %s: decision %d: %v", name, p.Name(), i, err)
				}
			}
			if !s.Terminal() || fmt.Sprint(replay.Starts()) != fmt.Sprint(env.Starts()) {
				t.Errorf("%s %s: the replay differs (terminal %v, makespan %d vs %d)", name, p.Name(), s.Terminal(), replay.Makespan(), env.Makespan())
			}
		}
	}
}

func containsAction(acts []int32, a int32) bool {
	for _, x := range acts {
		if x == a {
			return true
		}
	}
	return false
}

func loadGoldenInstance(t *testing.T, name string) *instances.JobShop {
	t.Helper()
	_, insts := loadGolden(t)
	return insts[name]
}

// TestMCTSDeterministic: one thread, a seed and a fixed number of
// simulations (no deadline) give the same schedule; the result is never worse
// than the rollout policy alone, since its first rollout from the root is
// that policy's schedule.
func TestMCTSDeterministic(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ft10")
	fdd, err := Solve(context.Background(), js, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    Settings
	}{
		{"network priors, FDD/MWKR rollouts", Settings{Policy: &NetworkPolicy{Net: net}, MCTS: MCTSSettings{Simulations: 4}}},
		{"rule priors", Settings{Policy: MWKR, MCTS: MCTSSettings{Simulations: 8}}},
		{"network rollouts, mean backup", Settings{Policy: &NetworkPolicy{Net: net}, MCTS: MCTSSettings{Simulations: 2, Rollout: &NetworkPolicy{Net: net}, Backup: mcts.Mean}}},
		{"widening the hard way: one simulation", Settings{Policy: SPT, MCTS: MCTSSettings{Simulations: 1, Exploration: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for run := 0; run < 2; run++ {
				s := tc.s
				s.Method, s.Seed, s.Threads = MCTS, 5, 1
				res, err := Solve(context.Background(), js, s)
				if err != nil {
					t.Fatal(err)
				}
				if res.Stats.MCTS == nil || res.Stats.MCTS.Simulations == 0 || res.StopReason != solvers.Completed {
					t.Fatalf("stats %+v, stop %v", res.Stats.MCTS, res.StopReason)
				}
				got = append(got, fmt.Sprint(res.Solution.Starts))
				if _, isRule := s.Policy.(Rule); s.MCTS.Rollout == nil && res.Objective > fdd.Objective && !isRule {
					t.Errorf("makespan %v worse than FDD/MWKR's %v", res.Objective, fdd.Objective)
				}
			}
			if got[0] != got[1] {
				t.Error("same seed, different schedules")
			}
		})
	}
}

// TestMCTSRandomShops: on random shops with zero durations, repeated machines
// and jobs of different lengths, every variant returns a checked schedule no
// better than the lower bound, on one and three threads (run with -race).
func TestMCTSRandomShops(t *testing.T) {
	net := loadAuthorsNetwork(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 25; trial++ {
		js := &instances.JobShop{Name: fmt.Sprint("r", trial), Machines: 1 + rng.IntN(4)}
		for j := 0; j < 1+rng.IntN(6); j++ {
			var ops []instances.Operation
			for k := 0; k < 1+rng.IntN(8); k++ {
				ops = append(ops, instances.Operation{Machine: rng.IntN(js.Machines), Duration: rng.IntN(5)})
			}
			js.Jobs = append(js.Jobs, ops)
		}
		for _, m := range []MCTSSettings{
			{Simulations: 3},
			{Simulations: 3, Rollout: &NetworkPolicy{Net: net}},
			{Simulations: 2, Rollout: SPT, Backup: mcts.Mean},
		} {
			for _, threads := range []int{1, 3} {
				res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Seed: uint64(trial), Threads: threads}, Policy: &NetworkPolicy{Net: net}, Method: MCTS, MCTS: m})
				if err != nil {
					t.Fatalf("%s %+v threads %d: %v", js.Name, m, threads, err)
				}
				if res.Objective < res.Bound || res.Status == solvers.NoSolution {
					t.Fatalf("%s: makespan %v, bound %v, status %v", js.Name, res.Objective, res.Bound, res.Status)
				}
			}
		}
	}
}

// nanPolicy scores every action NaN.
type nanPolicy struct{}

func (nanPolicy) Name() string                       { return "nan" }
func (nanPolicy) NewScorer(*Env) (Scorer, error)     { return nanPolicy{}, nil }
func (nanPolicy) Scores(env *Env, s []float64) error { fillNaN(s); return nil }

func fillNaN(s []float64) {
	for i := range s {
		s[i] = math.NaN()
	}
}

// TestMCTSBadInput: bad settings wrap ErrInvalidSettings; a policy with NaN
// scores is reported, not searched.
func TestMCTSBadInput(t *testing.T) {
	js := loadNamed(t, "ft10")
	for _, s := range []Settings{
		{MCTS: MCTSSettings{Simulations: -1}},
		{MCTS: MCTSSettings{RolloutTemperature: -1}},
		{MCTS: MCTSSettings{RolloutTemperature: math.Inf(1)}},
		{MCTS: MCTSSettings{Exploration: math.NaN()}},
		{MCTS: MCTSSettings{Backup: 9}},
		{Samples: 4},
		{Method: MCTS + 1},
	} {
		if s.Method == 0 {
			s.Method = MCTS
		}
		if _, err := Solve(context.Background(), js, s); !errors.Is(err, solvers.ErrInvalidSettings) {
			t.Errorf("%+v: %v", s.MCTS, err)
		}
	}
	_, err := Solve(context.Background(), js, Settings{Method: MCTS, Policy: nanPolicy{}, MCTS: MCTSSettings{Simulations: 2}})
	if !errors.Is(err, mcts.ErrBadPriors) {
		t.Errorf("NaN policy: %v", err)
	}
}

// TestMCTSStops: a cancelled context still gives a checked schedule; a
// 50 ms limit on a 100×20 shop is kept (generously: the machine is shared).
func TestMCTSStops(t *testing.T) {
	net := loadAuthorsNetwork(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Solve(ctx, loadNamed(t, "ta01"), Settings{Method: MCTS, Policy: &NetworkPolicy{Net: net}})
	if err != nil || res.Status != solvers.Feasible || res.StopReason != solvers.Canceled {
		t.Errorf("cancelled: %v, status %v, stop %v", err, res.Status, res.StopReason)
	}
	js := loadNamed(t, "ta71")
	for _, rollout := range []Policy{nil, &NetworkPolicy{Net: net}} {
		begin := time.Now()
		res, err = Solve(context.Background(), js, Settings{Limits: solvers.Limits{TimeLimit: 50 * time.Millisecond, Threads: 1}, Method: MCTS, Policy: &NetworkPolicy{Net: net}, MCTS: MCTSSettings{Rollout: rollout}})
		if err != nil {
			t.Fatal(err)
		}
		if el := time.Since(begin); el > 2*time.Second {
			t.Errorf("a 50 ms limit took %v", el)
		}
		if res.Status != solvers.Feasible || res.StopReason != solvers.TimeLimit {
			t.Errorf("status %v stop %v", res.Status, res.StopReason)
		}
	}
}

// TestMCTSThenImprove: with a budget, MCTS's start is improved by the
// portfolio; OnImprove sees strictly better schedules ending with the result.
func TestMCTSThenImprove(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ft10")
	var seen []int
	res, err := Solve(context.Background(), js, Settings{
		Limits:    solvers.Limits{TimeLimit: 400 * time.Millisecond, Threads: 1, Seed: 1},
		Method:    MCTS,
		Policy:    &NetworkPolicy{Net: net},
		OnImprove: func(s Solution) { seen = append(seen, s.Makespan) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.MCTS == nil || res.Stats.DispatchMakespan < res.Solution.Makespan || res.Stats.Improvement.StartMakespan != res.Stats.DispatchMakespan {
		t.Errorf("construction %d, result %d, improvement stats %+v", res.Stats.DispatchMakespan, res.Solution.Makespan, res.Stats.Improvement)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("OnImprove not strictly improving: %v", seen)
		}
	}
	if len(seen) == 0 || seen[len(seen)-1] != res.Solution.Makespan {
		t.Errorf("OnImprove saw %v, result %d", seen, res.Solution.Makespan)
	}
}

// TestWholeShareIsConstructionOnly: DispatchShare 1 gives the construction
// all the time and the improvement none, also when MCTS's paced search ends
// before its deadline and when dispatching is greedy.
func TestWholeShareIsConstructionOnly(t *testing.T) {
	js := loadNamed(t, "ft10")
	for _, m := range []Method{MCTS, Portfolio} {
		res, err := Solve(context.Background(), js, Settings{
			Limits: solvers.Limits{TimeLimit: 300 * time.Millisecond, Threads: 1, Seed: 1},
			Method: m, DispatchShare: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Improvement != (improve.Stats{}) || int(res.Objective) != res.Stats.DispatchMakespan {
			t.Errorf("%v: construction %d, result %v, improvement %+v", m, res.Stats.DispatchMakespan, res.Objective, res.Stats.Improvement)
		}
	}
}

// TestMCTSSimulationDoesNotAllocate: once warmed up, a job-shop simulation —
// copying the root environment, descending, expanding with the network's
// priors, an FDD/MWKR or a sampled network rollout, backing up — allocates
// nothing.
func TestMCTSSimulationDoesNotAllocate(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := loadNamed(t, "ft10")
	for _, rollout := range []Policy{nil, &NetworkPolicy{Net: net}} {
		env, err := NewEnv(js)
		if err != nil {
			t.Fatal(err)
		}
		p := &NetworkPolicy{Net: net}
		tree, _, err := newSearch(env, p, Settings{Limits: solvers.Limits{Threads: 1}, MCTS: MCTSSettings{Rollout: rollout}}, 1000, newIncumbent(env, nil))
		if err != nil {
			t.Fatal(err)
		}
		b := solvers.NewBudget(context.Background(), 0)
		if _, err := tree.Search(b, 100); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := tree.Search(b, 1); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("rollout %v: %v allocations per simulation", rollout, allocs)
		}
	}
}

// TestDefaultRolloutsFollowTheShopSize: with a network policy and no Rollout
// set, shops below PolicyRolloutOperations mix FDD/MWKR into the rollouts and
// larger ones roll out with the network alone; a rule prior always rolls out
// FDD/MWKR.
func TestDefaultRolloutsFollowTheShopSize(t *testing.T) {
	net := loadAuthorsNetwork(t)
	for _, tc := range []struct {
		shop          string
		policy        Policy
		rule, network bool
	}{
		{"ta41", &NetworkPolicy{Net: net}, true, true},  // 30×20: 600 operations
		{"ta51", &NetworkPolicy{Net: net}, false, true}, // 50×15: 750 operations
		{"ta71", MWKR, true, false},
	} {
		env, err := NewEnv(loadNamed(t, tc.shop))
		if err != nil {
			t.Fatal(err)
		}
		_, evals, err := newSearch(env, tc.policy, Settings{Limits: solvers.Limits{Threads: 1}}, 1000, newIncumbent(env, nil))
		if err != nil {
			t.Fatal(err)
		}
		if rule, network := evals[0].sim != nil, evals[0].ro != nil; rule != tc.rule || network != tc.network {
			t.Errorf("%s, %s: rule rollouts %v, network rollouts %v; want %v, %v", tc.shop, tc.policy.Name(), rule, network, tc.rule, tc.network)
		}
	}
}
