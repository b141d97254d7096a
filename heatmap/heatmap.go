package heatmap

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/cosolve/cosolve/instances"
)

// ErrInvalid is wrapped by every error that rejects heatmap data.
var ErrInvalid = errors.New("invalid heatmap")

// Heatmap is a sparse edge prior: row i holds the stored entries H[i][j] > 0
// (CSR, columns ascending). Entries not stored are taken as 0, except that
// RowSum[i] is the sum of the full row, so dense heatmaps whose tails were
// dropped keep their row mass (the MCTS uses it for Ω).
type Heatmap struct {
	N      int
	Start  []int32
	Col    []int32
	Val    []float64
	RowSum []float64
}

// Row returns row i's columns and values.
func (h *Heatmap) Row(i int) ([]int32, []float64) {
	return h.Col[h.Start[i]:h.Start[i+1]], h.Val[h.Start[i]:h.Start[i+1]]
}

// At returns H[i][j] (0 when not stored).
func (h *Heatmap) At(i, j int) float64 {
	cols, vals := h.Row(i)
	k := sort.Search(len(cols), func(x int) bool { return cols[x] >= int32(j) })
	if k < len(cols) && cols[k] == int32(j) {
		return vals[k]
	}
	return 0
}

// NNZ is the number of stored entries.
func (h *Heatmap) NNZ() int { return len(h.Col) }

// entry is one stored value during construction.
type entry struct {
	j int32
	v float64
}

// fromRows builds a Heatmap from unsorted rows; rowSum nil = the stored sums.
func fromRows(rows [][]entry, rowSum []float64) *Heatmap {
	n := len(rows)
	h := &Heatmap{N: n, Start: make([]int32, n+1), RowSum: rowSum}
	total := 0
	for _, r := range rows {
		total += len(r)
	}
	h.Col = make([]int32, 0, total)
	h.Val = make([]float64, 0, total)
	if h.RowSum == nil {
		h.RowSum = make([]float64, n)
	}
	for i, r := range rows {
		sort.Slice(r, func(a, b int) bool { return r[a].j < r[b].j })
		var sum float64
		for _, e := range r {
			h.Col = append(h.Col, e.j)
			h.Val = append(h.Val, e.v)
			sum += e.v
		}
		if rowSum == nil {
			h.RowSum[i] = sum
		}
		h.Start[i+1] = int32(len(h.Col))
	}
	return h
}

// Validate checks sizes and that every value is finite and non-negative.
func (h *Heatmap) Validate() error {
	if h.N < 3 {
		return fmt.Errorf("%w: %d nodes, need at least 3", ErrInvalid, h.N)
	}
	if len(h.Start) != h.N+1 || int(h.Start[h.N]) != len(h.Col) || len(h.Col) != len(h.Val) || len(h.RowSum) != h.N {
		return fmt.Errorf("%w: inconsistent sparse storage", ErrInvalid)
	}
	for i := 0; i < h.N; i++ {
		cols, vals := h.Row(i)
		for k, j := range cols {
			if j < 0 || int(j) >= h.N || (k > 0 && cols[k-1] >= j) {
				return fmt.Errorf("%w: row %d: bad or unsorted column %d", ErrInvalid, i, j)
			}
			if v := vals[k]; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("%w: entry (%d,%d) is %v", ErrInvalid, i, j, v)
			}
		}
	}
	return nil
}

// Symmetrize returns (H + Hᵀ)/2, what the reference MCTS codes do on load. Row
// sums become (row sum + stored column sum)/2; ReadDense, which sees every
// entry, uses the exact column sums instead.
func (h *Heatmap) Symmetrize() *Heatmap {
	n := h.N
	rows := make([][]entry, n)
	colSum := make([]float64, n)
	for i := 0; i < n; i++ {
		cols, vals := h.Row(i)
		for k, j := range cols {
			rows[i] = append(rows[i], entry{j, vals[k] / 2})
			rows[j] = append(rows[j], entry{int32(i), vals[k] / 2})
			colSum[j] += vals[k]
		}
	}
	sum := make([]float64, n)
	for i := 0; i < n; i++ {
		r := rows[i]
		sort.Slice(r, func(a, b int) bool { return r[a].j < r[b].j })
		out := r[:0]
		for _, e := range r {
			if len(out) > 0 && out[len(out)-1].j == e.j {
				out[len(out)-1].v += e.v
				continue
			}
			out = append(out, e)
		}
		rows[i] = out
		sum[i] = (h.RowSum[i] + colSum[i]) / 2
	}
	return fromRows(rows, sum)
}

// Candidates picks each node's candidate set by the rule of Fu et al.'s code:
// repeatedly the not-yet-chosen column with the largest value, stopping below
// threshold (1e-4 in the reference) or after maxCand (≤ 0 = no cap). Ties go to
// the lower column, as the reference's strict ">" scan does.
func (h *Heatmap) Candidates(maxCand int, threshold float64) *Neighbors {
	nb := &Neighbors{Start: make([]int32, h.N+1)}
	var buf []entry
	for i := 0; i < h.N; i++ {
		cols, vals := h.Row(i)
		buf = buf[:0]
		for k, j := range cols {
			if int(j) != i && vals[k] >= threshold {
				buf = append(buf, entry{j, vals[k]})
			}
		}
		sort.SliceStable(buf, func(a, b int) bool { return buf[a].v > buf[b].v })
		if maxCand > 0 && len(buf) > maxCand {
			buf = buf[:maxCand]
		}
		for _, e := range buf {
			nb.Adj = append(nb.Adj, e.j)
		}
		nb.Start[i+1] = int32(len(nb.Adj))
	}
	return nb
}

// CheckSize reports a heatmap that does not fit an instance of n nodes.
func (h *Heatmap) CheckSize(n int) error {
	if h.N != n {
		return fmt.Errorf("%w: heatmap has %d nodes, instance has %d", ErrInvalid, h.N, n)
	}
	return nil
}

// gtPrior holds the GT-Prior rank tables of Pan et al. (arXiv 2411.09238;
// LOGO-CUHKSZ/rethink_mcts_tsp @ f33b5ad,
// testset/all_heatmap/gt/batch_generate_heatmap.py): entry r is the frequency
// with which a node's r-th nearest neighbour is adjacent to it in optimal tours
// of uniform random instances of that size.
var gtPrior = map[int][]float64{
	500: {0.440078125, 0.256265625, 0.13275, 0.073265625, 0.0408125, 0.02359375, 0.01340625, 0.00775,
		0.004484375, 0.002734375, 0.00178125, 0.0011875, 0.0006875, 0.000375, 0.000375, 0.0001875,
		7.8125e-05, 1.5625e-05, 4.6875e-05, 1.5625e-05, 4.6875e-05, 3.125e-05, 1.5625e-05, 1.5625e-05},
	1000: {0.437554687, 0.25471875, 0.137671875, 0.074109375, 0.0397890625, 0.023515625, 0.0132265625,
		0.007453125, 0.004734375, 0.0030078125, 0.00159375, 0.0010859375, 0.0005625, 0.000296875,
		0.000265625, 0.000171875, 0.0001015625, 4.6875e-05, 1.5625e-05, 3.125e-05, 2.34375e-05,
		7.8125e-06, 1.5625e-05},
	10000: {0.44175625, 0.25409375, 0.132925, 0.07195, 0.03951875, 0.02375, 0.01414375, 0.00809375,
		0.0049125, 0.00333125, 0.00184375, 0.0011125, 0.0008375, 0.00055625, 0.000375, 0.0002625,
		0.00018125, 8.75e-05, 6.875e-05, 5e-05, 5e-05, 2.5e-05, 2.5e-05, 6.25e-06, 1.25e-05,
		6.25e-06, 6.25e-06, 6.25e-06, 6.25e-06, 6.25e-06},
}

// GTPriorTable returns the normalised GT-Prior rank profile used for n nodes:
// the published table of the size nearest to n on a log scale (the three
// curves agree to about 0.005, so the choice matters little), cut to n−1 ranks
// and normalised to sum 1 as the reference script does.
func GTPriorTable(n int) []float64 {
	bestN, bestD := 500, math.Inf(1)
	for _, size := range []int{500, 1000, 10000} {
		if d := math.Abs(math.Log(float64(n) / float64(size))); d < bestD {
			bestN, bestD = size, d
		}
	}
	src := gtPrior[bestN]
	if len(src) > n-1 {
		src = src[:n-1]
	}
	var sum float64
	for _, v := range src {
		sum += v
	}
	out := make([]float64, len(src))
	for r, v := range src {
		out[r] = v / sum
	}
	return out
}

// GTPrior is Pan et al.'s parameter-free heatmap: H[i][r-th nearest of i] =
// prior[r]. Not symmetrised (the MCTS symmetrises on load, as the reference).
func GTPrior(p *instances.TSP) *Heatmap {
	n := p.N()
	prior := GTPriorTable(n)
	nb := KNearest(p, len(prior))
	rows := make([][]entry, n)
	for i := 0; i < n; i++ {
		for r, j := range nb.Of(i) {
			rows[i] = append(rows[i], entry{j, prior[r]})
		}
	}
	return fromRows(rows, nil)
}

// SoftDistTau is Xia et al.'s temperature: the grid-searched values 0.0066,
// 0.0051 and 0.0018 for n = 500, 1000 and 10000 (their README), else 0.16/√n,
// which matches those three within 10 % (τ·√n = 0.148, 0.161, 0.180) and scales
// with the mean nearest-neighbour distance of uniform points in the unit square.
// Coordinates outside the unit square need τ scaled by their extent; SoftDist
// does that.
func SoftDistTau(n int) float64 {
	switch n {
	case 500:
		return 0.0066
	case 1000:
		return 0.0051
	case 10000:
		return 0.0018
	}
	return 0.16 / math.Sqrt(float64(n))
}

// DefaultSoftDistK is how many nearest neighbours SoftDist keeps: beyond about
// the 30th neighbour exp(−d/τ) is below 1e-8 of the nearest for uniform points.
const DefaultSoftDistK = 40

// SoftDist is Xia et al.'s heatmap H[i][j] = exp(−d_ij/τ) / Σ_k exp(−d_ik/τ),
// restricted to the k nearest neighbours of i (the reference is dense, but the
// mass beyond them is negligible for the τ values in use). Distances are
// divided by the larger side of the bounding box, so τ keeps its unit-square
// meaning on TSPLIB coordinates. tau ≤ 0 = SoftDistTau(n); k ≤ 0 =
// DefaultSoftDistK. Not symmetrised.
func SoftDist(p *instances.TSP, tau float64, k int) *Heatmap {
	n := p.N()
	if tau <= 0 {
		tau = SoftDistTau(n)
	}
	if k <= 0 {
		k = DefaultSoftDistK
	}
	scale := 1.0
	if p.HasCoords() && p.Metric != instances.Euclidean {
		minX, maxX, minY, maxY := p.X[0], p.X[0], p.Y[0], p.Y[0]
		for i := range p.X {
			minX, maxX = math.Min(minX, p.X[i]), math.Max(maxX, p.X[i])
			minY, maxY = math.Min(minY, p.Y[i]), math.Max(maxY, p.Y[i])
		}
		if ext := math.Max(maxX-minX, maxY-minY); ext > 0 {
			scale = ext
		}
	} else if !p.HasCoords() {
		scale = explicitScale(p)
	}
	nb := KNearest(p, k)
	rows := make([][]entry, n)
	for i := 0; i < n; i++ {
		ns := nb.Of(i)
		if len(ns) == 0 {
			continue
		}
		d0 := p.Dist(i, int(ns[0])) / scale
		var z float64
		row := make([]entry, len(ns))
		for r, j := range ns {
			// Shifting by the nearest distance keeps exp in range; it cancels.
			v := math.Exp(-(p.Dist(i, int(j))/scale - d0) / tau)
			row[r] = entry{j, v}
			z += v
		}
		for r := range row {
			row[r].v /= z
		}
		rows[i] = row
	}
	return fromRows(rows, nil)
}

// explicitScale is the largest distance, the stand-in for the unit square's side
// on matrix instances.
func explicitScale(p *instances.TSP) float64 {
	var m float64
	n := p.N()
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			m = math.Max(m, p.Dist(i, j))
		}
	}
	if m == 0 {
		return 1
	}
	return m / math.Sqrt2
}

// Permute returns the heatmap of the same instance with its nodes renumbered:
// new node i is old node perm[i].
func (h *Heatmap) Permute(perm []int) *Heatmap {
	inv := make([]int32, h.N)
	for i, old := range perm {
		inv[old] = int32(i)
	}
	rows := make([][]entry, h.N)
	sums := make([]float64, h.N)
	for i, old := range perm {
		cols, vals := h.Row(old)
		r := make([]entry, len(cols))
		for k, j := range cols {
			r[k] = entry{inv[j], vals[k]}
		}
		rows[i] = r
		sums[i] = h.RowSum[old]
	}
	return fromRows(rows, sums)
}
