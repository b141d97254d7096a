package tsp

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/hugemem"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

// matrixMaxN is the largest n for which non-Euclidean distances are tabulated
// (n² float64: 72 MB at 3000).
const matrixMaxN = 3000

// referenceThreshold is the heatmap value below which Fu et al.'s candidate
// rule stops adding candidates.
const referenceThreshold = 1e-4

// base is the e of Z's logarithm and of the rewards: the reference code's
// constant 2.718, or math.E.
func base(set Settings) float64 {
	if set.Reference {
		return 2.718
	}
	return math.E
}

// alphaShare is the largest share of the time left before the deadline that
// the α ascent may take: the search needs time too, and a cut-off ascent
// leaves the nearest neighbours and no bound rather than no tour.
const alphaShare = 0.5

// builtHeatmap is the heatmap Solve built or was given, and what came with it.
type builtHeatmap struct {
	h     *heatmap.Heatmap
	alpha *heatmap.AlphaResult // nil unless the α ascent completed
	// cut: the α ascent ran out of its share of the time.
	cut bool
}

// buildHeatmap returns the given heatmap, or builds the one HeatmapKind names
// when the search reads one: the MCTS statistics always, the Hybrid's
// candidate lists only for α (GT-Prior and SoftDist rank by distance, so their
// lists are the nearest neighbours, and at n = 10^5 building them costs
// seconds).
func buildHeatmap(ctx context.Context, inst *instances.TSP, set Settings, needStats bool) (builtHeatmap, error) {
	if set.Heatmap != nil {
		return builtHeatmap{h: set.Heatmap}, nil
	}
	if !needStats && set.HeatmapKind != "alpha" {
		return builtHeatmap{}, nil
	}
	if set.HeatmapKind != "alpha" {
		h, _, err := heatmap.ByName(ctx, inst, set.HeatmapKind, heatmap.ByNameOptions{})
		return builtHeatmap{h: h}, err
	}
	actx := ctx
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		actx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Duration(alphaShare*float64(time.Until(d)))))
		defer cancel()
	}
	h, ar, err := heatmap.ByName(actx, inst, "alpha", heatmap.ByNameOptions{Alpha: heatmap.AlphaOptions{Candidates: set.Neighbors, Neighbors: max(10, set.Neighbors)}})
	if err == nil {
		return builtHeatmap{h: h, alpha: ar}, nil
	}
	if actx.Err() == nil {
		return builtHeatmap{}, err
	}
	// Cut off (or the run is over): carry on without α.
	var fb builtHeatmap
	fb.cut = true
	if needStats {
		fb.h = heatmap.GTPrior(inst)
	}
	return fb, nil
}

// candidateLists are the Hybrid's local-search lists: each node's k entries
// of highest heatmap value (ties to the lower node), then ordered nearest
// first, which the moves' gain tests rely on to stop early. A row with fewer
// entries gives a shorter list.
func candidateLists(inst *instances.TSP, h *heatmap.Heatmap, k int) *heatmap.Neighbors {
	nb := h.Candidates(k, math.SmallestNonzeroFloat64)
	for i := 0; i < inst.N(); i++ {
		row := nb.Of(i)
		slices.SortStableFunc(row, func(a, b int32) int {
			return cmp.Or(cmp.Compare(inst.Dist(i, int(a)), inst.Dist(i, int(b))), cmp.Compare(a, b))
		})
	}
	return nb
}

// solveCore is the search proper: heatmap, candidates, statistics, threads.
func solveCore(ctx context.Context, inst *instances.TSP, set Settings, start time.Time, sh *shared) (Result, error) {
	n := inst.N()
	res := Result{Bound: math.NaN(), Status: solvers.Feasible}
	needStats := set.Method == MCTS || set.Samples > 0
	built, err := buildHeatmap(ctx, inst, set, needStats)
	if err != nil {
		return Result{}, err
	}
	// A run that ends during the ascent or the neighbour lists: Solve's
	// watchdog has returned or is about to, and the rest of the setup of a
	// large instance would keep this goroutine busy for seconds after it.
	// Its result has no tour (solveWatched gives it one without allocating).
	ended := func(reason solvers.StopReason) Result {
		return Result{Bound: math.NaN(), Status: solvers.Feasible, StopReason: reason}
	}
	if reason, over := solvers.ContextStop(ctx); over {
		return ended(reason), nil
	}
	h := built.h
	var hs *heatmap.Heatmap
	if h != nil {
		hs = h.Symmetrize()
	}
	// GT-Prior and SoftDist are never read for candidate lists (see
	// buildHeatmap), so h here is α or the caller's.
	nearest := set.Method == MCTS || (set.Heatmap == nil && built.alpha == nil)
	var nb *heatmap.Neighbors
	if nearest {
		if nb, err = heatmap.KNearestContext(ctx, inst, set.Neighbors); err != nil {
			reason, _ := solvers.ContextStop(ctx)
			return ended(reason), nil
		}
	} else {
		nb = candidateLists(inst, h, set.Neighbors)
	}
	// The search stops by itself once a tour meets the bound.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if a := built.alpha; a != nil {
		res.Bound = a.Bound
		res.Stats.AlphaIterations = a.Iterations
		sh.mu.Lock()
		sh.proves, sh.stop, sh.bound = a.Proves, stop, a.Bound
		sh.mu.Unlock()
	}
	res.Stats.AlphaStopped = built.cut
	var cand *heatmap.Neighbors
	var prior []float64
	if needStats {
		if set.CandidatesByHeatmap {
			cand = hs.Candidates(set.MaxCandidates, referenceThreshold)
		} else if set.MaxCandidates == set.Neighbors && nearest {
			cand = nb
		} else {
			cand = heatmap.KNearest(inst, set.MaxCandidates)
		}
		prior = make([]float64, len(cand.Adj))
		for i := 0; i < n; i++ {
			for a := cand.Start[i]; a < cand.Start[i+1]; a++ {
				prior[a] = hs.At(i, int(cand.Adj[a]))
			}
		}
	}
	// GEO and ATT distances cost trigonometry or a square root per call; a
	// matrix pays for itself at small n.
	var mat []float64
	if inst.Metric != instances.Euclidean && n <= matrixMaxN {
		mat = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				d := inst.Dist(i, j)
				mat[i*n+j], mat[j*n+i] = d, d
			}
		}
	}
	setup := time.Since(start)
	workers := make([]*searcher, set.Threads)
	for w := range workers {
		e := base(set)
		var st *mcts.Stats
		if needStats {
			var err error
			st, err = mcts.NewStats(cand.Start, cand.Adj, prior, hs.RowSum, 100, set.Alpha, e)
			if err != nil {
				return Result{}, err
			}
		}
		workers[w] = newSearcher(inst, &set, nb, st, solvers.NewBudget(ctx, set.MaxIterations), solvers.NewRand(set.Seed, "tsp/search", uint64(w)))
		sh.mu.Lock()
		sh.pubs = append(sh.pubs, workers[w].pub)
		sh.mu.Unlock()
		workers[w].mat = mat
	}
	// Shared and read-only; outside the Go heap (80 MB at n = 10^6), so an
	// exit does not spend milliseconds tearing down its small pages. It is
	// released only after every worker has returned: no early return
	// follows their start.
	nbDist, releaseDist := hugemem.Make[float64](len(nb.Adj))
	defer releaseDist()
	longest := 0.0
	for i := int32(0); i < int32(n); i++ {
		// 10^7 distances at n = 10^6: too long to miss a cancel.
		if i&(1<<14-1) == 0 {
			if reason, over := solvers.ContextStop(ctx); over {
				return ended(reason), nil
			}
		}
		for a := nb.Start[i]; a < nb.Start[i+1]; a++ {
			nbDist[a] = workers[0].d(i, nb.Adj[a])
			longest = max(longest, nbDist[a])
		}
	}
	var pi []float64
	if set.Method == Hybrid && built.alpha != nil {
		if pi = searchPenalties(built.alpha.Pi, longest); pi != nil {
			penalise(nb, nbDist, pi)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, set.Threads)
	for w := range workers {
		workers[w].nbDist, workers[w].pi = nbDist, pi
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = workers[w].run(sh)
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	// The tour is left to solveWatched, which copies the best into memory it
	// holds: no allocation on the way out of a deadline.
	res.StopReason = solvers.Completed
	for _, s := range workers {
		res.StopReason = solvers.Merge(res.StopReason, s.budget.Reason())
		s.st.Iterations = s.budget.Iter()
		res.Stats.add(s.st)
	}
	if sh.optimal {
		// The threads stopped because the tour was proved optimal, whatever
		// their budgets say.
		res.Status, res.StopReason = solvers.Optimal, solvers.Completed
	}
	res.Stats.Setup = setup
	res.Stats.Search = time.Since(start) - setup
	return res, nil
}

// searchPenalties rounds the ascent's penalties to multiples of a power of
// two 2^36 times below the larger of the largest penalty and the longest
// candidate edge: with whole-number distances, every sum a move forms is then
// exact (up to edges 2^13 times longer than the longest candidate), so a move
// of no real gain never shows one. Nil when every penalty is 0.
func searchPenalties(pi []float64, longest float64) []float64 {
	top := 0.0
	for _, x := range pi {
		top = max(top, math.Abs(x))
	}
	if top == 0 {
		return nil
	}
	_, e := math.Frexp(max(top, longest))
	q := math.Ldexp(1, e-36)
	out := make([]float64, len(pi))
	for i, x := range pi {
		out[i] = math.Round(x/q) * q
	}
	return out
}

// penalise adds the penalties to the candidate costs and sorts each row by
// them again: the moves stop scanning a row at the first candidate too
// costly to pay, and penalties can reorder a row that was nearest first.
func penalise(nb *heatmap.Neighbors, cost, pi []float64) {
	for i := 0; i+1 < len(nb.Start); i++ {
		lo, hi := nb.Start[i], nb.Start[i+1]
		for a := lo; a < hi; a++ {
			cost[a] += pi[i] + pi[nb.Adj[a]]
		}
		for a := lo + 1; a < hi; a++ {
			for b := a; b > lo && cost[b] < cost[b-1]; b-- {
				cost[b], cost[b-1] = cost[b-1], cost[b]
				nb.Adj[b], nb.Adj[b-1] = nb.Adj[b-1], nb.Adj[b]
			}
		}
	}
}
