package robust

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
)

func loadRKP(t *testing.T, name string) *instances.RobustKnapsack {
	t.Helper()
	k, err := instances.LoadRobustKnapsack(filepath.Join(datadirtest.Path(t, instances.RKPInstanceDir), name))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCCGShareEndsTheCCG counts evaluations rather than time: with the
// shipped model read by its saving label the CCG iterates, and its share of
// MaxIterations ends it at the cap, after which the polish has the rest of
// the evaluations. A share of 1 lets the CCG go on as before the share.
func TestCCGShareEndsTheCCG(t *testing.T) {
	// Of the 72 instances with n = 20, the one whose CCG evaluates the most
	// proposals (4) on the heuristic backend.
	k := loadRKP(t, "RKP_ASC_n20_R1000_H100_h80_dev0.1_d0.5")
	base := Settings{Limits: solvers.Limits{MaxIterations: 40, Seed: 2, Threads: 1}, MILP: milp.Simplex{}, Samples: 200, ModelLabel: LabelSaving}
	alone := base
	alone.NoPolish = true
	res, err := Solve(context.Background(), k, alone)
	if err != nil {
		t.Fatal(err)
	}
	natural := res.Stats.CCGEvaluations
	t.Logf("the CCG alone evaluates %d proposals (%d iterations, stop %v)", natural, res.Stats.Iterations, res.StopReason)
	if natural < 3 {
		t.Fatalf("the CCG evaluates %d proposals: too few to end it by a share", natural)
	}
	for _, c := range []struct {
		share    float64
		maxIter  int64
		wantEval int  // CCG evaluations
		wantUsed bool // the share ended the CCG
	}{
		{share: 1, maxIter: 40, wantEval: natural},
		{share: 0.05, maxIter: 40, wantEval: 2, wantUsed: true},
		{share: 0.025, maxIter: 40, wantEval: 1, wantUsed: true},
		{share: 0.001, maxIter: 40, wantEval: 1, wantUsed: true}, // at least one
		{share: float64(natural+1) / 40, maxIter: 40, wantEval: natural},
	} {
		set := base
		set.CCGShare, set.MaxIterations = c.share, c.maxIter
		res, err := Solve(context.Background(), k, set)
		if err != nil {
			t.Fatalf("share %v: %v", c.share, err)
		}
		st := res.Stats
		if st.CCGEvaluations != c.wantEval || st.CCGShareUsed != c.wantUsed {
			t.Errorf("share %v: %d CCG evaluations, share used %v; want %d, %v", c.share, st.CCGEvaluations, st.CCGShareUsed, c.wantEval, c.wantUsed)
		}
		if st.PolishEvals == 0 || st.Evaluations <= st.CCGEvaluations {
			t.Errorf("share %v: the polish did not run (%d polish evaluations of %d)", c.share, st.PolishEvals, st.Evaluations)
		}
		// The polish ends at MaxIterations here; a share is no stop of the run.
		if res.StopReason != solvers.IterationLimit {
			t.Errorf("share %v: stop reason %v, want %v", c.share, res.StopReason, solvers.IterationLimit)
		}
		if ev, err := Evaluate(context.Background(), k, res.Solution.FirstStage, EvalSettings{}); err != nil || ev.Profit != res.Objective {
			t.Errorf("share %v: objective %v, exact %v (%v)", c.share, res.Objective, ev.Profit, err)
		}
	}
}

// stallingEval holds the evaluation of the CCG's second proposal until its
// context ends, the way a slow CCG uses up the time, without timing anything.
type stallingEval struct {
	Problem
	calls   int
	stalled error // the context's error when the held evaluation returned
}

func (p *stallingEval) Evaluate(ctx context.Context, x []bool, cutoff *float64) (Assessment, error) {
	if p.calls++; p.calls == 2 {
		<-ctx.Done()
		p.stalled = ctx.Err()
		return Assessment{}, nil
	}
	return p.Problem.Evaluate(ctx, x, cutoff)
}

// TestCCGShareOfTheTime: a CCG held up past its share of the time stops with
// its first proposal, and the polish starts from it and ends by itself
// (completed); with a share of 1 the CCG holds the whole run, which ends at
// its time limit before the polish.
func TestCCGShareOfTheTime(t *testing.T) {
	k := loadRKP(t, "RKP_ASC_n20_R1000_H100_h80_dev0.1_d0.5")
	for _, c := range []struct {
		share      float64
		limit      time.Duration
		wantReason solvers.StopReason
		wantPolish bool
	}{
		{share: 0.005, limit: time.Minute, wantReason: solvers.Completed, wantPolish: true},
		{share: 1, limit: 300 * time.Millisecond, wantReason: solvers.TimeLimit},
	} {
		base, err := NewKnapsackProblem(k)
		if err != nil {
			t.Fatal(err)
		}
		p := &stallingEval{Problem: base}
		res, err := SolveProblem(context.Background(), p, Settings{
			Limits: solvers.Limits{TimeLimit: c.limit, Seed: 2, Threads: 1}, MILP: milp.Simplex{}, Samples: 200,
			ModelLabel: LabelSaving, PolishKicks: 3, CCGShare: c.share,
		})
		if err != nil {
			t.Fatalf("share %v: %v", c.share, err)
		}
		st := res.Stats
		if !errors.Is(p.stalled, context.DeadlineExceeded) {
			t.Fatalf("share %v: the held evaluation returned with %v (%d evaluations)", c.share, p.stalled, p.calls)
		}
		if res.StopReason != c.wantReason || (st.PolishEvals > 0) != c.wantPolish || st.CCGShareUsed != (c.share < 1) {
			t.Errorf("share %v: stop %v, %d polish evaluations, share used %v; want %v, polish %v",
				c.share, res.StopReason, st.PolishEvals, st.CCGShareUsed, c.wantReason, c.wantPolish)
		}
		if st.CCGEvaluations != 2 {
			t.Errorf("share %v: %d CCG evaluations counted, want 2 (the held one too)", c.share, st.CCGEvaluations)
		}
	}
}

// TestCCGShareOneIsTheOldRun: with a share of 1 a repeatable run (fixed seed
// and MaxIterations, one thread) gives what it gave before the share
// existed, down to the evaluation that found the answer.
func TestCCGShareOneIsTheOldRun(t *testing.T) {
	cbc := false
	for _, b := range milp.Backends() {
		cbc = cbc || b.Name() == "cbc"
	}
	for _, c := range []struct {
		backend  string
		name     string
		maxIter  int64
		obj      float64
		x, phase string
		iter     int64
		evals    int
	}{
		{"heuristic", "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5", 5, 5940, "11111000001110110000", "ccg", 1, 6},
		{"heuristic", "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5", 40, 6023.946093354112, "11111000011110010000", "polish", 17, 41},
		{"heuristic", "RKP_SC_n20_R1000_H100_h80_dev0.2_d1", 5, 8733.228483977982, "11111111011110101111", "ccg", 1, 6},
		{"heuristic", "RKP_SC_n20_R1000_H100_h80_dev0.2_d1", 40, 8764.546689721976, "11110111011111101111", "polish", 35, 41},
		{"heuristic", "RKP_WC_n20_R1000_H100_h40_dev0.2_d0.1", 40, 4343.287934918755, "00100100110001110001", "polish", 5, 41},
		{"cbc", "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5", 40, 6023.946093354112, "11111000011110010000", "polish", 16, 41},
		{"cbc", "RKP_SC_n20_R1000_H100_h80_dev0.2_d1", 40, 8764.546689721976, "11110111011111101111", "polish", 35, 41},
		{"cbc", "RKP_WC_n20_R1000_H100_h40_dev0.2_d0.1", 5, 4343.287934918755, "00100100110001110001", "polish", 6, 6},
	} {
		var solver milp.Solver = milp.Simplex{}
		if c.backend == "cbc" {
			if !cbc {
				continue
			}
			solver = milp.Default()
		}
		k := loadRKP(t, c.name)
		res, err := Solve(context.Background(), k, Settings{
			Limits: solvers.Limits{MaxIterations: c.maxIter, Seed: 3, Threads: 1}, MILP: solver, Samples: 200, CCGShare: 1,
		})
		if err != nil {
			t.Fatalf("%s %s: %v", c.backend, c.name, err)
		}
		sol := res.Solution
		if res.Objective != c.obj || instances.FormatFirstStage(sol.FirstStage) != c.x || sol.Phase != c.phase ||
			sol.Iteration != c.iter || res.Stats.Evaluations != c.evals || res.StopReason != solvers.IterationLimit {
			t.Errorf("%s %s, %d evaluations: %v %s by %s at %d after %d (%v); before the share: %v %s by %s at %d after %d",
				c.backend, c.name, c.maxIter, res.Objective, instances.FormatFirstStage(sol.FirstStage), sol.Phase, sol.Iteration,
				res.Stats.Evaluations, res.StopReason, c.obj, c.x, c.phase, c.iter, c.evals)
		}
	}
}

// infeasibleAtDeadline answers a solve under a deadline as a time-limited
// CBC solve once did with the CCG's main problem: infeasible, without the
// time-limit flag, when the deadline has passed.
type infeasibleAtDeadline struct{ milp.Simplex }

func (infeasibleAtDeadline) Solve(ctx context.Context, m *milp.Model, lim milp.Limits) (milp.Result, error) {
	<-ctx.Done()
	return milp.Result{Status: milp.Infeasible}, nil
}

// TestMainStoppedAtItsDeadline: a main problem with a scenario selector
// always has a feasible point (the empty selection, any scenario), so a
// backend's "infeasible" after the deadline is the deadline's stop, which
// ends the CCG with its incumbent, not the run with an error.
func TestMainStoppedAtItsDeadline(t *testing.T) {
	k := loadRKP(t, "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5")
	model, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	pred := knapsackPredictor(t, k, model)
	scen := [][]float64{make([]float64, k.N())}
	for i := range scen[0] {
		scen[0][i] = 0.5
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	if _, _, err := mainMILP(ctx, pred, scen, Settings{MILP: infeasibleAtDeadline{}}, &Stats{}); !errors.Is(err, errTimedOut) {
		t.Fatalf("main MILP: %v, want %v", err, errTimedOut)
	}
	all := make([]bool, k.N())
	for i := range all {
		all[i] = true
	}
	if _, _, err := adversaryMILP(ctx, pred, all, Settings{MILP: infeasibleAtDeadline{}}, &Stats{}); !errors.Is(err, errTimedOut) {
		t.Fatalf("adversarial MILP: %v, want %v", err, errTimedOut)
	}
}
