package jssp

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

func fddMWKRSchedule(t *testing.T, js *instances.JobShop) ([][]int, int) {
	t.Helper()
	res, err := Solve(context.Background(), js, Settings{Method: Dispatch})
	if err != nil {
		t.Fatal(err)
	}
	return res.Solution.Starts, res.Solution.Makespan
}

// TestWarmStartFrozenTaillard is the acceptance test: on ta01–ta10 the first
// 30 % of every machine's operations in the FDD/MWKR schedule stay where they
// are, and the improved makespan is never worse than the warm start's.
func TestWarmStartFrozenTaillard(t *testing.T) {
	names := []string{"ta01", "ta02", "ta03", "ta04", "ta05", "ta06", "ta07", "ta08", "ta09", "ta10"}
	iters := int64(2000)
	if testing.Short() || raceEnabled {
		names, iters = names[:4], 300
	}
	for _, name := range names {
		js := loadNamed(t, name)
		warm, warmMS := fddMWKRSchedule(t, js)
		frozen := improve.FreezeMachineShare(js, warm, 0.3)
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(t *testing.T) {
				res, err := Solve(context.Background(), js, Settings{
					Limits:    solvers.Limits{Threads: threads, Seed: 1, MaxIterations: iters},
					WarmStart: warm, Frozen: frozen,
				})
				if err != nil {
					t.Fatal(err)
				}
				ms, err := instances.CheckSchedule(js, res.Solution.Starts)
				if err != nil {
					t.Fatal(err)
				}
				if ms != res.Solution.Makespan || ms > warmMS {
					t.Fatalf("makespan %d (result says %d), warm start %d", ms, res.Solution.Makespan, warmMS)
				}
				for j := range frozen {
					for k, f := range frozen[j] {
						if f && res.Solution.Starts[j][k] != warm[j][k] {
							t.Fatalf("frozen operation %d of job %d moved from %d to %d", k, j, warm[j][k], res.Solution.Starts[j][k])
						}
					}
				}
				if res.Stats.DispatchMakespan != warmMS || res.Stats.Improvement.Frozen == 0 {
					t.Errorf("stats: warm-start makespan %d (want %d), %d frozen", res.Stats.DispatchMakespan, warmMS, res.Stats.Improvement.Frozen)
				}
				t.Logf("%d → %d, %d frozen, bound %v, %v by %s", warmMS, ms, res.Stats.Improvement.Frozen, res.Bound, res.Status, res.Solution.Phase)
			})
		}
	}
}

// TestWarmStartNeverWorse improves warm starts with nothing frozen, under
// every improvement method and without a budget (the left shift alone).
func TestWarmStartNeverWorse(t *testing.T) {
	js := loadNamed(t, "ta01")
	warm, warmMS := fddMWKRSchedule(t, js)
	// A delayed copy is feasible but not semi-active: the left shift alone
	// must bring it back to at most the dispatched makespan.
	late := make([][]int, len(warm))
	for j := range warm {
		for _, s := range warm[j] {
			late[j] = append(late[j], s+7)
		}
	}
	for _, c := range []struct {
		name   string
		method Method
		iter   int64
		warm   [][]int
		want   int // the makespan the result must not exceed
	}{
		{"auto/unbounded", Auto, 0, late, warmMS},
		{"auto", Auto, 500, warm, warmMS},
		{"tabu", Tabu, 500, warm, warmMS},
		{"lns", LNS, 10, warm, warmMS},
		{"exact", Exact, 50, warm, warmMS},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Threads: 1, Seed: 2, MaxIterations: c.iter}, Method: c.method, WarmStart: c.warm})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := instances.CheckSchedule(js, res.Solution.Starts)
			if err != nil {
				t.Fatal(err)
			}
			if ms > c.want || ms != res.Solution.Makespan {
				t.Fatalf("makespan %d (result says %d), want at most %d", ms, res.Solution.Makespan, c.want)
			}
			t.Logf("%d → %d by %s", warmMS, ms, res.Solution.Phase)
		})
	}
}

func TestWarmStartSettingErrors(t *testing.T) {
	js := loadNamed(t, "ft06")
	warm, _ := fddMWKRSchedule(t, js)
	frozen := improve.FreezeMachineShare(js, warm, 0.3)
	infeasible := make([][]int, len(warm))
	for j := range warm {
		infeasible[j] = make([]int, len(warm[j])) // everything at 0
	}
	bounded := solvers.Limits{MaxIterations: 10, Threads: 1}
	for _, c := range []struct {
		name    string
		s       Settings
		invalid bool // ErrInvalidSettings rather than another error
	}{
		{"frozen without warm start", Settings{Limits: bounded, Frozen: frozen}, true},
		{"samples", Settings{Limits: bounded, WarmStart: warm, Samples: 4}, true},
		{"mcts", Settings{Limits: bounded, WarmStart: warm, Method: MCTS}, true},
		{"dispatch", Settings{WarmStart: warm, Method: Dispatch}, true},
		{"frozen of another shape", Settings{Limits: bounded, WarmStart: warm, Frozen: frozen[1:]}, true},
		{"frozen of another shape, unbounded", Settings{WarmStart: warm, Frozen: frozen[1:]}, true},
		{"infeasible warm start", Settings{Limits: bounded, WarmStart: infeasible}, false},
		{"warm start of another shape", Settings{Limits: bounded, WarmStart: warm[1:]}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Solve(context.Background(), js, c.s)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, solvers.ErrInvalidSettings) != c.invalid {
				t.Fatalf("err = %v, want ErrInvalidSettings %v", err, c.invalid)
			}
		})
	}
}
