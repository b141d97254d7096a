package improve

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

func checkResult(t *testing.T, js *instances.JobShop, res Result, startMS int) {
	t.Helper()
	ms, err := instances.CheckSchedule(js, res.Solution.Starts)
	if err != nil {
		t.Fatalf("%s: returned schedule invalid: %v", js.Name, err)
	}
	if ms != res.Solution.Makespan {
		t.Fatalf("%s: makespan %d, checker says %d", js.Name, res.Solution.Makespan, ms)
	}
	if ms > startMS {
		t.Fatalf("%s: result %d worse than start %d", js.Name, ms, startMS)
	}
	if res.Bound > float64(ms) || res.Bound < float64(TrivialBound(js)) {
		t.Fatalf("%s: bound %v outside [trivial %d, makespan %d]", js.Name, res.Bound, TrivialBound(js), ms)
	}
}

func TestTabuFT10WithinOnePercent(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a few seconds of tabu search")
	}
	js := loadNamed(t, "ft10")
	start := mwkrStart(js)
	startMS, _ := instances.CheckSchedule(js, start)
	var calls, last int
	res, err := Run(context.Background(), js, start, Settings{
		Limits: solvers.Limits{Threads: 1, Seed: 1, MaxIterations: 400000}, Method: Tabu,
		OnImprove: func(sol Solution) {
			s, ms := sol.Starts, sol.Makespan
			if last != 0 && ms >= last {
				t.Errorf("OnImprove not improving: %d after %d", ms, last)
			}
			if got, err := instances.CheckSchedule(js, s); err != nil || got != ms {
				t.Errorf("OnImprove schedule: %v, makespan %d vs %d", err, got, ms)
			}
			calls, last = calls+1, ms
		}})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, js, res, startMS)
	if res.Solution.Makespan > 939 {
		t.Errorf("ft10 tabu: %d, want ≤ 939 (1%% above 930)", res.Solution.Makespan)
	}
	if calls == 0 || last != res.Solution.Makespan {
		t.Errorf("OnImprove: %d calls, last %d, result %d", calls, last, res.Solution.Makespan)
	}
	if res.StopReason != solvers.IterationLimit && res.Status != solvers.Optimal {
		t.Errorf("stop reason %v", res.StopReason)
	}
	t.Logf("ft10: %d → %d in %v (%d iterations, %d moves, %d restarts)", startMS, res.Solution.Makespan, res.Stats.Elapsed, res.Stats.Iterations, res.Stats.MovesEvaluated, res.Stats.Restarts)
}

func TestMethodsImproveAndAreDeterministic(t *testing.T) {
	js := loadNamed(t, "ta01")
	start := mwkrStart(js)
	startMS, _ := instances.CheckSchedule(js, start)
	budgets := []struct {
		m    Method
		iter int64
	}{{Tabu, 20000}, {LNS, 30}, {Portfolio, 20000}, {Exact, 300}}
	if testing.Short() || raceEnabled {
		budgets = []struct {
			m    Method
			iter int64
		}{{Tabu, 3000}, {LNS, 10}, {Portfolio, 3000}}
	}
	for _, b := range budgets {
		t.Run(b.m.String(), func(t *testing.T) {
			s := Settings{Limits: solvers.Limits{Threads: 1, Seed: 7, MaxIterations: b.iter}, Method: b.m}
			r1, err := Run(context.Background(), js, start, s)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, js, r1, startMS)
			if r1.Solution.Makespan >= startMS {
				t.Errorf("no improvement on %d", startMS)
			}
			r2, err := Run(context.Background(), js, start, s)
			if err != nil {
				t.Fatal(err)
			}
			if r1.Solution.Makespan != r2.Solution.Makespan || !slices.EqualFunc(r1.Solution.Starts, r2.Solution.Starts, slices.Equal[[]int]) || r1.Stats.Iterations != r2.Stats.Iterations || r1.Stats.Nodes != r2.Stats.Nodes {
				t.Errorf("not deterministic: %d vs %d", r1.Solution.Makespan, r2.Solution.Makespan)
			}
			if r1.Status == solvers.Optimal || r1.StopReason != solvers.IterationLimit {
				t.Errorf("status %v stop %v, want feasible by iteration limit", r1.Status, r1.StopReason)
			}
			t.Logf("%s: %d → %d (bound %v), %+v", b.m, startMS, r1.Solution.Makespan, r1.Bound, r1.Stats)
		})
	}
}

func TestCancellationWithin50ms(t *testing.T) {
	js := loadNamed(t, "ta01")
	start := mwkrStart(js)
	startMS, _ := instances.CheckSchedule(js, start)
	for _, m := range []Method{Tabu, LNS, Exact, Portfolio} {
		ctx, cancel := context.WithCancel(context.Background())
		var canceled time.Time
		go func() {
			time.Sleep(100 * time.Millisecond)
			canceled = time.Now()
			cancel()
		}()
		res, err := Run(ctx, js, start, Settings{Limits: solvers.Limits{Threads: 2}, Method: m})
		late := time.Since(canceled)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, js, res, startMS)
		if res.StopReason != solvers.Canceled {
			t.Errorf("%s: stop reason %v", m, res.StopReason)
		}
		// 50 ms is the contract; the slack covers a loaded test machine.
		if late > 250*time.Millisecond {
			t.Errorf("%s: returned %v after cancellation", m, late)
		}
	}
}

func TestTimeLimit(t *testing.T) {
	js := loadNamed(t, "ft10")
	begin := time.Now()
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1, TimeLimit: 200 * time.Millisecond}, Method: Tabu})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(begin); el > 700*time.Millisecond {
		t.Errorf("200 ms limit took %v", el)
	}
	if res.StopReason != solvers.TimeLimit && res.Status != solvers.Optimal {
		t.Errorf("stop reason %v", res.StopReason)
	}
}

func TestExactFT06AndBudget(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("ft10 with a node budget takes seconds")
	}
	js := loadNamed(t, "ft10")
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1, MaxIterations: 500}, Method: Exact})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status == solvers.Optimal || res.StopReason != solvers.IterationLimit || res.Bound > 930 {
		t.Errorf("ft10 with 500 nodes: status %v stop %v bound %v", res.Status, res.StopReason, res.Bound)
	}
	for _, m := range []Method{Portfolio, Exact} {
		js := loadNamed(t, "ft06")
		res, err := Run(context.Background(), js, randomStart(js, 3), Settings{Limits: solvers.Limits{Threads: 1, TimeLimit: time.Minute}, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if res.Solution.Makespan != 55 || res.Status != solvers.Optimal || res.StopReason != solvers.Completed {
			t.Errorf("ft06 %s: %d %v %v", m, res.Solution.Makespan, res.Status, res.StopReason)
		}
	}
}

func TestStartAlreadyOptimal(t *testing.T) {
	js := loadNamed(t, "ft06")
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1}, Method: Exact})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Method{Tabu, LNS, Portfolio} {
		again, err := Run(context.Background(), js, res.Solution.Starts, Settings{Limits: solvers.Limits{Threads: 1, MaxIterations: 1000}, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if again.Solution.Makespan != 55 {
			t.Errorf("%s from the optimum: %d", m, again.Solution.Makespan)
		}
	}
}

func TestRunErrors(t *testing.T) {
	js := tiny()
	good := mwkrStart(js)
	bad := mwkrStart(js)
	bad[0][1] = 0 // overlaps its own predecessor
	for name, c := range map[string]struct {
		start [][]int
		s     Settings
		want  error
	}{
		"infeasible start": {bad, Settings{}, instances.ErrInvalidSolution},
		"short start":      {good[:2], Settings{}, instances.ErrInvalidSolution},
		"method":           {good, Settings{Method: 9}, solvers.ErrInvalidSettings},
		"neighborhood":     {good, Settings{Neighborhood: 5}, solvers.ErrInvalidSettings},
		"negative":         {good, Settings{Limits: solvers.Limits{Threads: -1}}, solvers.ErrInvalidSettings},
	} {
		if _, err := Run(context.Background(), js, c.start, c.s); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := Run(context.Background(), &instances.JobShop{Name: "empty"}, nil, Settings{}); !errors.Is(err, instances.ErrInvalidInstance) {
		t.Errorf("empty instance: %v", err)
	}
}

func TestTabuStepAllocatesNothing(t *testing.T) {
	for _, nh := range []Neighborhood{N7, N5} {
		js := loadNamed(t, "ta01")
		g, err := NewGraph(js, mwkrStart(js))
		if err != nil {
			t.Fatal(err)
		}
		ts := NewTabu(g, nh, 1)
		for i := 0; i < 100; i++ {
			ts.Step()
		}
		if a := testing.AllocsPerRun(2000, func() { ts.Step() }); a != 0 {
			t.Errorf("%s: %.2f allocations per tabu iteration", nh, a)
		}
		if a := testing.AllocsPerRun(1000, func() { g.Update() }); a != 0 {
			t.Errorf("Update: %.2f allocations", a)
		}
	}
}

func TestNeighbourhoodMovesAreExactWhereSafe(t *testing.T) {
	// Every move the search accepts as safe must keep the graph acyclic, and for
	// a single-operation block end swap the estimate must bound the new makespan
	// from below (Balas–Vazacopoulos estimates are lower bounds on the
	// longest path through the moved segment).
	js := loadNamed(t, "ft10")
	for seed := uint64(0); seed < 5; seed++ {
		g, err := NewGraph(js, randomStart(js, seed))
		if err != nil {
			t.Fatal(err)
		}
		scratch := make([]int32, 64)
		for _, mv := range g.neighbourhood(nil, N7) {
			if !g.feasible(mv, true) {
				continue
			}
			est := g.estimate(mv, scratch)
			h := g.Clone()
			h.apply(mv)
			if !h.Update() {
				t.Fatalf("seed %d: move %+v judged safe closes a cycle", seed, mv)
			}
			if int(est) > h.Makespan() {
				t.Errorf("seed %d: move %+v estimate %d above the true makespan %d", seed, mv, est, h.Makespan())
			}
		}
	}
}

func TestParseMethod(t *testing.T) {
	for _, m := range []Method{Portfolio, Tabu, LNS, Exact} {
		if got, ok := ParseMethod(m.String()); !ok || got != m {
			t.Errorf("%s: %v %v", m, got, ok)
		}
	}
	if _, ok := ParseMethod("dispatch"); ok {
		t.Error("dispatch is not an improvement method")
	}
}
