package tsp

// runMCTS is the loop of Fu et al.: construction, local search, then MCTS
// steps of up to H·n sampled actions until one finds nothing, then a restart.
func (s *searcher) runMCTS(sh *shared, order []int32) {
	hn := max(int(s.set.H*float64(s.n)), 1)
	first := true
	for s.budget.Poll() {
		if s.set.Reference || s.n <= 5000 {
			order = weightedTour(s, order)
		} else if first {
			if order = greedyTour(s, s.nb); order == nil {
				return // stopped while constructing, as in runHybrid
			}
		} else {
			// At large n an O(n²) construction would eat the budget: restart
			// from the best tour with a burst of kicks instead.
			sh.mu.Lock()
			copy(order, sh.best)
			sh.mu.Unlock()
			s.initTour(order)
			for i := 0; i < int(s.n)/100+1; i++ {
				s.segmentSwap(50)
			}
			s.t.copyOrder(order[:0])
		}
		first = false
		s.initTour(order)
		s.st.Restarts++
		switch s.set.LocalSearch {
		case "2opt":
			s.refTwoOpt()
		case "2opt-oropt":
			s.pushAll()
			s.descend(true, false)
		default:
			s.pushAll()
			s.descend(true, true)
		}
		s.report(sh, "construct")
		for {
			before := s.length
			g, a1, _, ok := s.simulate(hn, s.set.MaxDepth)
			if !ok || !(g > eps) {
				break
			}
			s.backprop(a1, g, before)
			s.execute(a1, s.best)
			s.length -= g
			s.st.Executed++
			s.report(sh, "mcts")
			s.publish()
		}
		s.flush(sh) // the next round starts from another tour
		s.publish()
	}
}

// refTwoOpt is the reference's 2-opt: passes over nodes in index order, the
// first improving candidate move per node, every evaluation counted in Q and
// M, every applied move rewarded on its two new edges.
func (s *searcher) refTwoOpt() {
	st := s.stats
	for improved := true; improved; {
		improved = false
		for i := int32(0); i < s.n; i++ {
			if !s.budget.Poll() {
				return
			}
			ip := s.t.next(i)
			for a := st.Start[i]; a < st.Start[i+1]; a++ {
				j := st.Adj[a]
				jp := s.t.next(j)
				if j == ip || jp == i {
					continue
				}
				st.Q[a]++
				st.Visit(ip, jp)
				st.Visit(j, i)
				st.Visit(jp, ip)
				st.M++
				delta := s.d(i, ip) + s.d(j, jp) - s.d(i, j) - s.d(ip, jp)
				if delta > eps {
					inc := st.Increase(s.set.Beta, delta, s.length)
					st.Reward(i, j, inc)
					st.Reward(j, i, inc)
					st.Reward(ip, jp, inc)
					st.Reward(jp, ip, inc)
					s.t.move2(i, ip, j, jp)
					s.length -= delta
					s.st.Moves++
					improved = true
					break
				}
			}
		}
	}
}
