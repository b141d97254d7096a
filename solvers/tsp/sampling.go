package tsp

import (
	"math"

	"github.com/cosolve/cosolve/mcts"
)

// sample draws one sequential k-opt action from a1 as Fu et al.'s
// Get_Simulated_Action_Delta does, on the segment list. It returns the best
// closed gain along the way and how many steps achieve it; s.cur holds the
// a_{i+1}. Q counts every chosen arc in both directions.
func (s *searcher) sample(a1 int32, maxDepth int) (float64, int) {
	b1 := s.t.next(a1)
	s.kp.reset(a1, b1)
	g := s.d(a1, b1)
	s.cur = s.cur[:0]
	bestR, bestK := math.Inf(-1), 0
	b := b1
	st := s.stats
	for len(s.cur) < maxDepth {
		excl := s.kp.next(b)
		omega := st.Omega(b)
		explore := st.Explore()
		s.zs, s.ids = s.zs[:0], s.ids[:0]
		for arc := st.Start[b]; arc < st.Start[b+1]; arc++ {
			j := st.Adj[arc]
			if j == a1 || j == excl {
				continue
			}
			z := st.ZWith(arc, omega, explore)
			if s.zFilter && z < 1 {
				continue
			}
			s.zs = append(s.zs, z)
			s.ids = append(s.ids, j)
		}
		var k int
		if s.discretised {
			k = mcts.SampleDiscrete1000(s.rng, s.zs, s.thr)
		} else {
			k = mcts.SampleProportional(s.rng, s.zs)
		}
		if k < 0 {
			break
		}
		a := s.ids[k]
		st.Visit(b, a)
		st.Visit(a, b)
		bp := s.kp.prev(a)
		g += s.d(a, bp) - s.d(b, a)
		r := g - s.d(bp, a1)
		s.cur = append(s.cur, a)
		if r > bestR {
			bestR, bestK = r, len(s.cur)
		}
		s.kp.step(a)
		b = bp
		if r > 0 && !s.fullDepth {
			break
		}
	}
	return bestR, bestK
}

// simulate samples up to h actions and keeps the best; it stops at the first
// improving one. Every sample is one iteration of the budget.
func (s *searcher) simulate(h int, maxDepth int) (float64, int32, int, bool) {
	bestG, bestA, bestK := math.Inf(-1), int32(-1), 0
	for i := 0; i < h; i++ {
		if !s.budget.Spend() {
			return bestG, bestA, bestK, false
		}
		a1 := int32(s.rng.IntN(int(s.n)))
		g, k := s.sample(a1, maxDepth)
		s.stats.M++
		s.st.Samples++
		if k > 0 && g > bestG {
			bestG, bestA, bestK = g, a1, k
			s.best = append(s.best[:0], s.cur[:k]...)
		}
		if bestG > eps {
			break
		}
	}
	return bestG, bestA, bestK, true
}

// backprop rewards the new edges of an improving action: (b_{i+1}, a_{i+2})
// and the closing (b_k, a1), in both directions, by β(E^{gain/L} − 1).
func (s *searcher) backprop(a1 int32, gain, before float64) {
	inc := s.stats.Increase(s.set.Beta, gain, before)
	// Re-walk the action on the unchanged tour to name its b's.
	s.kp.reset(a1, s.t.next(a1))
	for i, a := range s.best {
		bp := s.kp.step(a)
		var nxt int32
		if i+1 < len(s.best) {
			nxt = s.best[i+1]
		} else {
			nxt = a1
		}
		s.stats.Reward(bp, nxt, inc)
		s.stats.Reward(nxt, bp, inc)
	}
}

// execute applies the stored best action to the tour.
func (s *searcher) execute(a1 int32, seq []int32) {
	b := s.t.next(a1)
	for _, a := range seq {
		b = s.t.lkStep(a1, b, a)
	}
}

// ----- local search: 2-opt, Or-opt and LK-style moves with don't-look bits -----
