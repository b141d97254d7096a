package tsp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers"
)

// randomPaths fixes k edges of a random order of the nodes, skipping
// neighbours in that order at random, so the fixed edges form several
// vertex-disjoint paths as TSPLIB requires.
func randomPaths(n, k int, rng *rand.Rand) [][2]int {
	order := rng.Perm(n)
	var fixed [][2]int
	for i := 0; i+1 < n && len(fixed) < k; i++ {
		if rng.IntN(3) > 0 {
			fixed = append(fixed, [2]int{order[i], order[i+1]})
		}
	}
	return fixed
}

// bestWithFixed is the shortest tour holding every fixed edge, by trying all
// orders that start at node 0.
func bestWithFixed(p *instances.TSP) float64 {
	n := p.N()
	rest := make([]int, n-1)
	for i := range rest {
		rest[i] = i + 1
	}
	best := math.Inf(1)
	var permute func(k int)
	permute = func(k int) {
		if k == len(rest) {
			if l, err := instances.CheckTour(p, append([]int{0}, rest...)); err == nil {
				best = min(best, l)
			}
			return
		}
		for i := k; i < len(rest); i++ {
			rest[k], rest[i] = rest[i], rest[k]
			permute(k + 1)
			rest[k], rest[i] = rest[i], rest[k]
		}
	}
	permute(0)
	return best
}

// TestFixedEdgesMatchBruteForce: on small instances with one to four fixed
// edges, Solve's tour holds them all and is as short as the best such tour.
func TestFixedEdgesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for seed := uint64(1); seed <= 12; seed++ {
		p := uniform(t, 8, seed)
		p.Fixed = randomPaths(8, 1+int(seed%4), rng)
		res := solveOK(t, p, Settings{Limits: solvers.Limits{MaxIterations: 1}})
		if want := bestWithFixed(p); math.Abs(res.Objective-want) > 1e-9 {
			t.Errorf("seed %d, fixed %v: length %v, best with the fixed edges %v", seed, p.Fixed, res.Objective, want)
		}
	}
}

// TestLinhp318HoldsItsFixedEdge: TSPLIB's one instance with a fixed edge. Its
// published optimum, 41345, is the Hamiltonian path without the fixed edge
// 1–214 (3869 long), so no tour is shorter than 45214; every tour streamed to
// OnImprove holds the edge and carries its true length.
func TestLinhp318HoldsItsFixedEdge(t *testing.T) {
	p, err := instances.LoadTSPLIB(datadirtest.Path(t, "tsplib", "linhp318.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	streamed := 0
	set := Settings{Limits: solvers.Limits{MaxIterations: 3000, Seed: 1, Threads: 1}, OnImprove: func(s Solution) {
		if l, err := instances.CheckTour(p, s.Tour); err != nil || math.Abs(l-s.Length) > 1e-6 {
			t.Errorf("streamed tour: %v, length %v, true %v", err, s.Length, l)
		}
		streamed++
	}}
	res := solveOK(t, p, set)
	if optimum := 41345 + p.Dist(0, 213); res.Objective < optimum || res.Objective > 1.02*optimum || !(res.Bound <= optimum) {
		t.Errorf("length %v, bound %v; optimum with the fixed edge %v", res.Objective, res.Bound, optimum)
	}
	if streamed == 0 {
		t.Error("no tour streamed")
	}
}

// TestFixedEdgesWhenStoppedAtOnce: a run cancelled before its search starts
// still returns a tour with every fixed edge (spliced into the identity).
// (TestBadInput has the instance too large for the matrix.)
func TestFixedEdgesWhenStoppedAtOnce(t *testing.T) {
	p := uniform(t, 300, 5)
	p.Fixed = randomPaths(300, 40, rand.New(rand.NewPCG(1, 2)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Solve(ctx, p, Settings{})
	if err == nil {
		_, err = instances.CheckTour(p, res.Solution.Tour)
	}
	if err != nil {
		t.Errorf("cancelled: %v", err)
	}
	// A cycle of fixed edges through every node is the only tour.
	c := uniform(t, 12, 6)
	for i := range 12 {
		c.Fixed = append(c.Fixed, [2]int{i, (i + 5) % 12})
	}
	if res := solveOK(t, c, Settings{Limits: solvers.Limits{MaxIterations: 100}}); res.Objective <= 0 {
		t.Errorf("a cycle of fixed edges: %v", res.Objective)
	}
}
