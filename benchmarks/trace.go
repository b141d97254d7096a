package benchmarks

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// Observer watches a run as it happens; the command line's search log is one.
// Either field may be nil. Improve is called from the solver's goroutines, one
// call at a time, often with a solver's lock held: it must return quickly.
type Observer struct {
	// Start is called once the instance is loaded and the settings are built,
	// before the search; an error ends the run there (the command line refuses a
	// picture it could not draw before spending the time limit).
	Start func(RunInfo) error
	// Improve is called with each new best.
	Improve func(Improvement)
}

// RunInfo describes a run before its search starts.
type RunInfo struct {
	Instance string
	Kind     string
	// Size is the instance's size in words ("n = 561", "15 jobs × 15 machines").
	Size string
	// Settings are the solver's own settings in words; the task's limits are
	// not repeated.
	Settings string
	// Reference is the published reference, nil when none is known.
	Reference *instances.Reference
	// Maximize is true when a larger objective is better.
	Maximize bool
	// Bound is a bound our own solver knows before searching (NaN when none).
	Bound float64
	// Problem is the loaded instance (*instances.TSP, *instances.JobShop,
	// *instances.RobustKnapsack).
	Problem any
}

// Improvement is one new best solution.
type Improvement struct {
	// Elapsed is the time since the task started (loading included, as time_s).
	Elapsed   time.Duration
	Objective float64
	// Phase and Iteration are what found it, as the solver's Solution says.
	Phase     string
	Iteration int64
	// Bound is a lower bound the solver proved by then (for a minimisation),
	// 0 when it reported none; RunInfo.Bound is the one known at the start.
	Bound float64
}

// recorder is a run's trace and observer; Run creates one per task.
type recorder struct {
	start time.Time
	obs   *Observer
	mu    sync.Mutex
	trace [][2]float64
}

// traceResolution is the relative spacing below which consecutive trace points
// are merged into the later one: a run that improves thousands of times still
// gives a trace of at most a few hundred points, each the best value known at
// its time, and the last point is always the final improvement.
const traceResolution = 0.05

func (r *recorder) add(t, objective float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.trace)
	if n >= 2 && t-r.trace[n-2][0] < math.Max(1e-3, traceResolution*t) {
		r.trace[n-1] = [2]float64{t, objective}
		return
	}
	r.trace = append(r.trace, [2]float64{t, objective})
}

func (r *recorder) points() [][2]float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][2]float64(nil), r.trace...)
}

// Started tells the task's observer that the instance is loaded; adapters
// call it before the search and return its error.
func (t Task) Started(info RunInfo) error {
	if t.rec == nil || t.rec.obs == nil || t.rec.obs.Start == nil {
		return nil
	}
	return t.rec.obs.Start(info)
}

// Improved records a new best in the trace and tells the observer; adapters
// call it from their solver's OnImprove, with the bound the solver reports
// with it (0 for none).
func (t Task) Improved(objective, bound float64, phase string, iteration int64) {
	if t.rec == nil {
		return
	}
	el := time.Since(t.rec.start)
	t.rec.add(el.Seconds(), objective)
	if t.rec.obs != nil && t.rec.obs.Improve != nil {
		t.rec.obs.Improve(Improvement{Elapsed: el, Objective: objective, Phase: phase, Iteration: iteration, Bound: bound})
	}
}

// StopReferenceReached is the stop_reason of a run that --stop-at-reference
// (stop_at_reference in a spec) ended when it reached the published reference,
// as LKH's OPTIMUM parameter does.
const StopReferenceReached = "reference-reached"

// target ends a run once its objective reaches the reference, by cancelling
// the run's context from OnImprove.
type target struct {
	ref     instances.Reference
	max     bool
	cancel  context.CancelFunc
	reached atomic.Bool
}

// newTarget returns nil (no target) unless on is set and a reference is known.
func newTarget(on bool, ref *instances.Reference, maximize bool, cancel context.CancelFunc) *target {
	if !on || ref == nil {
		return nil
	}
	return &target{ref: *ref, max: maximize, cancel: cancel}
}

func (g *target) offer(objective float64) {
	if g == nil || g.reached.Load() {
		return
	}
	tol := 1e-9 * math.Max(1, math.Abs(g.ref.Value))
	if g.max && objective >= g.ref.Value-tol || !g.max && objective <= g.ref.Value+tol {
		g.reached.Store(true)
		g.cancel()
	}
}

// settle reports a run the target ended: stopped by the reference, and
// optimal when the reference is a proved optimum.
func (g *target) settle(e *Envelope) {
	if g == nil || !g.reached.Load() {
		return
	}
	e.StopReason = StopReferenceReached
	if g.ref.Kind == instances.RefOptimal {
		e.Status = solvers.Optimal.String()
	}
}
