package tsp

import (
	"math"
	"math/rand/v2"
	"sync/atomic"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/mcts"
)

// eps keeps floating-point noise from counting as an improvement.
const eps = 1e-9

// searcher is one thread's state: the tour, its neighbour lists, the bandit
// statistics and all scratch buffers, allocated once so the hot loops do not
// allocate.
type searcher struct {
	inst   *instances.TSP
	n      int32
	xs, ys []float64 // set only for the Euclidean metric
	mat    []float64 // full matrix for other metrics at small n (shared, read-only)
	set    *Settings
	nb     *heatmap.Neighbors // local-search neighbour lists
	nbDist []float64          // nbDist[a] = d(i, nb.Adj[a]) for the arcs of i
	stats  *mcts.Stats        // Z statistics on the MCTS candidate graph
	t      *Tour
	kp     *kpath
	rng    *rand.Rand
	budget *mcts.Budget
	length float64

	// MCTS sampling scratch.
	cur, best   []int32 // a_{i+1} of the current and the best sampled action
	zs          []float64
	ids         []int32
	thr         []int32
	fullDepth   bool // benchmarks: walk to maxDepth even past an improving closure
	zFilter     bool
	discretised bool

	// Local search.
	queue   []int32
	inQueue []bool
	seq     []int32
	lkState []kstate
	lkDepth int

	st  Stats
	pub *published
}

// published is a searcher's counters as last published, readable while it
// runs (Solve's watchdog reports them when it cannot wait for the search).
type published struct {
	iterations, samples, executed, kicks, accepted, restarts, moves atomic.Int64
}

// publish copies the counters for the watchdog; called once per kick or MCTS
// step, so the atomic stores cost nothing measurable.
func (s *searcher) publish() {
	p := s.pub
	p.iterations.Store(s.budget.Iter())
	p.samples.Store(s.st.Samples)
	p.executed.Store(s.st.Executed)
	p.kicks.Store(s.st.Kicks)
	p.accepted.Store(s.st.Accepted)
	p.restarts.Store(s.st.Restarts)
	p.moves.Store(s.st.Moves)
}

func (p *published) stats() Stats {
	return Stats{
		Iterations: p.iterations.Load(), Samples: p.samples.Load(), Executed: p.executed.Load(),
		Kicks: p.kicks.Load(), Accepted: p.accepted.Load(), Restarts: p.restarts.Load(), Moves: p.moves.Load(),
	}
}

// d is the instance distance, with the unrounded Euclidean metric of the
// standard test sets inlined (the metric switch costs half the run time).
func (s *searcher) d(i, j int32) float64 {
	if s.xs != nil {
		dx, dy := s.xs[i]-s.xs[j], s.ys[i]-s.ys[j]
		return math.Sqrt(dx*dx + dy*dy)
	}
	if s.mat != nil {
		return s.mat[int(i)*int(s.n)+int(j)]
	}
	return s.inst.Dist(int(i), int(j))
}

func (s *searcher) tourLength() float64 {
	var l float64
	o := s.t.order
	for i := range o {
		j := i + 1
		if j == len(o) {
			j = 0
		}
		l += s.d(o[i], o[j])
	}
	return l
}

// ----- MCTS action sampling (Fu et al.) -----

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

func (s *searcher) push(v int32) {
	if !s.inQueue[v] {
		s.inQueue[v] = true
		s.queue = append(s.queue, v)
	}
}

func (s *searcher) pushAll() {
	for v := int32(0); v < s.n; v++ {
		s.push(s.t.order[v])
	}
}

// descend runs the queue dry (or until the budget ends) and reports whether the
// tour improved.
func (s *searcher) descend(useOr, useLK bool) bool {
	improved := false
	for head := 0; head < len(s.queue); head++ {
		if !s.budget.Poll() {
			break
		}
		v := s.queue[head]
		s.inQueue[v] = false
		for s.twoOpt(v) || (useOr && s.orOpt(v)) || (useLK && s.lk(v)) {
			improved = true
			s.st.Moves++
		}
		if head > 1<<16 && head*2 > len(s.queue) {
			s.queue = append(s.queue[:0], s.queue[head+1:]...)
			head = -1
		}
	}
	for _, v := range s.queue {
		s.inQueue[v] = false
	}
	s.queue = s.queue[:0]
	return improved
}

func (s *searcher) step(v int32, fwd bool) int32 {
	if fwd {
		return s.t.next(v)
	}
	return s.t.prev(v)
}

func (s *searcher) twoOpt(v int32) bool {
	for _, fwd := range [2]bool{true, false} {
		succ := s.step(v, fwd)
		d1 := s.d(v, succ)
		for arc := s.nb.Start[v]; arc < s.nb.Start[v+1]; arc++ {
			c := s.nb.Adj[arc]
			g1 := d1 - s.nbDist[arc]
			if g1 <= eps {
				break
			}
			cs := s.step(c, fwd)
			if c == succ || cs == v {
				continue
			}
			if gain := g1 + s.d(c, cs) - s.d(succ, cs); gain > eps {
				s.t.move2(v, succ, c, cs)
				s.length -= gain
				s.push(v)
				s.push(succ)
				s.push(c)
				s.push(cs)
				return true
			}
		}
	}
	return false
}

// orOpt moves a segment of 1–3 nodes starting at v (either direction) between
// two adjacent nodes near one of its ends, reversed or not.
func (s *searcher) orOpt(v int32) bool {
	if s.n < 8 {
		return false
	}
	for _, fwd := range [2]bool{true, false} {
		e := v
		for l := 1; l <= 3; l++ {
			if l > 1 {
				e = s.step(e, fwd)
			}
			p := s.step(v, !fwd)
			nx := s.step(e, fwd)
			if nx == v || p == e {
				break
			}
			remove := s.d(p, v) + s.d(e, nx) - s.d(p, nx)
			if remove <= eps {
				continue
			}
			in := func(x int32) bool {
				if x == v || x == e {
					return true
				}
				return l == 3 && x == s.step(v, fwd)
			}
			for end := 0; end < 2; end++ {
				from := v
				if end == 1 {
					from = e
				}
				for _, c := range s.nb.Of(int(from)) {
					if remove-s.d(from, c) <= eps {
						break
					}
					if in(c) {
						continue
					}
					for side := 0; side < 2; side++ {
						x, y := c, s.step(c, fwd)
						if side == 1 {
							x, y = s.step(c, !fwd), c
						}
						if in(x) || in(y) || y == p {
							continue
						}
						dxy := s.d(x, y)
						gf := remove + dxy - s.d(x, v) - s.d(e, y)
						gr := remove + dxy - s.d(x, e) - s.d(v, y)
						if gf <= eps && gr <= eps {
							continue
						}
						s.t.move2(p, v, x, y)
						if x != nx {
							s.t.move2(p, x, nx, e)
						}
						gain := gr
						if gf > gr {
							s.t.move2(x, e, v, y)
							gain = gf
						}
						s.length -= gain
						for _, u := range [...]int32{p, v, e, nx, x, y} {
							s.push(u)
						}
						return true
					}
				}
			}
		}
	}
	return false
}

// lkBreadth is how many alternatives the LK search tries per level before
// giving up, as in LKH's (5, 3, 1) default.
var lkBreadth = [...]int{5, 3, 1}

type lkAlt struct {
	a, bp int32
	v     float64 // partial gain after joining b to a and cutting (a, bp)
}

// lk is a Lin–Kernighan-style sequential search from a1 on the segment list:
// positive partial gain, the best of a few alternatives per level, first
// improving closure applied.
func (s *searcher) lk(a1 int32) bool {
	if s.n < 8 {
		return false
	}
	for _, b1 := range [2]int32{s.t.next(a1), s.t.prev(a1)} {
		s.kp.reset(a1, b1)
		s.seq = s.seq[:0]
		if g, ok := s.lkRec(a1, s.d(a1, b1), 0); ok {
			b := b1
			s.push(a1)
			s.push(b1)
			for _, a := range s.seq {
				s.push(a)
				b = s.t.lkStep(a1, b, a)
				s.push(b)
			}
			s.length -= g
			return true
		}
	}
	return false
}

func (s *searcher) lkRec(a1 int32, g float64, depth int) (float64, bool) {
	b := s.kp.free()
	excl := s.kp.next(b)
	width := 1
	if depth < len(lkBreadth) {
		width = lkBreadth[depth]
	}
	var alts [5]lkAlt
	na := 0
	lo, hi := s.nb.Start[b], s.nb.Start[b+1]
	for arc := lo; arc < hi; arc++ {
		a := s.nb.Adj[arc]
		g1 := g - s.nbDist[arc]
		if g1 <= eps {
			break
		}
		if a == a1 || a == excl {
			continue
		}
		bp := s.kp.prev(a)
		v := g1 + s.d(a, bp)
		// Keep the width best by v, sorted descending.
		if na < width {
			alts[na] = lkAlt{a, bp, v}
			na++
		} else if v > alts[na-1].v {
			alts[na-1] = lkAlt{a, bp, v}
		} else {
			continue
		}
		for i := na - 1; i > 0 && alts[i].v > alts[i-1].v; i-- {
			alts[i], alts[i-1] = alts[i-1], alts[i]
		}
	}
	for i := 0; i < na; i++ {
		a, bp, gOpen := alts[i].a, alts[i].bp, alts[i].v
		if r := gOpen - s.d(bp, a1); r > eps {
			s.seq = append(s.seq, a)
			return r, true
		}
		if depth+1 >= s.lkDepth {
			continue
		}
		saved := na > 1
		if saved {
			s.kp.save(&s.lkState[depth])
		}
		s.kp.step(a)
		s.seq = append(s.seq, a)
		if r, ok := s.lkRec(a1, gOpen, depth+1); ok {
			return r, true
		}
		s.seq = s.seq[:len(s.seq)-1]
		if saved {
			s.kp.restore(&s.lkState[depth])
		} else {
			return 0, false
		}
	}
	return 0, false
}

// segmentSwap is a local double bridge: two adjacent short segments trade
// places, which sequential moves cannot undo in one step.
func (s *searcher) segmentSwap(maxLen int) []int32 {
	n := int(s.n)
	if maxLen*2+2 > n {
		maxLen = (n - 2) / 2
	}
	l1 := 1 + s.rng.IntN(maxLen)
	l2 := 1 + s.rng.IntN(maxLen)
	x := s.t.order[s.rng.IntN(n)]
	e1 := x
	for i := 0; i < l1; i++ {
		e1 = s.t.next(e1)
	}
	e2 := e1
	for i := 0; i < l2; i++ {
		e2 = s.t.next(e2)
	}
	return s.doubleBridge(x, e1, e2)
}

// walkKick is the double bridge of Applegate et al.'s random-walk kicks: the
// three cut points are found by short random walks on the neighbour graph from
// a random node, so every new edge joins nodes that are close in space.
func (s *searcher) walkKick() []int32 {
	for try := 0; try < 20; try++ {
		v := int32(s.rng.IntN(int(s.n)))
		u := [3]int32{v, s.walk(v), s.walk(v)}
		if u[0] == u[1] || u[0] == u[2] || u[1] == u[2] {
			continue
		}
		// Order the cut points along the tour from u[0].
		if !s.t.between(u[0], u[1], u[2]) {
			u[1], u[2] = u[2], u[1]
		}
		if s.t.next(u[2]) == u[0] {
			continue
		}
		return s.doubleBridge(u[0], u[1], u[2])
	}
	return s.segmentSwap(50)
}

func (s *searcher) walk(v int32) int32 {
	steps := 1 + s.rng.IntN(3)
	for i := 0; i < steps; i++ {
		nb := s.nb.Of(int(v))
		v = nb[s.rng.IntN(min(len(nb), 5))]
	}
	return v
}

// doubleBridge exchanges the segments (x, e1] and (e1, e2] that follow x in
// the array's forward direction: x s1…e1 s2…e2 y becomes x s2…e2 s1…e1 y.
func (s *searcher) doubleBridge(x, e1, e2 int32) []int32 {
	s1, s2, y := s.t.next(x), s.t.next(e1), s.t.next(e2)
	gain := s.d(x, s1) + s.d(e1, s2) + s.d(e2, y) - s.d(x, s2) - s.d(e2, s1) - s.d(e1, y)
	s.t.move2(x, s1, e2, y)
	s.t.move2(x, e2, s2, e1)
	s.t.move2(e2, e1, s1, y)
	s.length -= gain
	ends := s.seq[:0]
	ends = append(ends, x, s1, e1, s2, e2, y)
	return ends
}

// lkDepthDefault bounds the LK search depth: the segment list makes a step
// O(depth), so a failing search costs O(breadth·depth²·k); 12 keeps it cheap
// while covering the 3- to 5-opt moves that matter most.
var lkDepthDefault = 12
