package tsp

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// TestEndGridFindsTheNearest: the grid's nearest live end is the one a scan
// of every end finds, while ends die in random order, on uniform and on
// clustered points (many empty cells) and with duplicate positions.
func TestEndGridFindsTheNearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name string
		n    int
		pos  func() (float64, float64)
	}{
		{"uniform", 3000, func() (float64, float64) { return rng.Float64(), rng.Float64() }},
		{"clustered", 3000, func() (float64, float64) {
			k := float64(rng.IntN(3))
			return k*10 + rng.NormFloat64()*0.01, k*k + rng.NormFloat64()*0.01
		}},
		{"duplicates", 500, func() (float64, float64) { return float64(rng.IntN(4)), float64(rng.IntN(4)) }},
	} {
		xs, ys := make([]float64, c.n), make([]float64, c.n)
		ends := make([]int32, c.n)
		alive := make([]bool, c.n)
		for i := range xs {
			xs[i], ys[i] = c.pos()
			ends[i], alive[i] = int32(i), true
		}
		g := newEndGrid(xs, ys, ends)
		for _, v := range rng.Perm(c.n) {
			alive[v] = false
			got := g.nearest(int32(v), alive)
			want, wd := int32(-1), 0.0
			for _, e := range ends {
				dx, dy := xs[e]-xs[v], ys[e]-ys[v]
				if d := dx*dx + dy*dy; alive[e] && (want < 0 || d < wd || d == wd && e < want) {
					want, wd = e, d
				}
			}
			if got != want {
				t.Fatalf("%s: nearest live end to %d is %d, grid says %d", c.name, v, want, got)
			}
		}
	}
}

// TestSortEdgesMatchesAComparisonSort: the radix sort orders by length with
// ties in the given (i, j) order, negative and equal lengths included.
func TestSortEdgesMatchesAComparisonSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 1000, 70000} {
		edges := make([]edge, n)
		for k := range edges {
			d := float64(rng.IntN(50)) // many ties
			switch rng.IntN(4) {
			case 0:
				d = rng.Float64() * 1e12
			case 1:
				d = -rng.Float64()
			}
			edges[k] = edge{d, int32(k / 7), int32(k % 7)}
		}
		want := slices.Clone(edges)
		slices.SortStableFunc(want, func(a, b edge) int { return cmp.Compare(a.d, b.d) })
		got, ok := sortEdges(slices.Clone(edges), make([]edge, len(edges)), func() bool { return false })
		if !ok || !slices.Equal(got, want) {
			t.Fatalf("n = %d: radix order differs from the comparison sort", n)
		}
	}
	if _, ok := sortEdges(make([]edge, 10), make([]edge, 10), func() bool { return true }); ok {
		t.Error("a stopped budget did not stop the sort")
	}
}

// TestGreedyTourIsATourAnyway: with time, the greedy tour is a permutation
// far shorter than the identity order (a random one on a generated instance),
// on the unrounded metric and on EUC_2D (whose fragment ends are chained by the
// grid too: the scan of all ends took 13 s at n = 10^6) alike; with the budget
// already out it is nil, returned without the construction.
func TestGreedyTourIsATourAnyway(t *testing.T) {
	plain := uniform(t, 3000, 5)
	x, y := make([]float64, plain.N()), make([]float64, plain.N())
	for i := range x {
		x[i], y[i] = math.Round(plain.X[i]*1e6), math.Round(plain.Y[i]*1e6)
	}
	rounded, err := instances.NewCoordTSP("u3000-euc2d", instances.Euc2D, x, y)
	if err != nil {
		t.Fatal(err)
	}
	lengths := map[string]float64{}
	for _, c := range []struct {
		name  string
		p     *instances.TSP
		scale float64
	}{{"euclidean", plain, 1}, {"euc2d", rounded, 1e6}} {
		s := testSearcher(t, c.p, Settings{}, nil)
		for _, stopped := range []bool{false, true} {
			ctx, cancel := context.WithCancel(context.Background())
			if stopped {
				cancel()
			}
			s.budget = solvers.NewBudget(ctx, 0)
			order := greedyTour(s, s.nb)
			cancel()
			if stopped {
				if order != nil {
					t.Errorf("%s: stopped, yet an order of %d nodes", c.name, len(order))
				}
				continue
			}
			tour := make([]int, len(order))
			for i, v := range order {
				tour[i] = int(v)
			}
			length, err := instances.CheckTour(c.p, tour)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			identity := make([]int, len(order))
			for i := range identity {
				identity[i] = i
			}
			if length >= instances.TourLength(c.p, identity)/2 {
				t.Errorf("%s: greedy tour %v is not much shorter than the identity order's %v", c.name, length, instances.TourLength(c.p, identity))
			}
			lengths[c.name] = length / c.scale
		}
	}
	// The same points: the rounded metric's greedy tour is as short, within
	// what rounding and tie-breaking move.
	if r := lengths["euc2d"] / lengths["euclidean"]; math.Abs(r-1) > 0.01 {
		t.Errorf("EUC_2D greedy tour %.4f against %.4f on the same points", lengths["euc2d"], lengths["euclidean"])
	}
}
