package tsp

import (
	"math/rand/v2"
	"testing"
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
