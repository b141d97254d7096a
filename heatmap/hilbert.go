package heatmap

import (
	"math"

	"github.com/cosolve/cosolve/instances"
)

// hilbertOrder is the side of the grid the Hilbert keys are computed on, 2^16:
// fine enough that at 10^6 uniform points few cells hold two.
const hilbertOrder = 16

// hilbertKey is the position of cell (x, y) along the Hilbert curve that fills
// a 2^hilbertOrder grid: the curve visits the four quadrants of every square
// in an order that keeps consecutive cells adjacent, so points close on the
// curve are close in the plane.
func hilbertKey(x, y uint32) uint64 {
	var d uint64
	for s := uint32(1) << (hilbertOrder - 1); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		// Rotate the quadrant so the sub-curve inside it starts and ends where
		// the parent curve enters and leaves.
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - (x & (s - 1))
				y = s - 1 - (y & (s - 1))
			}
			x, y = y, x
		}
		x &= s - 1
		y &= s - 1
	}
	return d
}

// hilbertRenumber returns a copy of p with its nodes in Hilbert-curve order and
// perm, where new node i is old node perm[i]. The tree and heap walks of the
// ascent then touch memory in nearly the order they touch the plane, which at
// 10^6 nodes is what keeps them out of cache misses. Distances are unchanged:
// the copy has the same coordinates and metric.
func hilbertRenumber(p *instances.TSP, pl *poller) (*instances.TSP, []int32, error) {
	n := p.N()
	minX, maxX, minY, maxY := p.X[0], p.X[0], p.Y[0], p.Y[0]
	for i := 1; i < n; i++ {
		minX, maxX = math.Min(minX, p.X[i]), math.Max(maxX, p.X[i])
		minY, maxY = math.Min(minY, p.Y[i]), math.Max(maxY, p.Y[i])
	}
	side := math.Max(maxX-minX, maxY-minY)
	scale := 0.0
	if side > 0 {
		scale = (1<<hilbertOrder - 1) / side
	}
	// Key in the high 32 bits, node in the low, sorted by a stable radix sort
	// of the key's two 16-bit halves: ties stay in node order, and the passes
	// are linear loops the context can interrupt.
	keys := make([]uint64, n)
	for i := range keys {
		if err := pl.tick(32); err != nil {
			return nil, nil, err
		}
		cx := uint32((p.X[i] - minX) * scale)
		cy := uint32((p.Y[i] - minY) * scale)
		keys[i] = hilbertKey(cx, cy)<<32 | uint64(i)
	}
	tmp := make([]uint64, n)
	var count [1<<16 + 1]int
	for _, shift := range []uint{32, 48} {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&0xffff+1]++
		}
		for d := 1; d < len(count); d++ {
			count[d] += count[d-1]
		}
		for i, k := range keys {
			if err := pl.tick(4); err != nil {
				return nil, nil, err
			}
			d := (k >> shift) & 0xffff
			tmp[count[d]] = keys[i]
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	perm := make([]int32, n)
	x, y := make([]float64, n), make([]float64, n)
	for i, k := range keys {
		if err := pl.tick(4); err != nil {
			return nil, nil, err
		}
		old := int(uint32(k))
		perm[i] = int32(old)
		x[i], y[i] = p.X[old], p.Y[old]
	}
	q, err := instances.NewCoordTSP(p.Name, p.Metric, x, y)
	return q, perm, err
}
