package robust

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
)

func TestSolvePublishedSmall(t *testing.T) {
	dir := datadirtest.Path(t, instances.RKPInstanceDir)
	for _, name := range []string{"RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5", "RKP_SC_n20_R1000_H100_h80_dev0.2_d1"} {
		k, err := instances.LoadRobustKnapsack(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, backend := range milp.Backends() {
			res, err := Solve(context.Background(), k, Settings{Limits: solvers.Limits{TimeLimit: 30 * time.Second}, MILP: backend, Samples: 500})
			if err != nil {
				t.Fatalf("%s %s: %v", name, backend.Name(), err)
			}
			ev, err := Evaluate(context.Background(), k, res.Solution.FirstStage, EvalSettings{})
			if err != nil || ev.Profit != res.Objective {
				t.Fatalf("%s: reported %v, exact %v (%v)", name, res.Objective, ev.Profit, err)
			}
			ref, _, _ := instances.RobustKnapsackReference(datadirtest.ForTest(t), name)
			t.Logf("%s %s: %v (BP %v, gap %.2f%%), %d iterations, stop %v, %+v", name, res.Stats.Backend, res.Objective, ref.Value,
				100*(ref.Value-res.Objective)/ref.Value, res.Stats.Iterations, res.StopReason, res.Stats)
		}
	}
}

// TestOnImproveStreamsEveryImprovement checks that the callback sees a strictly
// increasing sequence of exact objectives ending at the returned one.
func TestOnImproveStreamsEveryImprovement(t *testing.T) {
	dir := datadirtest.Path(t, instances.RKPInstanceDir)
	k, err := instances.LoadRobustKnapsack(filepath.Join(dir, "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5"))
	if err != nil {
		t.Fatal(err)
	}
	var seen []float64
	var last []bool
	res, err := Solve(context.Background(), k, Settings{
		Limits: solvers.Limits{TimeLimit: 20 * time.Second}, Samples: 300,
		OnImprove: func(s Solution) { seen = append(seen, s.Profit); last = s.FirstStage }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("OnImprove never called")
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("objectives not increasing: %v", seen)
		}
	}
	if seen[len(seen)-1] != res.Objective || instances.FormatFirstStage(last) != instances.FormatFirstStage(res.Solution.FirstStage) {
		t.Fatalf("last streamed %v (%s), result %v (%s)", seen[len(seen)-1], instances.FormatFirstStage(last), res.Objective, instances.FormatFirstStage(res.Solution.FirstStage))
	}
	if res.Stats.PolishGain > 0 && len(seen) < 2 {
		t.Fatalf("polish improved by %v but streamed %d solutions", res.Stats.PolishGain, len(seen))
	}
}

// TestPolishEndsAtLocalOptimum starts the polish from the empty selection and
// checks, by exact evaluation of every neighbour, that no single flip and no
// swap improves what it returns, and that the same seed repeats the run.
func TestPolishEndsAtLocalOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	ctx := context.Background()
	worstCase := func(k *instances.RobustKnapsack, x []bool) float64 {
		ev, err := Evaluate(ctx, k, x, EvalSettings{})
		if err != nil {
			t.Fatal(err)
		}
		return ev.Profit
	}
	for trial := 0; trial < 30; trial++ {
		n := 3 + rng.IntN(6)
		k := randomKnapsack(rng, n)
		polished := func() *run {
			prob, err := NewKnapsackProblem(k)
			if err != nil {
				t.Fatal(err)
			}
			r := &run{p: prob, s: Settings{Limits: solvers.Limits{Seed: uint64(trial)}, PolishKicks: polishStaleKicks}, budget: solvers.NewBudget(ctx, 0)}
			r.accept(make([]bool, n), worstCase(k, make([]bool, n)))
			r.polish(ctx)
			return r
		}
		start := worstCase(k, make([]bool, n))
		res := polished()
		if got := worstCase(k, res.x); math.Abs(got-res.best) > 1e-9*math.Max(1, math.Abs(got)) {
			t.Fatalf("trial %d: polish reports %v, exact %v", trial, res.best, got)
		}
		if res.best < start {
			t.Fatalf("trial %d: polish went from %v down to %v", trial, start, res.best)
		}
		if res.stats.PolishKicks < polishStaleKicks {
			t.Fatalf("trial %d: stopped after %d kicks", trial, res.stats.PolishKicks)
		}
		again := polished()
		if again.best != res.best || again.stats.PolishEvals != res.stats.PolishEvals {
			t.Fatalf("trial %d: same seed gave %v after %d evaluations, then %v after %d", trial,
				res.best, res.stats.PolishEvals, again.best, again.stats.PolishEvals)
		}
		tol := 1e-6 * math.Max(1, math.Abs(res.best))
		x := append([]bool(nil), res.x...)
		for i := range x {
			x[i] = !x[i]
			if v := worstCase(k, x); v > res.best+tol {
				t.Fatalf("trial %d: flipping item %d gives %v > %v", trial, i, v, res.best)
			}
			x[i] = !x[i]
			for j := range x {
				if !x[i] || x[j] {
					continue
				}
				x[i], x[j] = false, true
				if v := worstCase(k, x); v > res.best+tol {
					t.Fatalf("trial %d: swapping item %d out and %d in gives %v > %v", trial, i, j, v, res.best)
				}
				x[i], x[j] = true, false
			}
		}
	}
}
