package tsp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/solvers"
)

// checkTwoLevel verifies the list's invariants: every segment is a run of
// consecutive ids from first to last, in its own direction, the segments
// follow each other in order, and rank is order's inverse.
func checkTwoLevel(t *testing.T, l *twoLevel) {
	t.Helper()
	m := int32(len(l.order))
	seen := 0
	for r, s := range l.order {
		if l.rank[s] != int32(r) {
			t.Fatalf("segment %d at %d has rank %d", s, r, l.rank[s])
		}
		v := l.first[s]
		for k := int32(0); k < l.size(s); k++ {
			if l.seg[v] != s || l.id[v] != l.id[l.first[s]]+k {
				t.Fatalf("segment %d: node %d has segment %d, id %d at step %d from id %d", s, v, l.seg[v], l.id[v], k, l.id[l.first[s]])
			}
			if k == l.size(s)-1 {
				if v != l.last[s] {
					t.Fatalf("segment %d ends at %d, want %d", s, v, l.last[s])
				}
				break
			}
			if l.pred[l.suc[v]] != v {
				t.Fatalf("segment %d: links of %d and %d disagree", s, v, l.suc[v])
			}
			v = l.suc[v]
		}
		seen += int(l.size(s))
		following := l.order[(int32(r)+1)%m]
		if l.next(l.tail(s)) != l.head(following) || l.prev(l.head(following)) != l.tail(s) {
			t.Fatalf("segments %d and %d are not linked", s, following)
		}
	}
	if seen != len(l.seg) {
		t.Fatalf("segments hold %d nodes, want %d", seen, len(l.seg))
	}
}

// sameCycle fails unless both tours are the same cycle, in either direction,
// and agree on between in the direction they share.
func sameCycle(t *testing.T, want, got *Tour, rng *rand.Rand) {
	t.Helper()
	n := want.n()
	forward := want.next(0) == got.next(0)
	for v := int32(0); v < n; v++ {
		wn, wp := want.next(v), want.prev(v)
		gn, gp := got.next(v), got.prev(v)
		if !forward {
			gn, gp = gp, gn
		}
		if wn != gn || wp != gp {
			t.Fatalf("node %d: neighbours %d,%d want %d,%d (forward %v)", v, gp, gn, wp, wn, forward)
		}
	}
	for range 50 {
		a, b, c := int32(rng.IntN(int(n))), int32(rng.IntN(int(n))), int32(rng.IntN(int(n)))
		w := want.between(a, b, c)
		g := got.between(a, b, c)
		if !forward {
			g = got.between(c, b, a)
		}
		if w != g {
			t.Fatalf("between(%d,%d,%d) = %v, want %v (forward %v)", a, b, c, g, w, forward)
		}
	}
}

// The two-level list must make the same cycles as the array tour under
// random reversals, 2-opt moves and rolled-back trials, and keep its
// invariants, rebuilds included.
func TestTwoLevelMatchesArrayTour(t *testing.T) {
	for _, n := range []int{20, 37, 100, 1000, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 9))
			order := make([]int32, n)
			for i, v := range rng.Perm(n) {
				order[i] = int32(v)
			}
			arr := newTour(append([]int32(nil), order...), false)
			two := newTour(append([]int32(nil), order...), true)
			checkTwoLevel(t, two.tl)
			sameCycle(t, arr, two, rng)
			steps := 3000
			if testing.Short() {
				steps = 500
			}
			for step := 0; step < steps; step++ {
				a := int32(rng.IntN(n))
				// reverseBoth reverses the list's forward path a…b and the
				// same nodes on the array, whose direction may differ.
				reverseBoth := func(a, b int32) {
					if arr.next(0) == two.next(0) {
						arr.reversePath(a, b)
					} else {
						arr.reversePath(b, a)
					}
					two.reversePath(a, b)
				}
				switch rng.IntN(4) {
				case 0:
					reverseBoth(a, int32(rng.IntN(n)))
				case 1:
					// A local reversal, the common case in a descent.
					b := a
					for range rng.IntN(2 * int(two.tl.group)) {
						b = two.next(b)
					}
					reverseBoth(a, b)
				case 2:
					c := int32(rng.IntN(n))
					b, d := arr.next(a), arr.next(c)
					if a == c || b == c || d == a {
						continue
					}
					arr.move2(a, b, c, d)
					two.move2(a, b, c, d)
				case 3:
					before := two.copyOrder(nil)
					two.mark()
					for range 1 + rng.IntN(5) {
						x, y := int32(rng.IntN(n)), int32(rng.IntN(n))
						two.reversePath(x, y)
					}
					two.rollback()
					checkTwoLevel(t, two.tl)
					sameCycle(t, newTour(before, false), two, rng)
				}
				checkTwoLevel(t, two.tl)
				sameCycle(t, arr, two, rng)
			}
		})
	}
}

// From twoLevelMinN nodes the Hybrid's tour is the two-level list; same seed,
// one thread and an iteration budget must still give the same tour.
func TestTwoLevelSolveRepeats(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a 40,000-node descent")
	}
	p := uniform(t, 40000, 27)
	set := Settings{HeatmapKind: "gt-prior", Limits: solvers.Limits{MaxIterations: 300, Seed: 3, Threads: 1}}
	full := set.withDefaults(p.N())
	if s := (&searcher{n: int32(p.N()), set: &full, koptK: full.KOpt}); !s.twoLevelTour() {
		t.Fatal("the default settings do not run on the two-level list at this size")
	}
	a := solveOK(t, p, set)
	b := solveOK(t, p, set)
	if !slices.Equal(a.Solution.Tour, b.Solution.Tour) || a.StopReason != solvers.IterationLimit {
		t.Errorf("two runs differ (%v vs %v) or stop %v", a.Objective, b.Objective, a.StopReason)
	}
}
