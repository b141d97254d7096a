package heatmap

import (
	"context"
	"fmt"
	"math"

	"github.com/cosolve/cosolve/instances"
)

// AlphaOptions configures Alpha. The zero value is the documented default.
type AlphaOptions struct {
	// Neighbors is k of the k-nearest-neighbour graph the ascent works on; the
	// minimum spanning tree is always added, so the graph is connected.
	// 0 = 10; otherwise at least 2.
	Neighbors int
	// Candidates is how many entries each heatmap row keeps, lowest α first.
	// 0 = 5 (LKH's default); at most Neighbors.
	Candidates int
	// MaxIterations caps the subgradient ascent (1-trees computed after the
	// first); 0 = until the step schedule ends. Given it, the result does not
	// depend on the machine or the clock.
	MaxIterations int
	// InitialPeriod is the length of the ascent's first period; later periods
	// halve it, and the schedule runs about 4–5 times this many iterations.
	// 0 = 100. LKH uses n/2 (at least 100), but the bound converges in a
	// number of iterations that hardly grows with n: a first period of 250
	// instead of 100 raised it by 0.008 % of its value on TSP-500 (twice the
	// iterations), one of 3000 by 0.006 % on a TSP-10000 instance (18 times).
	InitialPeriod int
}

// AlphaResult describes the subgradient ascent behind an α heatmap.
type AlphaResult struct {
	// Bound is a lower bound on every tour's length: the Held–Karp 1-tree bound
	// W(π) = L(T_π) − 2Σπ at the best penalties, with T_π a minimum 1-tree of
	// the complete graph (not only of the sparse one), lowered by 10^-12 of
	// the sum of its terms' magnitudes (floating-point rounding is some 10^-16
	// of it) and rounded up when tour lengths are whole numbers.
	Bound float64
	// Iterations is the number of 1-trees computed after the first.
	Iterations int
	// Pi are the best penalties π, indexed by node.
	Pi []float64
	// whole: every tour length is a whole number, and Bound was rounded up.
	whole bool
}

// Proves reports whether the bound proves a tour of this length optimal. With
// whole-number lengths that is length ≤ Bound (already rounded up); otherwise
// the tour may exceed Bound by 10^-9 of its value, since a tour's length and
// the 1-tree bound are sums of different terms and round differently.
func (r AlphaResult) Proves(length float64) bool {
	if r.whole {
		return length <= r.Bound
	}
	return length <= r.Bound+1e-9*math.Abs(r.Bound)
}

// Alpha computes Helsgaun's α-nearness heatmap (LKH, 2000) and the Held–Karp
// lower bound it comes with. A subgradient ascent on the node penalties π
// maximises the minimum 1-tree bound W(π) on a sparse graph (the k nearest
// neighbours plus the minimum spanning tree); the minimum 1-tree at the best π
// is then recomputed over the complete graph, which makes the bound valid; and
// for every edge (i, j) of the sparse graph, α(i, j) is the amount by which
// that 1-tree grows when forced to contain the edge. Optimal tours use
// low-α edges far more often than short ones, which is why LKH takes its
// candidates by α.
//
// Row i of the heatmap holds i's Candidates sparse-graph neighbours of lowest
// α (ties by distance, then node), valued exp(−α/ℓ) with ℓ the mean 1-tree
// edge and the row normalised to sum 1, like the package's other priors; the
// values strictly decrease along that order, so a top-k by value picks the
// k lowest α. The heatmap is not symmetrised.
//
// Cost: memory O(n·k); each ascent iteration is a minimum spanning tree of
// the sparse graph, O(n·k·log n), and the default schedule runs a few hundred
// of them at any n (about 0.04 s each at n = 10^5, 0.3–0.5 s at 10^6 on one
// core). For planar metrics (EUCLIDEAN, EUC_2D, CEIL_2D, ATT) the exact
// 1-trees, one per period, cost about as much as two or three iterations
// each. Other metrics have no planar geometry, so their neighbour lists and
// exact 1-trees cost O(n²) time. The context is checked every few hundred
// microseconds of work; once it is done, Alpha returns its error and no
// heatmap. Results do not depend on the machine or the clock.
func Alpha(ctx context.Context, p *instances.TSP, opt AlphaOptions) (*Heatmap, AlphaResult, error) {
	var res AlphaResult
	if p == nil || p.N() < 3 {
		return nil, res, fmt.Errorf("%w: α-nearness needs an instance of at least 3 nodes", ErrInvalid)
	}
	n := p.N()
	k, c := opt.Neighbors, opt.Candidates
	if k == 0 {
		k = 10
	}
	if c == 0 {
		c = 5
	}
	switch {
	case k < 2:
		return nil, res, fmt.Errorf("%w: Neighbors %d, need at least 2", ErrInvalid, opt.Neighbors)
	case c < 1 || c > k:
		return nil, res, fmt.Errorf("%w: Candidates %d, need 1…Neighbors (%d)", ErrInvalid, opt.Candidates, k)
	case opt.MaxIterations < 0:
		return nil, res, fmt.Errorf("%w: MaxIterations %d is negative", ErrInvalid, opt.MaxIterations)
	case opt.InitialPeriod < 0:
		return nil, res, fmt.Errorf("%w: InitialPeriod %d is negative", ErrInvalid, opt.InitialPeriod)
	case int64(n)*int64(k+2)*2 > math.MaxInt32:
		return nil, res, fmt.Errorf("%w: %d nodes × %d neighbours exceed the sparse storage", ErrInvalid, n, k)
	}
	period := opt.InitialPeriod
	if period == 0 {
		period = 100
	}
	if err := ctx.Err(); err != nil {
		return nil, res, err
	}
	pl := newPoller(ctx)

	q, perm := p, []int32(nil)
	if p.Planar() {
		var err error
		if q, perm, err = hilbertRenumber(p, pl); err != nil {
			return nil, res, err
		}
	}
	nb, err := kNearest(q, k, pl)
	if err != nil {
		return nil, res, err
	}
	g, err := knnGraph(q, nb, pl)
	if err != nil {
		return nil, res, err
	}
	reach := make([]float64, n)
	for i := range reach {
		if err := pl.tick(4); err != nil {
			return nil, res, err
		}
		reach[i] = math.Inf(1)
		if ns := nb.Of(i); len(ns) < n-1 {
			reach[i] = q.Dist(i, int(ns[len(ns)-1]))
		}
	}
	// The minimum spanning tree makes the graph connected, and the ascent's
	// first 1-tree exact.
	zero := make([]float64, n)
	mst, err := exactOneTree(q, g, reach, zero, pl)
	if err != nil {
		return nil, res, err
	}
	if g, err = withEdges(q, g, mst.edges(), pl); err != nil {
		return nil, res, err
	}

	tree := newOneTree(g)
	et := mst // the best certified 1-tree
	certify := func(pi []float64) (float64, bool, error) {
		t, err := exactOneTree(q, tree.g, reach, pi, pl)
		if err != nil {
			return 0, false, err
		}
		if tree.g, err = withEdges(q, tree.g, t.edges(), pl); err != nil {
			return 0, false, err
		}
		if t.w <= et.w {
			return t.w, false, nil
		}
		et = t
		return t.w, true, nil
	}
	asc, err := ascent(tree, ascentSchedule{initialPeriod: period, maxIterations: opt.MaxIterations, certify: certify}, pl)
	if err != nil {
		return nil, res, err
	}
	g = tree.g
	alpha, err := alphaValues(q, g, asc.pi, et, pl)
	if err != nil {
		return nil, res, err
	}

	res.Iterations = asc.iterations
	res.Bound = et.w - 1e-12*et.magnitude
	if res.whole = wholeLengths(p); res.whole {
		res.Bound = math.Ceil(res.Bound)
	}
	res.Pi = make([]float64, n)
	for i, x := range asc.pi {
		res.Pi[orig(perm, i)] = x
	}
	scale := math.Abs(et.w) / float64(n)
	if scale == 0 {
		scale = 1
	}
	h, err := alphaHeatmap(g, alpha, perm, c, scale, pl)
	if err != nil {
		return nil, res, err
	}
	return h, res, nil
}

// wholeLengths reports whether every tour length is a whole number, so that a
// bound may be rounded up: the metric rounds, or a matrix holds only integers.
func wholeLengths(p *instances.TSP) bool {
	if p.Metric != instances.Explicit {
		return p.Metric.Integral()
	}
	for i := 0; i < p.N(); i++ {
		for j := 0; j < i; j++ {
			if d := p.Dist(i, j); d != math.Trunc(d) {
				return false
			}
		}
	}
	return true
}

// orig maps an internal node to the caller's numbering.
func orig(perm []int32, i int) int32 {
	if perm == nil {
		return int32(i)
	}
	return perm[i]
}

// edges lists the spanning tree's edges and every leaf's extra edge: with
// them in the sparse graph, the sparse 1-tree at the same π is this one.
func (t *exactTree) edges() []edge {
	out := make([]edge, 0, len(t.parent)+len(t.leafEdges))
	for v, u := range t.parent {
		if u >= 0 {
			out = append(out, edge{int32(v), u})
		}
	}
	return append(out, t.leafEdges...)
}

// alphaHeatmap keeps each row's c slots of lowest α and writes them in the
// caller's numbering, columns ascending.
func alphaHeatmap(g *graph, alpha []float64, perm []int32, c int, scale float64, pl *poller) (*Heatmap, error) {
	n := g.n
	inv := make([]int32, n)
	for i := range inv {
		inv[orig(perm, i)] = int32(i)
	}
	h := &Heatmap{N: n, Start: make([]int32, n+1), Col: make([]int32, 0, n*c), Val: make([]float64, 0, n*c), RowSum: make([]float64, n)}
	pick := make([]int32, 0, c) // slots, best first
	worse := func(a, b int32) bool {
		if alpha[a] != alpha[b] {
			return alpha[a] > alpha[b]
		}
		if g.d[a] != g.d[b] {
			return g.d[a] > g.d[b]
		}
		return orig(perm, int(g.adj[a])) > orig(perm, int(g.adj[b]))
	}
	row := make([]entry, 0, c)
	for o := 0; o < n; o++ {
		i := inv[o]
		pick = pick[:0]
		lo, hi := g.row(i)
		if err := pl.tick(int(hi-lo) + c); err != nil {
			return nil, err
		}
		for s := lo; s < hi; s++ {
			if len(pick) == c && !worse(pick[c-1], s) {
				continue
			}
			if len(pick) < c {
				pick = append(pick, s)
			} else {
				pick[c-1] = s
			}
			for r := len(pick) - 1; r > 0 && worse(pick[r-1], pick[r]); r-- {
				pick[r-1], pick[r] = pick[r], pick[r-1]
			}
		}
		row = row[:0]
		var sum float64
		prev := math.Inf(1)
		for _, s := range pick {
			// Equal α would give equal values; nudging each below the previous
			// keeps the tie order for whoever ranks by value.
			v := math.Min(math.Exp(-alpha[s]/scale), prev*(1-1.0/(1<<30)))
			prev = v
			sum += v
			row = append(row, entry{orig(perm, int(g.adj[s])), v})
		}
		for a := 1; a < len(row); a++ {
			for b := a; b > 0 && row[b].j < row[b-1].j; b-- {
				row[b], row[b-1] = row[b-1], row[b]
			}
		}
		var rowSum float64
		for _, e := range row {
			h.Col = append(h.Col, e.j)
			h.Val = append(h.Val, e.v/sum)
			rowSum += e.v / sum
		}
		h.RowSum[o] = rowSum
		h.Start[o+1] = int32(len(h.Col))
	}
	return h, nil
}
