package tsp

func (s *searcher) push(v int32) {
	if !s.inQueue[v] {
		s.inQueue[v] = true
		s.queue = append(s.queue, v)
	}
}

func (s *searcher) pushAll() {
	for _, v := range s.tourOrder() {
		s.push(v)
	}
}

// clockEveryMoveN is the size from which descend reads the clock at every
// node and move instead of every pollEvery nodes: a 2-opt move reverses up to
// n/2 positions of the array tour, so at n = 10^6 the moves of one node can
// take tens of milliseconds, and a deadline passed by 50–100 ms.
const clockEveryMoveN = 1 << 17

// onTime is the budget's Poll, or its Check on instances from clockEveryMoveN.
func (s *searcher) onTime() bool {
	if s.n >= clockEveryMoveN {
		return s.budget.Check()
	}
	return s.budget.Poll()
}

// descend runs the queue dry (or until the budget ends) and reports whether the
// tour improved.
func (s *searcher) descend(useOr, useLK bool) bool {
	improved := false
	for head := 0; head < len(s.queue); head++ {
		if !s.onTime() {
			break
		}
		v := s.queue[head]
		s.inQueue[v] = false
		for s.twoOpt(v) || (useOr && s.orOpt(v)) || (useLK && s.deepMove(v)) {
			improved = true
			s.st.Moves++
			if s.n >= clockEveryMoveN && !s.budget.Check() {
				break
			}
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

// deepMove is the descent's strongest move from v: the chained k-opt move,
// or the LK step when k-opt is off.
func (s *searcher) deepMove(v int32) bool {
	if s.koptK >= 3 {
		return s.kopt(v)
	}
	return s.lk(v)
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
		d1 := s.c(v, succ)
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
			if gain := g1 + s.c(c, cs) - s.c(succ, cs); gain > eps {
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
			remove := s.c(p, v) + s.c(e, nx) - s.c(p, nx)
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
					if remove-s.c(from, c) <= eps {
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
						dxy := s.c(x, y)
						gf := remove + dxy - s.c(x, v) - s.c(e, y)
						gr := remove + dxy - s.c(x, e) - s.c(v, y)
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
		if g, ok := s.lkRec(a1, s.c(a1, b1), 0); ok {
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
		v := g1 + s.c(a, bp)
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
		if r := gOpen - s.c(bp, a1); r > eps {
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

// lkDepthDefault bounds the LK search depth: the segment list makes a step
// O(depth), so a failing search costs O(breadth·depth²·k); 12 keeps it cheap
// while covering the 3- to 5-opt moves that matter most.
const lkDepthDefault = 12
