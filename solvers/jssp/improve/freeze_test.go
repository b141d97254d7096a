package improve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// delayed is starts with every operation pushed back by d: still feasible, no
// longer semi-active, so a left shift would move every operation.
func delayed(starts [][]int, d int) [][]int {
	out := cloneStarts(starts)
	for j := range out {
		for k := range out[j] {
			out[j][k] += d
		}
	}
	return out
}

// checkFrozenKept fails unless res is feasible, no worse than start, keeps
// every marked operation's start, and starts no free operation before the end
// of a marked one on its machine that started earlier in start.
func checkFrozenKept(t *testing.T, js *instances.JobShop, start [][]int, frozen [][]bool, res Result) {
	t.Helper()
	startMS, err := instances.CheckSchedule(js, start)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, js, res, startMS)
	got := res.Solution.Starts
	frozenEnd := make([]int, js.Machines)
	for j, ops := range js.Jobs {
		for k, o := range ops {
			if frozen[j][k] {
				if got[j][k] != start[j][k] {
					t.Fatalf("%s: frozen operation %d of job %d moved from %d to %d", js.Name, k, j, start[j][k], got[j][k])
				}
				frozenEnd[o.Machine] = max(frozenEnd[o.Machine], start[j][k]+o.Duration)
			}
		}
	}
	for j, ops := range js.Jobs {
		for k, o := range ops {
			if !frozen[j][k] && got[j][k] < frozenEnd[o.Machine] {
				t.Fatalf("%s: free operation %d of job %d at %d, before the frozen operations of machine %d end (%d)", js.Name, k, j, got[j][k], o.Machine, frozenEnd[o.Machine])
			}
		}
	}
}

func TestFrozenClosureAddsPredecessors(t *testing.T) {
	js := loadNamed(t, "ft06")
	start := mwkrStart(js)
	g, err := NewGraph(js, start)
	if err != nil {
		t.Fatal(err)
	}
	frozen := make([][]bool, len(js.Jobs))
	for j, ops := range js.Jobs {
		frozen[j] = make([]bool, len(ops))
	}
	// The last operation of job 0 drags in its job and, through the machines,
	// operations of other jobs.
	frozen[0][len(js.Jobs[0])-1] = true
	count := g.freeze(start, frozen, 0)
	if count <= len(js.Jobs[0]) {
		t.Fatalf("closure froze %d operations, want more than job 0's %d", count, len(js.Jobs[0]))
	}
	seen := 0
	for op := int32(0); op < int32(g.n); op++ {
		if !g.frozen(op) {
			continue
		}
		seen++
		if p := g.jPrev[op]; p != none && !g.frozen(p) {
			t.Errorf("operation %d frozen, its job predecessor %d free", op, p)
		}
		if p := g.mPrev[op]; p != none && !g.frozen(p) {
			t.Errorf("operation %d frozen, its machine predecessor %d free", op, p)
		}
		if j, k := g.job[op], op-g.offset[g.job[op]]; g.Head(int(op)) != start[j][k] {
			t.Errorf("frozen operation %d: head %d, start %d", op, g.Head(int(op)), start[j][k])
		}
	}
	if seen != count {
		t.Errorf("%d operations frozen, freeze says %d", seen, count)
	}
	for m, s := range g.seq {
		for i, op := range s {
			if g.frozen(op) != (int32(i) < g.frozenLen[m]) {
				t.Errorf("machine %d: position %d frozen %v, frozen prefix %d", m, i, g.frozen(op), g.frozenLen[m])
			}
		}
	}
}

func TestFrozenEverythingKeepsTheStartExactly(t *testing.T) {
	js := loadNamed(t, "ft06")
	start := delayed(mwkrStart(js), 3)
	all := FreezeMachineShare(js, start, 1)
	for _, m := range []Method{Portfolio, Tabu, LNS, Exact} {
		res, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{Threads: 1, MaxIterations: 200}, Method: m, Frozen: all})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(res.Solution.Starts, start, slices.Equal[[]int]) {
			t.Errorf("%v: everything frozen, yet the schedule changed: %v", m, res.Solution.Starts)
		}
		if res.Stats.Frozen != js.NumOperations() {
			t.Errorf("%v: Stats.Frozen %d, want %d", m, res.Stats.Frozen, js.NumOperations())
		}
	}
}

// TestFrozenNeighbourhoodAvoidsThePrefix freezes the first 30 % of each machine
// and checks that no candidate move of a tabu walk touches the frozen prefix.
func TestFrozenNeighbourhoodAvoidsThePrefix(t *testing.T) {
	js := loadNamed(t, "ta01")
	start := mwkrStart(js)
	g, err := NewGraph(js, start)
	if err != nil {
		t.Fatal(err)
	}
	if g.freeze(start, FreezeMachineShare(js, start, 0.3), 0) == 0 {
		t.Fatal("nothing frozen")
	}
	ts := NewTabu(g, N7, 1)
	moves := 0
	for i := 0; i < 300; i++ {
		for _, nh := range []Neighborhood{N7, N5} {
			for _, mv := range g.neighbourhood(nil, nh) {
				moves++
				if fl := g.frozenLen[mv.m]; mv.from < fl || mv.to < fl {
					t.Fatalf("step %d: %v move %+v touches machine %d's frozen prefix of %d", i, nh, mv, mv.m, fl)
				}
			}
		}
		ts.Step()
	}
	if moves == 0 {
		t.Fatal("no moves at all")
	}
}

// TestFrozenTaillard is the acceptance test of the library: ta01–ta10 from a
// serial MWKR schedule with the first 30 % of every machine frozen. (Package
// jssp runs the same from its FDD/MWKR dispatching.)
func TestFrozenTaillard(t *testing.T) {
	names := []string{"ta01", "ta02", "ta03", "ta04", "ta05", "ta06", "ta07", "ta08", "ta09", "ta10"}
	iters := int64(3000)
	if testing.Short() || raceEnabled {
		names, iters = names[:3], 500
	}
	for _, name := range names {
		js := loadNamed(t, name)
		start := mwkrStart(js)
		startMS, _ := instances.CheckSchedule(js, start)
		frozen := FreezeMachineShare(js, start, 0.3)
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(t *testing.T) {
				res, err := Run(context.Background(), js, start, Settings{
					Limits: solvers.Limits{Threads: threads, Seed: 1, MaxIterations: iters},
					Frozen: frozen,
				})
				if err != nil {
					t.Fatal(err)
				}
				checkFrozenKept(t, js, start, frozen, res)
				if res.Stats.Frozen < js.NumOperations()*3/10-js.Machines {
					t.Errorf("Stats.Frozen %d, fewer than marked", res.Stats.Frozen)
				}
				t.Logf("%d → %d, %d frozen, bound %v, %v", startMS, res.Solution.Makespan, res.Stats.Frozen, res.Bound, res.Status)
			})
		}
	}
}

// TestFrozenLNSAndExact runs the CP methods with a frozen prefix: on ft06 the
// exact search proves an optimum of the frozen problem, which must keep the
// prefix (the unconstrained optimum, 55, does not).
func TestFrozenLNSAndExact(t *testing.T) {
	js := loadNamed(t, "ft06")
	start := delayed(mwkrStart(js), 2)
	frozen := FreezeMachineShare(js, start, 0.3)
	for _, c := range []struct {
		m    Method
		iter int64
	}{{LNS, 50}, {Exact, 0}} {
		res, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{Threads: 1, Seed: 3, MaxIterations: c.iter}, Method: c.m, Frozen: frozen})
		if err != nil {
			t.Fatal(err)
		}
		checkFrozenKept(t, js, start, frozen, res)
		if c.m == Exact && res.Status != solvers.Optimal {
			t.Errorf("exact: status %v", res.Status)
		}
		t.Logf("%v: %d frozen, makespan %d, bound %v, %v", c.m, res.Stats.Frozen, res.Solution.Makespan, res.Bound, res.Status)
	}
}

func TestFrozenOfAnotherShapeIsAnInvalidSetting(t *testing.T) {
	js := loadNamed(t, "ft06")
	start := mwkrStart(js)
	good := FreezeMachineShare(js, start, 0.3)
	for name, f := range map[string][][]bool{
		"jobs":       good[1:],
		"operations": append([][]bool{good[0][1:]}, good[1:]...),
	} {
		_, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{Threads: 1, MaxIterations: 10}, Frozen: f})
		if !errors.Is(err, solvers.ErrInvalidSettings) {
			t.Errorf("%s: err = %v, want ErrInvalidSettings", name, err)
		}
	}
}

// TestNotBeforeReplansFromATime re-plans ta01–ta03 at the middle of a
// schedule with a gap: what started before is kept, nothing else starts
// earlier, with every method; a start that already breaks the limit is an
// error.
func TestNotBeforeReplansFromATime(t *testing.T) {
	binds := 0
	for _, name := range []string{"ta01", "ta02", "ta03"} {
		js := loadNamed(t, name)
		// The plan waits 60 time units at 30 before the re-planning time, so
		// the operations in between could start earlier than that time.
		start := mwkrStart(js)
		baseMS, _ := instances.CheckSchedule(js, start)
		at := baseMS / 2
		for j := range start {
			for k, s := range start[j] {
				if s >= at-30 {
					start[j][k] = s + 60
				}
			}
		}
		frozen := make([][]bool, len(start))
		for j := range start {
			frozen[j] = make([]bool, len(start[j]))
			for k, s := range start[j] {
				frozen[j][k] = s < at
			}
		}
		for _, m := range []Method{Portfolio, Tabu, LNS, Exact} {
			t.Run(fmt.Sprintf("%s/%v", name, m), func(t *testing.T) {
				res, err := Run(context.Background(), js, start, Settings{
					Limits: solvers.Limits{Threads: 1, Seed: 1, MaxIterations: 300},
					Method: m, Frozen: frozen, NotBefore: at,
				})
				if err != nil {
					t.Fatal(err)
				}
				checkFrozenKept(t, js, start, frozen, res)
				for j, starts := range res.Solution.Starts {
					for k, s := range starts {
						if !frozen[j][k] && s < at {
							t.Fatalf("operation %d of job %d starts at %d, before %d", k, j, s, at)
						}
					}
				}
			})
		}
		// The limit binds: without it the left shift alone moves free
		// operations into the past.
		free, err := Shift(js, start, frozen, 0)
		if err != nil {
			t.Fatal(err)
		}
		for j, starts := range free.Solution.Starts {
			for k, s := range starts {
				if !frozen[j][k] && s < at {
					binds++
				}
			}
		}
		if _, err := Run(context.Background(), js, start, Settings{Frozen: frozen, NotBefore: baseMS + 60, Limits: solvers.Limits{MaxIterations: 10}}); err == nil {
			t.Errorf("%s: a start with free operations before NotBefore was accepted", name)
		}
		if _, err := Shift(js, start, nil, -1); err == nil {
			t.Errorf("%s: a negative NotBefore was accepted", name)
		}
	}
	if binds == 0 {
		t.Error("no free operation would start before the limit without it: the test proves nothing")
	}
}
