package improve

import (
	"context"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

func TestExactFT06(t *testing.T) {
	js := loadNamed(t, "ft06")
	begin := time.Now()
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1}, Method: Exact})
	if err != nil {
		t.Fatal(err)
	}
	if res.Solution.Makespan != 55 || res.Status != solvers.Optimal || res.Bound != 55 {
		t.Fatalf("ft06: makespan %d bound %v status %v, want 55 proved optimal", res.Solution.Makespan, res.Bound, res.Status)
	}
	t.Logf("ft06 proved optimal in %v, %d nodes", time.Since(begin), res.Stats.Nodes)
	if _, err := instances.CheckSchedule(js, res.Solution.Starts); err != nil {
		t.Fatal(err)
	}
}
