package improve

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// bruteForceOptimum enumerates every combination of machine permutations.
func bruteForceOptimum(t *testing.T, js *instances.JobShop) int {
	t.Helper()
	g, err := NewGraph(js, mwkrStart(js))
	if err != nil {
		t.Fatal(err)
	}
	var perms [][][]int32
	for m := range g.seq {
		perms = append(perms, permutations(slices.Clone(g.seq[m])))
	}
	best := 1 << 30
	idx := make([]int, len(perms))
	for {
		for m := range g.seq {
			copy(g.seq[m], perms[m][idx[m]])
		}
		g.linkMachines()
		if g.Update() {
			best = min(best, g.Makespan())
		}
		m := 0
		for ; m < len(idx); m++ {
			if idx[m]++; idx[m] < len(perms[m]) {
				break
			}
			idx[m] = 0
		}
		if m == len(idx) {
			return best
		}
	}
}

func permutations(s []int32) [][]int32 {
	if len(s) <= 1 {
		return [][]int32{slices.Clone(s)}
	}
	var out [][]int32
	for i := range s {
		rest := append(slices.Clone(s[:i]), s[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]int32{s[i]}, p...))
		}
	}
	return out
}

func TestGraphRoundTrip(t *testing.T) {
	cases := []*instances.JobShop{tiny(), instances.GenerateJobShop(6, 4, 3), instances.GenerateJobShop(10, 5, 7)}
	for _, name := range []string{"ft06", "ft10", "ta01"} {
		cases = append(cases, loadNamed(t, name))
	}
	for _, js := range cases {
		for seed := uint64(0); seed < 5; seed++ {
			start := randomStart(js, seed)
			want, err := instances.CheckSchedule(js, start)
			if err != nil {
				t.Fatal(err)
			}
			g, err := NewGraph(js, start)
			if err != nil {
				t.Fatal(err)
			}
			// A serial schedule is semi-active already: the graph gives it back.
			if g.Makespan() != want {
				t.Errorf("%s seed %d: graph makespan %d, checker %d", js.Name, seed, g.Makespan(), want)
			}
			got := g.Starts()
			if !slices.EqualFunc(got, start, slices.Equal[[]int]) {
				t.Errorf("%s seed %d: starts differ after the round trip", js.Name, seed)
			}
			ms, err := instances.CheckSchedule(js, got)
			if err != nil || ms != g.Makespan() {
				t.Errorf("%s seed %d: checker %d %v, graph %d", js.Name, seed, ms, err, g.Makespan())
			}
			// Tails agree with heads: head+dur+tail ≤ makespan with equality on the critical path.
			path, blocks := g.CriticalPath()
			if g.Head(int(path[0])) != 0 || g.Tail(int(path[len(path)-1])) != 0 {
				t.Errorf("%s: critical path does not span the schedule", js.Name)
			}
			length := 0
			for _, op := range path {
				length += int(g.dur[op])
				if g.Head(int(op))+int(g.dur[op])+g.Tail(int(op)) != want {
					t.Errorf("%s: op %d on the critical path is not critical", js.Name, op)
				}
			}
			if length != want {
				t.Errorf("%s: critical path length %d, makespan %d", js.Name, length, want)
			}
			for b := 0; b+1 < len(blocks); b++ {
				for i := blocks[b] + 1; i < blocks[b+1]; i++ {
					if g.mach[path[i]] != g.mach[path[blocks[b]]] {
						t.Errorf("%s: block %d mixes machines", js.Name, b)
					}
				}
			}
		}
	}
}

func TestGraphDelayedScheduleBecomesSemiActive(t *testing.T) {
	js := tiny()
	start := mwkrStart(js)
	want, _ := instances.CheckSchedule(js, start)
	for j := range start { // delay everything: same sequences, larger makespan
		for k := range start[j] {
			start[j][k] = 3*start[j][k] + 5
		}
	}
	g, err := NewGraph(js, start)
	if err != nil {
		t.Fatal(err)
	}
	if g.Makespan() != want {
		t.Fatalf("semi-active makespan %d, want %d", g.Makespan(), want)
	}
}

func TestGraphSequencesAndCycles(t *testing.T) {
	js := tiny()
	g, err := NewGraph(js, mwkrStart(js))
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([][]int, js.Machines)
	for m := range seqs {
		for _, op := range g.Sequence(m) {
			seqs[m] = append(seqs[m], int(op))
		}
	}
	h, err := NewGraphFromSequences(js, seqs)
	if err != nil || h.Makespan() != g.Makespan() {
		t.Fatalf("rebuild: %v, makespan %d vs %d", err, h.Makespan(), g.Makespan())
	}
	// Jobs: 0→1→2 (machines 0,1,2) and 3→4→5 (machines 0,2,1). With 2 before 4 on
	// machine 2 and 5 before 1 on machine 1 the graph has the cycle 1→2→4→5→1.
	bad := [][]int{{0, 3, 8}, {6, 5, 1}, {2, 4, 7}}
	if _, err := NewGraphFromSequences(js, bad); err == nil {
		t.Fatal("cyclic sequences accepted")
	}
	if _, err := NewGraphFromSequences(js, [][]int{{0, 3}, {1, 5, 6}, {2, 4, 7}}); err == nil {
		t.Fatal("short sequence accepted")
	}
}

func TestExactAgreesWithBruteForce(t *testing.T) {
	type size struct{ jobs, machines int }
	var cases []size
	for seed := 1; seed <= 12; seed++ {
		cases = append(cases, size{3 + seed%2, 3})
	}
	if !testing.Short() && !raceEnabled {
		cases = append(cases, size{4, 4}, size{4, 4}, size{5, 3})
	}
	for i, c := range cases {
		seed := uint64(i + 1)
		jobs, machines := c.jobs, c.machines
		js := instances.GenerateJobShop(jobs, machines, seed)
		want := bruteForceOptimum(t, js)
		res, err := Run(context.Background(), js, randomStart(js, seed), Settings{Limits: solvers.Limits{Threads: 1}, Method: Exact})
		if err != nil {
			t.Fatal(err)
		}
		if res.Solution.Makespan != want || res.Bound != float64(want) {
			t.Errorf("seed %d (%dx%d): exact %d bound %v, brute force %d", seed, jobs, machines, res.Solution.Makespan, res.Bound, want)
		}
	}
}

// TestMoveUpdateMatchesFullUpdate applies random moves, cyclic ones included,
// and compares the windowed update with a graph that recomputes everything.
func TestMoveUpdateMatchesFullUpdate(t *testing.T) {
	withZeros := tiny()
	withZeros.Jobs[1][1].Duration = 0
	withZeros.Jobs[2][2].Duration = 0
	for _, c := range []struct {
		name   string
		js     *instances.JobShop
		freeze float64 // share of every machine kept at its start
	}{
		{"tiny with zero durations", withZeros, 0},
		{"ft06", loadNamed(t, "ft06"), 0},
		{"ta01", loadNamed(t, "ta01"), 0},
		{"ta01, 30 % frozen", loadNamed(t, "ta01"), 0.3},
		{"ta41", loadNamed(t, "ta41"), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := mwkrStart(c.js)
			g, err := NewGraph(c.js, start)
			if err != nil {
				t.Fatal(err)
			}
			if c.freeze > 0 {
				g.freeze(start, FreezeMachineShare(c.js, start, c.freeze), 0)
			}
			full := g.Clone()
			rng := rand.New(rand.NewPCG(7, 7))
			cycles := 0
			for step := 0; step < 3000; step++ {
				m := int32(rng.IntN(len(g.seq)))
				lo := 0
				if g.frozenLen != nil {
					lo = int(g.frozenLen[m])
				}
				if len(g.seq[m])-lo < 2 {
					continue
				}
				mv := move{m, int32(lo + rng.IntN(len(g.seq[m])-lo)), int32(lo + rng.IntN(len(g.seq[m])-lo))}
				if mv.from == mv.to {
					continue
				}
				ok := g.applyAndUpdate(mv)
				full.apply(mv)
				if fullOK := full.Update(); fullOK != ok {
					t.Fatalf("step %d: windowed update says acyclic=%v, full update %v", step, ok, fullOK)
				}
				if !ok {
					cycles++
					full.apply(mv.inverse())
					full.Update()
				}
				if g.makespan != full.makespan || !slices.Equal(g.head, full.head) || !slices.Equal(g.tail, full.tail) {
					t.Fatalf("step %d (%v): makespan %d against %d, or heads and tails differ", step, mv, g.makespan, full.makespan)
				}
				for i, op := range g.order {
					if g.rank[op] != int32(i) {
						t.Fatalf("step %d: rank of %d is %d, its place in the order %d", step, op, g.rank[op], i)
					}
					for _, p := range []int32{g.jPrev[op], g.mPrev[op]} {
						if p != none && g.rank[p] >= int32(i) {
							t.Fatalf("step %d: %d comes after its successor %d in the order", step, p, op)
						}
					}
				}
			}
			if cycles == 0 && len(c.js.Jobs) > 3 {
				t.Errorf("no random move closed a cycle: the cyclic case went untested")
			}
		})
	}
}
