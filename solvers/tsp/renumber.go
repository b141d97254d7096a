package tsp

import (
	"context"
	"math"
	"slices"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// renumberMinN is the size from which Solve renumbers nodes along a Hilbert
// curve: nodes close in the plane become close in memory, so the neighbour
// walks of the search hit the cache. Below it everything fits in cache anyway.
const renumberMinN = 2000

// hilbertOrder returns the nodes sorted by their position on a Hilbert curve
// over the bounding box (2^16 cells a side).
func hilbertOrder(p *instances.TSP) []int {
	n := p.N()
	minX, maxX, minY, maxY := p.X[0], p.X[0], p.Y[0], p.Y[0]
	for i := 0; i < n; i++ {
		minX, maxX = math.Min(minX, p.X[i]), math.Max(maxX, p.X[i])
		minY, maxY = math.Min(minY, p.Y[i]), math.Max(maxY, p.Y[i])
	}
	ext := math.Max(maxX-minX, maxY-minY)
	if ext == 0 {
		ext = 1
	}
	const side = 1 << 16
	// The curve position (below side² = 2^32) above the node's index: one
	// sort of plain integers, ties in index order.
	key := make([]uint64, n)
	for i := 0; i < n; i++ {
		x := uint32(math.Min((p.X[i]-minX)/ext*side, side-1))
		y := uint32(math.Min((p.Y[i]-minY)/ext*side, side-1))
		key[i] = hilbertD(side, x, y)<<32 | uint64(i)
	}
	slices.Sort(key)
	perm := make([]int, n)
	for i, k := range key {
		perm[i] = int(k & math.MaxUint32)
	}
	return perm
}

// hilbertD is the classic xy → distance along the Hilbert curve of side s.
func hilbertD(s, x, y uint32) uint64 {
	var d uint64
	for r := s / 2; r > 0; r /= 2 {
		var rx, ry uint32
		if x&r != 0 {
			rx = 1
		}
		if y&r != 0 {
			ry = 1
		}
		d += uint64(r) * uint64(r) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x, y = s-1-x, s-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// renumbered is the instance with node i = old node perm[i].
func renumbered(p *instances.TSP, perm []int) (*instances.TSP, error) {
	x := make([]float64, len(perm))
	y := make([]float64, len(perm))
	for i, old := range perm {
		x[i], y[i] = p.X[old], p.Y[old]
	}
	q, err := instances.NewCoordTSP(p.Name, p.Metric, x, y)
	if err != nil {
		return nil, err
	}
	q.Comment = p.Comment
	return q, nil
}

// solveRenumbered solves the Hilbert-renumbered instance and maps every tour
// back to the caller's node numbers.
func solveRenumbered(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	// Sorting 10^5 curve keys takes a while; the context must not wait for it.
	permCh := make(chan []int, 1)
	go func() { permCh <- hilbertOrder(inst) }()
	var perm []int
	select {
	case perm = <-permCh:
	case <-ctx.Done():
		reason, _ := solvers.ContextStop(ctx)
		return Result{Solution: identitySolution(inst.N()), Bound: math.NaN(), Status: solvers.Feasible, StopReason: reason}, nil
	}
	q, err := renumbered(inst, perm)
	if err != nil {
		return Result{}, err
	}
	if set.Heatmap != nil {
		set.Heatmap = set.Heatmap.Permute(perm)
	}
	// Every tour here is the search's own fresh copy, so it is mapped back in
	// place: a deadline's epilogue at n = 10^6 allocates nothing.
	back := func(tour []int) {
		for k, v := range tour {
			tour[k] = perm[v]
		}
	}
	if f := set.OnImprove; f != nil {
		set.OnImprove = func(s Solution) { back(s.Tour); f(s) }
	}
	res, err := solveWatched(ctx, q, set)
	if err != nil {
		return res, err
	}
	back(res.Solution.Tour)
	return res, nil
}
