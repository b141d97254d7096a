package improve

import (
	"context"
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
