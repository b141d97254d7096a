package tsp

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
