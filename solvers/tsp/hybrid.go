package tsp

// runHybrid is the default method: greedy start and descent, then rounds of
// optional Z-sampled actions and a double-bridge kick, each repaired by descent
// and kept only when it does not lengthen the tour.
func (s *searcher) runHybrid(sh *shared, _ []int32) {
	order := greedyTour(s, s.nb)
	if order == nil {
		// Stopped while constructing: Solve gives the best tour published so
		// far, or the identity, without this worker spending O(n) more here
		// while the caller checks and writes the result.
		return
	}
	s.initTour(order)
	s.pushAll()
	s.descend(true, true)
	s.report(sh, "start")
	maxSeg := s.set.KickLength
	if maxSeg <= 0 {
		maxSeg = 100
	}
	for s.budget.Poll() {
		before := s.length
		for i := 0; i < s.set.Samples; i++ {
			g, a1, _, ok := s.simulateOne()
			if !ok {
				break
			}
			if g > eps {
				s.backprop(a1, g, s.length)
				s.execute(a1, s.best)
				s.length -= g
				s.st.Executed++
				s.push(a1)
				for _, a := range s.best {
					s.push(a)
				}
				s.descend(true, true)
			}
		}
		if s.length < before-eps {
			s.report(sh, "sample")
		}
		if !s.budget.Spend() {
			break
		}
		s.st.Kicks++
		before = s.length
		s.t.mark()
		var ends []int32
		if s.set.Kick == "walk" {
			ends = s.walkKick()
		} else {
			ends = s.segmentSwap(maxSeg)
		}
		for _, v := range ends {
			s.push(v)
		}
		s.descend(true, true)
		if s.length < before-eps {
			s.t.commit()
			s.st.Accepted++
			s.report(sh, "kick")
		} else if s.length > before+eps || len(s.t.journal) > 2*int(s.n) {
			s.t.rollback()
			s.length = before
		} else {
			s.t.commit()
		}
		if s.set.Threads > 1 && s.st.Kicks%adoptEvery == 0 {
			s.adoptBest(sh)
		}
		s.publish()
	}
	s.flush(sh)
}

// adoptEvery is how many kicks a thread runs between looks at the shared best:
// a thread that has fallen behind continues from the best tour, so the threads
// share what they find without locking in the inner loop.
const adoptEvery = 2000

func (s *searcher) adoptBest(sh *shared) {
	sh.mu.Lock()
	behind := sh.bestLen < s.length-eps
	if behind {
		copy(s.t.order, sh.best)
	}
	sh.mu.Unlock()
	if behind {
		s.t.setOrder(s.t.order)
		s.length = s.tourLength()
	}
}

// simulateOne draws one action from a random a1; the budget counts it.
func (s *searcher) simulateOne() (float64, int32, int, bool) {
	if !s.budget.Spend() {
		return 0, -1, 0, false
	}
	a1 := int32(s.rng.IntN(int(s.n)))
	g, k := s.sample(a1, s.set.MaxDepth)
	s.stats.M++
	s.st.Samples++
	if k > 0 {
		s.best = append(s.best[:0], s.cur[:k]...)
	}
	return g, a1, k, true
}
