package solvers_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp"
	"github.com/cosolve/cosolve/solvers/robust"
	"github.com/cosolve/cosolve/solvers/tsp"
)

// subject is one solver behind the shared contract: solve with the given
// limits, and the independent checker's verdict on a solution.
type subject[S, St any] struct {
	name  string
	solve func(context.Context, solvers.Limits) (solvers.Result[S, St], error)
	check func(S) error
	// iterations is an iteration budget that makes a run short and repeatable.
	iterations int64
}

// late is how long after the deadline (or the cancellation) a run may return.
const late = 50 * time.Millisecond * lateSlack

func subjects(t *testing.T) (tspS subject[tsp.Solution, tsp.Stats], jsspS subject[jssp.Solution, jssp.Stats], robustS subject[robust.Solution, robust.Stats]) {
	t.Helper()
	p, err := instances.GenerateUniform(1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	js, err := instances.TaillardInstance("ta21")
	if err != nil {
		t.Fatal(err)
	}
	params, err := instances.ParseRKPName("RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5")
	if err != nil {
		t.Fatal(err)
	}
	k, err := instances.GenerateRobustKnapsack(params, 3)
	if err != nil {
		t.Fatal(err)
	}
	tspS = subject[tsp.Solution, tsp.Stats]{
		name: "tsp",
		solve: func(ctx context.Context, l solvers.Limits) (tsp.Result, error) {
			return tsp.Solve(ctx, p, tsp.Settings{Limits: l})
		},
		check: func(s tsp.Solution) error {
			_, err := instances.CheckTour(p, s.Tour)
			return err
		},
		iterations: 1000,
	}
	jsspS = subject[jssp.Solution, jssp.Stats]{
		name: "jssp",
		solve: func(ctx context.Context, l solvers.Limits) (jssp.Result, error) {
			return jssp.Solve(ctx, js, jssp.Settings{Limits: l})
		},
		check: func(s jssp.Solution) error {
			_, err := instances.CheckSchedule(js, s.Starts)
			return err
		},
		iterations: 5000,
	}
	robustS = subject[robust.Solution, robust.Stats]{
		name: "robust",
		solve: func(ctx context.Context, l solvers.Limits) (robust.Result, error) {
			// The sampling adversary in every build, so that runs repeat exactly.
			return robust.Solve(ctx, k, robust.Settings{Limits: l, MILP: milp.Simplex{}, Samples: 300})
		},
		check:      func(s robust.Solution) error { return instances.CheckFirstStage(k, s.FirstStage) },
		iterations: 40,
	}
	return
}

// TestEverySolverKeepsTheContract runs each solver through one generic helper.
func TestEverySolverKeepsTheContract(t *testing.T) {
	a, b, c := subjects(t)
	keepsContract(t, a)
	keepsContract(t, b)
	keepsContract(t, c)
}

func keepsContract[S, St any](t *testing.T, s subject[S, St]) {
	t.Run(s.name+"/time-limit", func(t *testing.T) {
		const limit = 200 * time.Millisecond
		start := time.Now()
		res, err := s.solve(context.Background(), solvers.Limits{TimeLimit: limit, Threads: 1, MaxIterations: 1 << 40})
		over := time.Since(start) - limit
		t.Logf("returned %v after the time limit", over)
		if over > late {
			t.Errorf("returned %v after the time limit", over)
		}
		verify(t, s, res, err, solvers.TimeLimit)
	})
	t.Run(s.name+"/canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		res, err := s.solve(ctx, solvers.Limits{Threads: 1, MaxIterations: 1 << 40})
		took := time.Since(start)
		t.Logf("returned %v after the cancellation", took)
		if took > late {
			t.Errorf("returned %v after the cancellation", took)
		}
		verify(t, s, res, err, solvers.Canceled)
	})
	t.Run(s.name+"/deterministic", func(t *testing.T) {
		l := solvers.Limits{Seed: 7, Threads: 1, MaxIterations: s.iterations}
		first, err := s.solve(context.Background(), l)
		verify(t, s, first, err, solvers.IterationLimit)
		again, err := s.solve(context.Background(), l)
		if err != nil {
			t.Fatal(err)
		}
		if first.Objective != again.Objective || !reflect.DeepEqual(first.Solution, again.Solution) {
			t.Errorf("same seed, one thread and %d iterations gave %v, then %v", s.iterations, first.Objective, again.Objective)
		}
	})
	t.Run(s.name+"/invalid-settings", func(t *testing.T) {
		for _, l := range []solvers.Limits{{TimeLimit: -1}, {MaxIterations: -1}, {Threads: -1}} {
			if _, err := s.solve(context.Background(), l); !errors.Is(err, solvers.ErrInvalidSettings) {
				t.Errorf("%+v: err = %v, want ErrInvalidSettings", l, err)
			}
		}
	})
}

// verify checks a result: no error, a solution the checker accepts, the stop
// reason, and a status that says the solution exists.
func verify[S, St any](t *testing.T, s subject[S, St], res solvers.Result[S, St], err error, want solvers.StopReason) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.check(res.Solution); err != nil {
		t.Fatalf("the solution fails the checker: %v", err)
	}
	// A run may prove its result before any limit: that is Completed and Optimal.
	if res.StopReason != want && !(res.StopReason == solvers.Completed && res.Status == solvers.Optimal) {
		t.Errorf("stop reason %v, want %v", res.StopReason, want)
	}
	if res.Status != solvers.Feasible && res.Status != solvers.Optimal {
		t.Errorf("status %v", res.Status)
	}
}
