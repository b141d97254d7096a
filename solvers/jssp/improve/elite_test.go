package improve

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// bruteDistance counts the differently ordered pairs one by one.
func bruteDistance(a, b *Graph) int {
	d := 0
	for _, s := range a.seq {
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if b.pos[s[i]] > b.pos[s[j]] {
					d++
				}
			}
		}
	}
	return d
}

func TestInversions(t *testing.T) {
	for _, c := range []struct {
		a    []int32
		want int
	}{
		{nil, 0},
		{[]int32{4}, 0},
		{[]int32{0, 1, 2, 3}, 0},
		{[]int32{3, 2, 1, 0}, 6},
		{[]int32{1, 0, 3, 2, 4}, 2},
		{[]int32{2, 4, 1, 3, 0}, 7},
	} {
		a := slices.Clone(c.a)
		if got := inversions(a, make([]int32, len(a))); got != c.want || !slices.IsSorted(a) {
			t.Errorf("%v: %d inversions (want %d), left %v", c.a, got, c.want, a)
		}
	}
}

func randomGraphs(t *testing.T, js *instances.JobShop, n int) []*Graph {
	t.Helper()
	var gs []*Graph
	for seed := range uint64(n) {
		g, err := NewGraph(js, randomStart(js, seed))
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	return gs
}

func TestDistanceCountsReversedPairs(t *testing.T) {
	js := loadNamed(t, "ft10")
	gs := randomGraphs(t, js, 4)
	buf, tmp := make([]int32, 10), make([]int32, 10)
	for i, a := range gs {
		for j, b := range gs {
			d := distance(a, b, buf, tmp)
			if want := bruteDistance(a, b); d != want {
				t.Errorf("%d→%d: distance %d, want %d", i, j, d, want)
			}
			if back := distance(b, a, buf, tmp); back != d {
				t.Errorf("%d↔%d: distance %d one way, %d the other", i, j, d, back)
			}
			if (d == 0) != (i == j) {
				t.Errorf("%d, %d: distance %d", i, j, d)
			}
		}
	}
}

// Relinking must stay acyclic, end between a quarter and three quarters of the
// way, and cover exactly the distance it claims.
func TestRelinkLandsBetweenTheEnds(t *testing.T) {
	for _, name := range []string{"ft10", "ta01"} {
		js := loadNamed(t, name)
		gs := randomGraphs(t, js, 5)
		rl := newRelinker(gs[0])
		rng := rand.New(rand.NewPCG(1, 2))
		buf, tmp := make([]int32, 64), make([]int32, 64)
		for i := 1; i < len(gs); i++ {
			from, guide := gs[i-1], gs[i]
			d := distance(from, guide, buf, tmp)
			x := rl.relink(from, guide, d, rng, solvers.NewBudget(t.Context(), 0))
			if x == nil {
				t.Errorf("%s %d: no schedule on the path (distance %d)", name, i, d)
				continue
			}
			if ms, err := instances.CheckSchedule(js, x.Starts()); err != nil || ms != x.Makespan() {
				t.Fatalf("%s %d: relinked schedule: %v (makespan %d, graph %d)", name, i, err, ms, x.Makespan())
			}
			toFrom, toGuide := distance(x, from, buf, tmp), distance(x, guide, buf, tmp)
			if toFrom < d/4 || toGuide > d-d/4 || toFrom+toGuide < d {
				t.Errorf("%s %d: %d from the start and %d from the guide, %d apart", name, i, toFrom, toGuide, d)
			}
		}
	}
}

func TestElitePoolKeepsGoodDistinctSchedules(t *testing.T) {
	js := loadNamed(t, "ft10")
	gs := randomGraphs(t, js, 3*eliteSize)
	best := slices.MinFunc(gs, func(a, b *Graph) int { return a.Makespan() - b.Makespan() })
	p := newElitePool(gs[0])
	for i, g := range gs {
		entered := p.offer(g)
		if i < eliteSize && !entered {
			t.Errorf("schedule %d refused from a pool that is not full", i)
		}
		if p.offer(g) {
			t.Errorf("schedule %d entered twice", i)
		}
	}
	if len(p.members) != eliteSize {
		t.Fatalf("%d members, want %d", len(p.members), eliteSize)
	}
	buf, tmp := make([]int32, 10), make([]int32, 10)
	kept := false
	for i, a := range p.members {
		kept = kept || a.Makespan() == best.Makespan()
		for j, b := range p.members {
			if d := distance(a, b, buf, tmp); p.dist[i][j] != d {
				t.Errorf("dist[%d][%d] = %d, members are %d apart", i, j, p.dist[i][j], d)
			}
		}
	}
	if !kept {
		t.Errorf("the best schedule (%d) left the pool", best.Makespan())
	}
	a, b := gs[0].Clone(), gs[0].Clone()
	d, ok := p.pair(rand.New(rand.NewPCG(3, 4)), a, b)
	if !ok || d == 0 || d != distance(a, b, buf, tmp) {
		t.Errorf("pair: %v, distance %d, actually %d", ok, d, distance(a, b, buf, tmp))
	}
	// The runs of all threads count: one random start first, then a new
	// shared best restarts the count, and the ninth run after it empties the
	// stagnant pool down to its best member and asks for eliteSize−1 fresh
	// starts.
	const resetAfter = 9
	p.diversify(resetAfter, 1)
	type end struct{ fresh, emptied bool }
	want := []end{{true, false}}
	for range resetAfter - 1 {
		want = append(want, end{false, false})
	}
	want = append(want, end{true, true})
	for range eliteSize - 2 {
		want = append(want, end{true, false})
	}
	want = append(want, end{false, false})
	for i, w := range want {
		if i == 1 {
			p.newBest()
		}
		if fresh, emptied := p.endRun(); fresh != w.fresh || emptied != w.emptied {
			t.Fatalf("run %d: fresh %v, emptied %v; want %v, %v", i, fresh, emptied, w.fresh, w.emptied)
		}
		if i == resetAfter && (len(p.members) != 1 || p.members[0].Makespan() != best.Makespan()) {
			t.Fatalf("after the reset: %d members, the first %d, want the best %d alone", len(p.members), p.members[0].Makespan(), best.Makespan())
		}
	}
	// It then refills with correct distances.
	for _, g := range gs[:3] {
		p.offer(g)
	}
	for i, a := range p.members {
		for j, b := range p.members {
			if d := distance(a, b, buf, tmp); p.dist[i][j] != d {
				t.Errorf("after the reset, dist[%d][%d] = %d, members are %d apart", i, j, p.dist[i][j], d)
			}
		}
	}
}

// One thread with an iteration budget gives the same schedule every time, and
// the pool is used: short stalls make many tabu runs, most from relinked
// schedules, the first few from random active schedules. With NoElite there
// is no relinking, and with NoDiversify no random start.
func TestEliteSearchIsDeterministic(t *testing.T) {
	js := loadNamed(t, "ta01")
	start := mwkrStart(js)
	startMS, _ := instances.CheckSchedule(js, start)
	iters := int64(20000)
	if testing.Short() || raceEnabled {
		iters = 4000
	}
	for _, c := range []struct {
		name        string
		method      Method
		noElite     bool
		noDiversify bool
	}{
		{"tabu", Tabu, false, false},
		{"portfolio", Portfolio, false, false},
		{"tabu without pool", Tabu, true, false},
		{"tabu without diversification", Tabu, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Settings{Limits: solvers.Limits{Threads: 1, Seed: 3, MaxIterations: iters}, Method: c.method, StallIterations: 100, NoElite: c.noElite, NoDiversify: c.noDiversify}
			r1, err := Run(context.Background(), js, start, s)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, js, r1, startMS)
			r2, err := Run(context.Background(), js, start, s)
			if err != nil {
				t.Fatal(err)
			}
			if r1.Solution.Makespan != r2.Solution.Makespan || !slices.EqualFunc(r1.Solution.Starts, r2.Solution.Starts, slices.Equal[[]int]) {
				t.Errorf("not deterministic: %d vs %d", r1.Solution.Makespan, r2.Solution.Makespan)
			}
			st1, st2 := r1.Stats, r2.Stats
			st1.Elapsed, st2.Elapsed = 0, 0
			if st1 != st2 {
				t.Errorf("counts differ: %+v vs %+v", st1, st2)
			}
			if c.noElite != (r1.Stats.Relinks == 0) || r1.Stats.Restarts < 10 {
				t.Errorf("%d restarts, %d from relinked schedules", r1.Stats.Restarts, r1.Stats.Relinks)
			}
			if wantRandom := int64(defaultDiverseStarts); c.noElite || c.noDiversify {
				if r1.Stats.RandomStarts != 0 {
					t.Errorf("%d tabu runs from random active schedules, want none", r1.Stats.RandomStarts)
				}
			} else if r1.Stats.RandomStarts < wantRandom {
				t.Errorf("%d tabu runs from random active schedules, want at least %d", r1.Stats.RandomStarts, wantRandom)
			}
			t.Logf("%s: %d → %d, %+v", c.name, startMS, r1.Solution.Makespan, r1.Stats)
		})
	}
}

// Threads share the pool and the best schedule; run with -race this checks
// the sharing. Every result must pass the checker.
func TestEliteSharedByThreads(t *testing.T) {
	// ta01 is above the size where the portfolio's thread 1 runs the exact
	// search without a node limit.
	js := loadNamed(t, "ta01")
	start := mwkrStart(js)
	startMS, _ := instances.CheckSchedule(js, start)
	for _, m := range []Method{Tabu, Portfolio} {
		res, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{Threads: 3, Seed: 5, MaxIterations: 12000}, Method: m, StallIterations: 100})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, js, res, startMS)
		if res.Status != solvers.Optimal && res.Stats.Relinks == 0 {
			t.Errorf("%s: no relinking in %d restarts", m, res.Stats.Restarts)
		}
	}
}
