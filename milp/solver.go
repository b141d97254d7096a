package milp

import (
	"context"
	"math"
	"time"
)

// Status says what a backend established.
type Status int

const (
	NoSolution Status = iota // stopped without a feasible solution
	Feasible                 // a feasible solution, optimality not proved within the gap
	Optimal                  // optimal within the requested gap
	Infeasible               // proved infeasible
	Unbounded                // the relaxation is unbounded
)

var statusNames = [...]string{"no-solution", "feasible", "optimal", "infeasible", "unbounded"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "unknown"
	}
	return statusNames[s]
}

// Limits bound a solve. Zero values are defaults.
type Limits struct {
	// TimeLimit bounds the wall clock (0 = only the context deadline, if any).
	TimeLimit time.Duration
	// RelGap is the relative optimality gap at which a MILP counts as solved
	// (0 = 1e-4, the usual default of commercial solvers).
	RelGap float64
	// NodeLimit caps branch-and-bound nodes (0 = none).
	NodeLimit int
	// Threads is passed to backends that can use it (0 = backend default).
	Threads int
	// Grace is how long past the deadline Solve waits for a backend that cannot be
	// interrupted before abandoning it (0 = 100 ms).
	Grace time.Duration
}

func (l Limits) grace() time.Duration {
	if l.Grace > 0 {
		return l.Grace
	}
	return 100 * time.Millisecond
}

// Result of a solve. Objective and Bound include the model's offset and are in the
// model's sense (Bound ≤ optimum ≤ Objective when minimising, the reverse when
// maximising); Gap = |Objective − Bound| / max(1e-10, |Objective|).
type Result struct {
	Status    Status
	X         []float64
	Objective float64
	Bound     float64
	Gap       float64
	Nodes     int
	Elapsed   time.Duration
	// TimedOut is set when the limit or context ended the solve.
	TimedOut bool
	// Overshoot is how far past the deadline the backend returned (0 when in time).
	Overshoot time.Duration
}

// Solver is a MILP backend.
type Solver interface {
	Name() string
	Solve(ctx context.Context, m *Model, lim Limits) (Result, error)
}

var backends []Solver

// Default is the best backend built in: CBC with the cbc build tag, else the pure-Go
// LP backend.
func Default() Solver { return backends[len(backends)-1] }

// Backends lists the backends built in, weakest first.
func Backends() []Solver { return append([]Solver(nil), backends...) }

// deadline is the earlier of now+TimeLimit and the context's deadline; ok is false
// when neither is set.
func deadline(ctx context.Context, lim Limits, now time.Time) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if lim.TimeLimit > 0 {
		t := now.Add(lim.TimeLimit)
		if !ok || t.Before(d) {
			d, ok = t, true
		}
	}
	return d, ok
}

// atLimit turns an infeasibility that a solve stopped at its time limit
// (limit > 0, elapsed ≥ limit) reported into what it is, a stop without a
// solution: a time-limited CBC solve called the CCG's main problem, which has
// a feasible point by construction, infeasible.
func atLimit(res Result, limit, elapsed time.Duration) Result {
	if res.Status == Infeasible && limit > 0 && elapsed >= limit {
		res.Status, res.TimedOut = NoSolution, true
	}
	return res
}

// runBounded runs solve in a goroutine and waits for it until the deadline plus
// grace, or until the context is cancelled. solve must own all its memory: when it is
// abandoned it finishes on its own and its result is dropped.
func runBounded(ctx context.Context, lim Limits, start time.Time, solve func() (Result, error)) (Result, error) {
	type answer struct {
		res Result
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		r, err := solve()
		ch <- answer{r, err}
	}()
	var timeout <-chan time.Time
	dl, has := deadline(ctx, lim, start)
	if has {
		t := time.NewTimer(time.Until(dl) + lim.grace())
		defer t.Stop()
		timeout = t.C
	}
	finish := func(a answer) (Result, error) {
		a.res.Elapsed = time.Since(start)
		if has && time.Now().After(dl) {
			a.res.Overshoot = time.Since(dl)
		}
		return a.res, a.err
	}
	abandoned := func(err error) (Result, error) {
		r := Result{Status: NoSolution, TimedOut: true, Elapsed: time.Since(start), Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1)}
		if has {
			r.Overshoot = time.Since(dl)
		}
		return r, err
	}
	select {
	case a := <-ch:
		return finish(a)
	case <-timeout:
		return abandoned(nil)
	case <-ctx.Done():
		if ctx.Err() != context.DeadlineExceeded {
			return abandoned(ctx.Err())
		}
		// A context deadline gets the same grace as TimeLimit.
		select {
		case a := <-ch:
			return finish(a)
		case <-timeout:
			return abandoned(nil)
		}
	}
}
