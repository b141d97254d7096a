package tsp

import "testing"

// Every k-opt move the search makes must leave one tour whose length is the
// tracked length less the move's gain, and a search that finds none must leave
// the tour as it was: checked after each search, from random tours (where
// nearly every node has a move) until no node has one.
func TestKOptMovesKeepValidTourAndLength(t *testing.T) {
	for _, tc := range []struct {
		n, k, chain int
	}{{10, 3, -1}, {13, 5, -1}, {50, 4, -1}, {50, 5, -1}, {300, 5, -1}, {1000, 5, -1}, {50, 4, 3}, {300, 5, 5}, {1000, 4, 0}} {
		p := uniform(t, tc.n, uint64(tc.n))
		s := testSearcher(t, p, Settings{KOpt: tc.k, KOptChain: tc.chain}, nil)
		moves := 0
		var before []int32
		for pass, found := 0, true; found && pass < 100; pass++ {
			found = false
			for v := int32(0); v < s.n; v++ {
				before = s.t.copyOrder(before)
				if s.kopt(v) {
					moves++
					found = true
					checkTour(t, s)
					continue
				}
				// A chain that did not pay is undone to the last node.
				for i, u := range s.t.order {
					if before[i] != u {
						t.Fatalf("n=%d k=%d chain %d: a failed search from %d left %d at %d, want %d", tc.n, tc.k, tc.chain, v, u, i, before[i])
					}
				}
			}
		}
		if moves == 0 {
			t.Errorf("n=%d k=%d chain %d: no k-opt move on a random tour", tc.n, tc.k, tc.chain)
		}
		s.pushAll()
		s.descend(true, true)
		checkTour(t, s)
	}
}

// From a local optimum of 2-opt, Or-opt and LK, the 5-opt move still finds
// improvements on most instances (moves LK's sequential steps cannot reach),
// and a rejected trial undone from the journal restores the tour exactly.
func TestKOptImprovesLKOptima(t *testing.T) {
	improved := 0
	for seed := uint64(1); seed <= 10; seed++ {
		p := uniform(t, 200, seed)
		s := testSearcher(t, p, Settings{KOpt: 1}, nil)
		s.pushAll()
		s.descend(true, true)
		before := s.t.copyOrder(nil)
		lkLength := s.length
		s.koptK = 5
		s.t.mark()
		for v := int32(0); v < s.n; v++ {
			s.push(v)
		}
		s.descend(true, true)
		checkTour(t, s)
		if s.length < lkLength-eps {
			improved++
		}
		s.t.rollback()
		for i, v := range s.t.order {
			if before[i] != v {
				t.Fatalf("seed %d: rollback left %d at %d, want %d", seed, v, i, before[i])
			}
		}
	}
	if improved < 5 {
		t.Errorf("5-opt improved %d of 10 LK local optima, want at least 5", improved)
	}
}
