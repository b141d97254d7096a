package tsp

import (
	"context"
	"fmt"
	"math"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// MaxFixedEdgeNodes is the largest instance with fixed edges (TSPLIB's
// FIXED_EDGES_SECTION) Solve takes: it solves them on a distance matrix of
// n(n−1)/2 entries, 100 MB at this size.
const MaxFixedEdgeNodes = 5000

// solveFixed solves an instance with fixed edges as the same instance on a
// matrix where every edge that is not fixed costs a penalty more. The penalty
// exceeds any difference between two tours' lengths, so a tour with more fixed
// edges is always shorter there, every optimum holds them all, and the search,
// which knows nothing of fixed edges, keeps them once it has them; tours and
// lengths go back to the caller in the instance's own terms. A tour that ends
// without every fixed edge (a run stopped early) gets them spliced in.
func solveFixed(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	n := inst.N()
	if n > MaxFixedEdgeNodes {
		return Result{}, fmt.Errorf("%w: %s has %d fixed edge(s) and %d nodes; fixed edges are solved on a distance matrix, up to %d nodes", ErrFixedEdges, inst.Name, len(inst.Fixed), n, MaxFixedEdgeNodes)
	}
	// The time limit runs from here, not again from the inner Solve.
	ctx, cancel := set.Limits.Context(ctx)
	defer cancel()
	penalized, penalty, err := penalizeFree(ctx, inst)
	if ctx.Err() != nil {
		// Stopped while building the matrix: the identity with the fixed
		// edges spliced in, as a search stopped before its first tour.
		reason, _ := solvers.ContextStop(ctx)
		res := Result{Solution: Solution{Tour: spliceFixed(inst, identitySolution(n).Tour)}, Bound: math.NaN(), Status: solvers.Feasible, StopReason: reason}
		res.Objective, err = instances.CheckTour(inst, res.Solution.Tour)
		res.Solution.Length = res.Objective
		return res, err
	}
	if err != nil {
		return Result{}, err
	}
	offset := float64(n-len(inst.Fixed)) * penalty
	inner := set
	inner.TimeLimit = 0
	if set.OnImprove != nil {
		inner.OnImprove = func(s Solution) {
			// Only tours with every fixed edge are tours of inst.
			if l, err := instances.CheckTour(inst, s.Tour); err == nil {
				s.Length = l
				set.OnImprove(s)
			}
		}
	}
	res, err := Solve(ctx, penalized, inner)
	if err != nil {
		return Result{}, err
	}
	length, err := instances.CheckTour(inst, res.Solution.Tour)
	if err != nil {
		res.Solution.Tour = spliceFixed(inst, res.Solution.Tour)
		res.Status = solvers.Feasible
		if length, err = instances.CheckTour(inst, res.Solution.Tour); err != nil {
			return Result{}, fmt.Errorf("tsp: bug: the tour with its fixed edges fails the checker: %w", err)
		}
	}
	res.Objective, res.Solution.Length = length, length
	res.Bound -= offset
	return res, nil
}

// penalizeFree is inst as a distance matrix on which every edge that is not
// fixed costs penalty more: n times the longest edge, plus one, so it exceeds
// the length of any tour of inst (a whole number for integer metrics, so the
// matrix stays exact there).
func penalizeFree(ctx context.Context, inst *instances.TSP) (*instances.TSP, float64, error) {
	n := inst.N()
	lower := make([]float64, n*(n-1)/2)
	longest := 0.0
	for i, k := 1, 0; i < n; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, 0, nil
		}
		for j := 0; j < i; j, k = j+1, k+1 {
			lower[k] = inst.Dist(i, j)
			longest = max(longest, lower[k])
		}
	}
	penalty := math.Ceil(float64(n)*longest) + 1
	fixed := make(map[[2]int]bool, len(inst.Fixed))
	for _, e := range inst.Fixed {
		fixed[[2]int{max(e[0], e[1]), min(e[0], e[1])}] = true
	}
	for i, k := 1, 0; i < n; i++ {
		for j := 0; j < i; j, k = j+1, k+1 {
			if !fixed[[2]int{i, j}] {
				lower[k] += penalty
			}
		}
	}
	p, err := instances.NewExplicitTSP(inst.Name, n, lower)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: distances too long to keep its fixed edges by a penalty: %w", ErrFixedEdges, inst.Name, err)
	}
	return p, penalty, nil
}

// spliceFixed makes tour hold every fixed edge: walking it, the first node met
// of each fixed path brings the whole path, from its end nearer the last node
// written. The fixed edges form vertex-disjoint paths (the reader checks
// that), so the result is a tour.
func spliceFixed(inst *instances.TSP, tour []int) []int {
	n := inst.N()
	partners := make([][]int, n)
	for _, e := range inst.Fixed {
		partners[e[0]] = append(partners[e[0]], e[1])
		partners[e[1]] = append(partners[e[1]], e[0])
	}
	done := make([]bool, n)
	out := make([]int, 0, n)
	for _, v := range tour {
		if done[v] {
			continue
		}
		if len(partners[v]) == 0 {
			out, done[v] = append(out, v), true
			continue
		}
		// The path through v, from one end to the other.
		end := v
		for prev := -1; ; {
			next := partnerAfter(partners[end], prev)
			if next < 0 || next == v {
				break
			}
			prev, end = end, next
		}
		path := []int{end}
		for prev, cur := -1, end; ; {
			next := partnerAfter(partners[cur], prev)
			if next < 0 || next == end {
				break // the path's other end, or a cycle of fixed edges closed
			}
			path = append(path, next)
			prev, cur = cur, next
		}
		if len(out) > 0 && inst.Dist(out[len(out)-1], path[len(path)-1]) < inst.Dist(out[len(out)-1], path[0]) {
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
		}
		for _, w := range path {
			done[w] = true
		}
		out = append(out, path...)
	}
	return out
}

// partnerAfter is the fixed-edge partner of a node other than prev (the node
// the walk came from), or -1 at a path's end.
func partnerAfter(partners []int, prev int) int {
	for _, w := range partners {
		if w != prev {
			return w
		}
	}
	return -1
}
