package tsp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cosolve/cosolve/solvers"
)

// Every k-opt move the search makes must leave one tour whose length is the
// tracked length less the move's gain, and a search that finds none must leave
// the tour as it was: checked after each search, from random tours (where
// nearly every node has a move) until no node has one.
//
// With penalties (as the α ascent gives them), moves are searched on
// penalised costs but must still be tracked by their true gains. The same
// holds on the two-level list, which large instances use.
func TestKOptMovesKeepValidTourAndLength(t *testing.T) {
	for _, tc := range []struct {
		n, k, chain         int
		penalties, twoLevel bool
	}{{10, 3, -1, false, false}, {13, 5, -1, false, false}, {50, 4, -1, false, false}, {50, 5, -1, false, false},
		{300, 5, -1, false, false}, {1000, 5, -1, false, false}, {50, 4, 3, false, false}, {300, 5, 5, false, false},
		{1000, 4, 0, false, false}, {300, 4, 0, true, false}, {1000, 5, 0, true, false},
		{50, 4, 0, false, true}, {300, 5, 5, false, true}, {1000, 4, 0, false, true}, {1000, 5, 0, true, true}} {
		p := uniform(t, tc.n, uint64(tc.n))
		s := testSearcher(t, p, Settings{KOpt: tc.k, KOptChain: tc.chain}, nil)
		if tc.penalties {
			withPenalties(s, uint64(tc.n))
		}
		if tc.twoLevel {
			s.t = newTour(s.t.copyOrder(nil), true)
		}
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
				// A chain that did not pay is undone to the last node (the
				// two-level list may turn the whole tour).
				if tc.twoLevel {
					if after := s.t.copyOrder(nil); !sameCycleOrder(before, after) {
						t.Fatalf("n=%d k=%d chain %d penalties %v: a failed search from %d left another cycle", tc.n, tc.k, tc.chain, tc.penalties, v)
					}
					continue
				}
				for i, u := range s.t.order {
					if before[i] != u {
						t.Fatalf("n=%d k=%d chain %d penalties %v: a failed search from %d left %d at %d, want %d", tc.n, tc.k, tc.chain, tc.penalties, v, u, i, before[i])
					}
				}
			}
		}
		if moves == 0 {
			t.Errorf("n=%d k=%d chain %d penalties %v: no k-opt move on a random tour", tc.n, tc.k, tc.chain, tc.penalties)
		}
		s.pushAll()
		s.descend(true, true)
		checkTour(t, s)
	}
}

// sameCycleOrder reports whether two orders are the same cycle, in either
// direction.
func sameCycleOrder(a, b []int32) bool {
	n := len(a)
	pos := make([]int, n)
	for i, v := range a {
		pos[v] = i
	}
	for i, v := range b {
		d := pos[b[(i+1)%n]] - pos[v]
		if d != 1 && d != -1 && d != n-1 && d != 1-n {
			return false
		}
	}
	return true
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

// withPenalties gives s random penalties of up to a quarter of the mean
// candidate edge, as searchPenalties rounds them.
func withPenalties(s *searcher, seed uint64) {
	mean, longest := 0.0, 0.0
	for _, d := range s.nbDist {
		mean += d / float64(len(s.nbDist))
		longest = max(longest, d)
	}
	rng := rand.New(rand.NewPCG(seed, 17))
	pi := make([]float64, s.n)
	for i := range pi {
		pi[i] = (rng.Float64() - 0.5) * mean / 2
	}
	s.pi = searchPenalties(pi, longest)
	penalise(s.nb, s.nbDist, s.pi)
}

// Rounded penalties are multiples of one power of two, within half of it of
// the ascent's, and make sums of whole-number distances exact.
func TestSearchPenaltiesRound(t *testing.T) {
	// Unrounded, the three first give sums 9.1e-13 apart below.
	pi := []float64{17.6455659667825, -3.861378227940058, 0.8547397676026378, 1e-9, 0}
	got := searchPenalties(pi, 5000)
	q := math.Ldexp(1, 13-36) // 5000 < 2^13
	for i, x := range got {
		if x != math.Round(x/q)*q || math.Abs(x-pi[i]) > q/2 {
			t.Errorf("penalty %v rounded to %v, want a multiple of %v within half of it", pi[i], x, q)
		}
	}
	// A 3-opt exchange of whole-number edges that gains nothing.
	a, b, c := got[0], got[1], got[2]
	removed := (17 + a + b) + (4000 + b + c) + (123 + c + a)
	added := (4000 + a + c) + (17 + b + c) + (123 + a + b)
	if removed != added {
		t.Errorf("penalised sums differ by %g", removed-added)
	}
	if searchPenalties([]float64{0, 0}, 10) != nil {
		t.Error("zero penalties should give none")
	}
}

func TestDefaultKOptFollowsBudget(t *testing.T) {
	for _, tc := range []struct {
		method Method
		n      int
		limit  time.Duration
		want   int
	}{
		{Hybrid, 1000, 0, 4},
		{Hybrid, 150000, 0, 4},
		{Hybrid, 150001, 0, 1},
		{Hybrid, 1000000, 99 * time.Second, 1},
		{Hybrid, 1000000, 100 * time.Second, 4},
		{MCTS, 1000, time.Hour, 1},
	} {
		if got := DefaultKOpt(tc.method, tc.n, tc.limit); got != tc.want {
			t.Errorf("DefaultKOpt(%v, %d, %v) = %d, want %d", tc.method, tc.n, tc.limit, got, tc.want)
		}
		set := Settings{Method: tc.method, Limits: solvers.Limits{TimeLimit: tc.limit}}.withDefaults(tc.n)
		if set.KOpt != tc.want {
			t.Errorf("n = %d, limit %v: Settings default to KOpt %d, want %d", tc.n, tc.limit, set.KOpt, tc.want)
		}
	}
}

// At 10^6 nodes the first chained k-opt descent takes about a minute. At a
// deadline within it the worker offers its partly descended tour, copied out
// of the two-level list under the lock that Solve's watchdog waits on; when
// the copy ran before the lock, the watchdog's 5 ms ran out first and the
// result was the identity tour. Run without -short and -race only.
func TestKOptDescentMeetsDeadlineAtMillion(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10^6 nodes")
	}
	p := uniform(t, 1_000_000, 26)
	limit := 20 * time.Second
	start := time.Now()
	res, err := Solve(context.Background(), p, Settings{KOpt: 4, Limits: solvers.Limits{TimeLimit: limit, Threads: 1}})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Solution.Phase != "start" {
		t.Errorf("tour from phase %q (length %.3f), want the descent's", res.Solution.Phase, res.Objective)
	}
	if took > limit+time.Second {
		t.Errorf("Solve returned after %v, limit %v", took, limit)
	}
	t.Logf("length %.3f after %v", res.Objective, took)
}
