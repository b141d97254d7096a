package tsp

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
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

// solveCore is the search proper: heatmap, candidates, statistics, threads.
func solveCore(ctx context.Context, inst *instances.TSP, set Settings, start time.Time, sh *shared) (Result, error) {
	n := inst.N()
	res := Result{Bound: math.NaN(), Status: solvers.Feasible}
	// The Hybrid without sampling never reads the statistics: skip the
	// heatmap, which at n = 10^5 costs seconds.
	needStats := set.Method == MCTS || set.Samples > 0
	h := set.Heatmap
	if h == nil && needStats {
		h = heatmap.GTPrior(inst)
	}
	var hs *heatmap.Heatmap
	if h != nil {
		hs = h.Symmetrize()
	}
	nb := heatmap.KNearest(inst, set.Neighbors)
	var cand *heatmap.Neighbors
	var prior []float64
	if needStats {
		if set.CandidatesByHeatmap {
			cand = hs.Candidates(set.MaxCandidates, referenceThreshold)
		} else if set.MaxCandidates == set.Neighbors {
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
	var wg sync.WaitGroup
	workers := make([]*searcher, set.Threads)
	var nbDist []float64 // shared, read-only
	errs := make([]error, set.Threads)
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
		if nbDist == nil {
			nbDist = make([]float64, len(nb.Adj))
			s := workers[w]
			for i := int32(0); i < int32(n); i++ {
				for a := nb.Start[i]; a < nb.Start[i+1]; a++ {
					nbDist[a] = s.d(i, nb.Adj[a])
				}
			}
		}
		workers[w].nbDist = nbDist
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
	res.Solution = sh.solution()
	res.Objective = res.Solution.Length
	res.StopReason = solvers.Completed
	for _, s := range workers {
		res.StopReason = solvers.Merge(res.StopReason, s.budget.Reason())
		s.st.Iterations = s.budget.Iter()
		res.Stats.add(s.st)
	}
	res.Stats.Setup = setup
	res.Stats.Search = time.Since(start) - setup
	return res, nil
}
