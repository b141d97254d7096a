package improve

import (
	"os"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers"
)

func TestJacksonBoundSmall(t *testing.T) {
	op := func(m, d int) instances.Operation { return instances.Operation{Machine: m, Duration: d} }
	for _, c := range []struct {
		name string
		jobs [][]instances.Operation
		want int
	}{
		// Both jobs reach machine 1 at 5 at the earliest: 5 + 10, where the
		// trivial bound says 10.
		{"common release", [][]instances.Operation{{op(0, 5), op(1, 5)}, {op(0, 5), op(1, 5)}}, 15},
		// Machine 1 runs job 1 from 0, is pre-empted by nothing better at 3
		// (job 1's tail 1 beats job 0's 0), ends job 1 at 4 and job 0 at 6.
		{"pre-emption", [][]instances.Operation{{op(0, 3), op(1, 2)}, {op(1, 4), op(0, 1)}}, 6},
		{"zero durations", [][]instances.Operation{{op(0, 0), op(1, 0)}, {op(1, 0), op(0, 0)}}, 0},
		{"one machine", [][]instances.Operation{{op(0, 2)}, {op(0, 3)}, {op(0, 4)}}, 9},
	} {
		js := &instances.JobShop{Name: c.name, Machines: 2, Jobs: c.jobs}
		g := newEmptyGraph(js)
		if got := jacksonBound(g); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestBoundsNeverExceedReferences checks the one-machine bound and the root
// propagation bound against the published upper bounds (every schedule's
// makespan, so also the proved optima, is at least any valid lower bound) on
// every JSPLIB and Taillard instance, and that neither falls below the trivial
// bound. The propagation bound runs on a subset in -short and race runs.
func TestBoundsNeverExceedReferences(t *testing.T) {
	dir := datadirtest.ForTest(t)
	entries, err := os.ReadDir(datadirtest.Path(t, "jssp", "jsplib", "instances"))
	if err != nil {
		t.Fatal(err)
	}
	// One of each Taillard class first: -short computes the propagation bound
	// on the first four only.
	names := []string{"ta01", "ta11", "ta21", "ta31", "ta41", "ta51", "ta61", "ta71"}
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) {
			names = append(names, e.Name())
		}
	}
	full := !testing.Short() && !raceEnabled
	checked, optimal, proved, trivialMet := 0, 0, 0, 0
	for i, name := range names {
		js := loadNamed(t, name)
		ref, ok := instances.JobShopReferenceFor(dir, js)
		if !ok {
			continue
		}
		checked++
		g, err := NewGraph(js, mwkrStart(js))
		if err != nil {
			t.Fatal(err)
		}
		trivial, jps := TrivialBound(js), jacksonBound(g)
		if float64(jps) > ref.Value {
			t.Errorf("%s: one-machine bound %d above the reference %v", name, jps, ref.Value)
		}
		if !full && i >= 4 && name != "ft10" && name != "ft06" {
			continue
		}
		lb := provedBound(g, solvers.NewBudget(t.Context(), 0))
		if float64(lb) > ref.Value || lb < max(trivial, jps) {
			t.Errorf("%s: proved bound %d outside [%d, reference %v]", name, lb, max(trivial, jps), ref.Value)
		}
		if ref.Kind == instances.RefOptimal {
			optimal++
			if float64(lb) == ref.Value {
				proved++
			}
			if float64(trivial) == ref.Value {
				trivialMet++
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d instances with a reference", checked)
	}
	t.Logf("%d instances checked; of the %d optima the proved bound was computed for it meets %d, the trivial bound %d", checked, optimal, proved, trivialMet)
}

// TestRootBoundKeepsItsWorkLimit: on a 1000×10 shop one machine's
// task-interval propagation is 10⁹ steps, far past rootWork; the bound must
// stop before it rather than after (it once took 4 s of a 1 s limit).
func TestRootBoundKeepsItsWorkLimit(t *testing.T) {
	js := instances.GenerateJobShop(1000, 10, 1)
	g, err := NewGraph(js, mwkrStart(js))
	if err != nil {
		t.Fatal(err)
	}
	lb := max(TrivialBound(js), jacksonBound(g))
	if lb >= g.makespan {
		t.Fatalf("the start %d meets the bound %d: nothing to propagate", g.makespan, lb)
	}
	c := newCP(g)
	c.st, c.maxWork = solvers.NewBudget(t.Context(), 0), rootWork
	if got := c.rootBound(g, lb, g.makespan); got < lb || got > g.makespan {
		t.Errorf("bound %d outside [%d, %d]", got, lb, g.makespan)
	}
	if c.work > rootWork {
		t.Errorf("%d propagation steps, limit %d", c.work, rootWork)
	}
}

// TestJacksonBoundMatchesAScan compares the heap with the plain scan for the
// longest tail (the way the bound was first written) on random shops, small
// durations making ties common.
func TestJacksonBoundMatchesAScan(t *testing.T) {
	for _, c := range []struct{ jobs, machines, seed int }{
		{3, 3, 1}, {10, 5, 2}, {20, 20, 3}, {50, 10, 4}, {200, 5, 5}, {1000, 10, 6},
	} {
		js := instances.GenerateJobShop(c.jobs, c.machines, uint64(c.seed))
		for j := range js.Jobs {
			for k := range js.Jobs[j] {
				js.Jobs[j][k].Duration = js.Jobs[j][k].Duration%7 + k%2 // zeros and ties
			}
		}
		g := newEmptyGraph(js)
		if got, want := jacksonBound(g), jacksonBoundByScan(g); got != want {
			t.Errorf("%d×%d seed %d: heap %d, scan %d", c.jobs, c.machines, c.seed, got, want)
		}
	}
}

func jacksonBoundByScan(g *Graph) int {
	head, tail := jobHeadsAndTails(g)
	rem := slices.Clone(g.dur)
	lb := int32(0)
	for _, s := range g.seq {
		ops := slices.Clone(s)
		slices.SortFunc(ops, func(a, b int32) int { return int(head[a] - head[b]) })
		var ready []int32
		t, next := int32(0), 0
		for next < len(ops) || len(ready) > 0 {
			if len(ready) == 0 {
				t = max(t, head[ops[next]])
			}
			for next < len(ops) && head[ops[next]] <= t {
				ready = append(ready, ops[next])
				next++
			}
			k := 0
			for i, op := range ready {
				if tail[op] > tail[ready[k]] {
					k = i
				}
			}
			op := ready[k]
			run := rem[op]
			if next < len(ops) {
				run = min(run, head[ops[next]]-t)
			}
			t += run
			if rem[op] -= run; rem[op] == 0 {
				lb = max(lb, t+tail[op])
				ready = slices.Delete(ready, k, k+1)
			}
		}
	}
	return int(lb)
}

func BenchmarkJacksonBound1000x10(b *testing.B) {
	g := newEmptyGraph(instances.GenerateJobShop(1000, 10, 1))
	for b.Loop() {
		jacksonBound(g)
	}
}
