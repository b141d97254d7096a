package tsp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// Solution is a tour (0-based nodes, each once) and its length, with what
// found it: Phase is "start" (the first descent), "kick", "sample" (a sampled
// k-opt action), "construct" (an MCTS restart) or "mcts", and Iteration the
// iteration count of the thread that found it. Phase is "" when the tour was
// not found by the search (the exact solution of a tiny instance, the identity
// tour of a run stopped before its first descent). Bound is the lower bound
// on any tour's length known when the tour was reported (the α heatmap's
// Held–Karp bound), 0 when none is.
type Solution struct {
	Tour      []int
	Length    float64
	Phase     string
	Iteration int64
	Bound     float64
}

// Stats are the counts a user tunes by.
type Stats struct {
	Iterations int64         `json:"iterations"` // sampled actions plus kicks
	Samples    int64         `json:"samples"`    // sampled k-opt actions
	Executed   int64         `json:"executed"`   // improving sampled actions applied
	Kicks      int64         `json:"kicks"`      // double-bridge kicks (Hybrid)
	Accepted   int64         `json:"accepted"`   // kicks that led to a shorter tour
	Restarts   int64         `json:"restarts"`   // new constructions (MCTS)
	Moves      int64         `json:"moves"`      // local-search moves applied
	Setup      time.Duration `json:"setup_ns"`   // heatmap, candidates, statistics
	Search     time.Duration `json:"search_ns"`
	// AlphaIterations is the number of 1-trees the α heatmap's ascent
	// computed after the first; AlphaStopped says the ascent ran out of its
	// share of the time (the search then had no α candidates and no bound).
	AlphaIterations int  `json:"alpha_iterations,omitempty"`
	AlphaStopped    bool `json:"alpha_stopped,omitempty"`
}

// Result is what Solve returns: Objective is the tour's length. Bound is the
// Held–Karp (1-tree) lower bound when the α heatmap was computed, the tour's
// own length when an instance of at most 9 nodes was solved exactly, and NaN
// otherwise. Status is Optimal when the tour meets the bound (see
// heatmap.AlphaResult.Proves), Feasible otherwise.
type Result = solvers.Result[Solution, Stats]

// ErrFixedEdges refuses an instance with fixed edges (TSPLIB's
// FIXED_EDGES_SECTION) that Solve cannot keep fixed: more than
// MaxFixedEdgeNodes nodes, or distances too long for the penalty.
var ErrFixedEdges = errors.New("tsp: fixed edges not supported here")

// Solve searches for a short tour until the time limit, the context or the
// iteration budget ends the run, or the tour meets the α heatmap's lower
// bound (StopReason Completed, Status Optimal). With none of the three it
// stops after 10·n iterations. Instances of at most 9 nodes are solved exactly. The tour has
// passed instances.CheckTour. A tour of an instance with fixed edges holds
// them all (up to MaxFixedEdgeNodes nodes; ErrFixedEdges beyond).
func Solve(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	if inst == nil || inst.N() < 3 {
		return Result{}, fmt.Errorf("%w: need at least 3 nodes", instances.ErrInvalidInstance)
	}
	if err := set.validate(); err != nil {
		return Result{}, err
	}
	if len(inst.Fixed) > 0 {
		return solveFixed(ctx, inst, set)
	}
	n := inst.N()
	if h := set.Heatmap; h != nil {
		if err := h.CheckSize(n); err != nil {
			return Result{}, err
		}
		if err := h.Validate(); err != nil {
			return Result{}, err
		}
	}
	ctx, cancel := set.Limits.Context(ctx)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		// Returning the tour after the search stops takes time in
		// proportion to n (mapping it back from the curve order, measuring
		// and checking it); the search stops that much earlier so the result
		// arrives by the deadline itself.
		var stopEarly context.CancelFunc
		ctx, stopEarly = context.WithDeadline(ctx, d.Add(-time.Duration(n)*epiloguePerNode))
		defer stopEarly()
	}
	set = set.withDefaults(n)
	if !set.Limits.Bounded(ctx) {
		set.MaxIterations = 10 * int64(n)
	}
	var res Result
	var err error
	switch {
	case n <= 9:
		res = solveExactly(inst, set)
	case n >= renumberMinN && inst.HasCoords() && !set.noRenumber:
		res, err = solveRenumbered(ctx, inst, set)
	default:
		res, err = solveWatched(ctx, inst, set)
	}
	if err != nil {
		return Result{}, err
	}
	length, err := instances.CheckTour(inst, res.Solution.Tour)
	if err != nil {
		return Result{}, fmt.Errorf("tsp: bug: the tour fails the checker: %w", err)
	}
	res.Objective, res.Solution.Length = length, length
	return res, nil
}

func solveExactly(inst *instances.TSP, set Settings) Result {
	s := &searcher{inst: inst, n: int32(inst.N())}
	sol := solution(inst, bruteForce(s))
	if set.OnImprove != nil {
		set.OnImprove(sol)
	}
	return Result{Solution: sol, Bound: sol.Length, Status: solvers.Optimal, StopReason: solvers.Completed}
}

// epiloguePerNode is what returning a tour may cost per node once the search
// has stopped: about 15 ms at n = 10^6 on an idle machine (copying the best
// tour into memory held for it, mapping it back from the curve order in
// place, 8–12 ms of checker), kept at well over twice that for a loaded one.
// (80 ns, from when the epilogue allocated and checked on one core, returned
// 43–71 ms early.)
const epiloguePerNode = 40 * time.Nanosecond

// watchdogGrace is how long Solve waits, after the context ends, for the
// search to return on its own before it returns without it: the search's
// loops look at the clock every few hundred microseconds, and a setup phase
// that does not return by then will not return in time anyway (a cancel,
// unlike a deadline, has no reserve to spend).
const watchdogGrace = 5 * time.Millisecond

// solveWatched runs the search in its own goroutine so that the context is
// honoured even while a long setup phase (neighbour lists, heatmap, first
// descent at n = 10^5) cannot look at it: then it returns the best tour so
// far, or the identity tour, and the goroutine stops at its next budget check.
func solveWatched(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	start := time.Now()
	// best is held from the start too: the first offer, often the one a
	// cancel interrupts, copies into it without faulting in 4 MB at 10^6.
	sh := &shared{bestLen: math.Inf(1), onImprove: set.OnImprove, inst: inst, ctx: ctx, best: make([]int32, 0, inst.N())}
	// The returned tour is written here, so the path after a deadline or a
	// cancel allocates nothing: at n = 10^6 an 8 MB allocation there started
	// a garbage collection, 20–50 ms after SIGINT.
	stopped := make([]int, inst.N())
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := solveCore(ctx, inst, set, start, sh)
		done <- outcome{r, err}
	}()
	select {
	case o := <-done:
		return sh.settle(o.res, stopped), o.err
	case <-ctx.Done():
	}
	select {
	case o := <-done:
		return sh.settle(o.res, stopped), o.err
	case <-time.After(watchdogGrace):
	}
	sh.mu.Lock()
	sh.onImprove = nil // nothing is streamed after Solve returns
	pubs := sh.pubs
	sh.mu.Unlock()
	reason, _ := solvers.ContextStop(ctx)
	res := Result{Bound: math.NaN(), Status: solvers.Feasible, StopReason: reason}
	for _, p := range pubs {
		res.Stats.add(p.stats())
	}
	res.Stats.Search = time.Since(start)
	return sh.settle(res, stopped), nil
}

// settle gives a result without a tour (solveCore leaves it out, and a search
// not waited for has none) the best tour found, or else the identity, written
// into stopped; its length is left to Solve's checker.
func (sh *shared) settle(res Result, stopped []int) Result {
	if res.Solution.Tour != nil {
		return res
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	res.Solution = Solution{Tour: stopped}
	if len(sh.best) == 0 {
		for i := range stopped {
			stopped[i] = i
		}
		return res
	}
	for i, v := range sh.best {
		stopped[i] = int(v)
	}
	res.Solution.Phase, res.Solution.Iteration, res.Solution.Bound = sh.bestPhase, sh.bestIter, sh.bound
	return res
}

// identitySolution is the tour 0, 1, …, n−1 for a run that ends before any
// tour exists (along the Hilbert curve once renumbered). Its length is left
// to Solve's checker: at n = 10^6 each pass over the tour costs tens of
// milliseconds of the deadline.
func identitySolution(n int) Solution {
	t := make([]int, n)
	for i := range t {
		t[i] = i
	}
	return Solution{Tour: t}
}

func (a *Stats) add(b Stats) {
	a.Iterations += b.Iterations
	a.Samples += b.Samples
	a.Executed += b.Executed
	a.Kicks += b.Kicks
	a.Accepted += b.Accepted
	a.Restarts += b.Restarts
	a.Moves += b.Moves
}

// solution is order as a Solution, its length summed as Solve's checker sums
// it (instances.TourLength), so a streamed tour and the result agree.
func solution(inst *instances.TSP, order []int32) Solution {
	t := make([]int, len(order))
	for i, v := range order {
		t[i] = int(v)
	}
	return Solution{Tour: t, Length: instances.TourLength(inst, t)}
}
