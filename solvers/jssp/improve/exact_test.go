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
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Method: Exact, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Makespan != 55 || res.Status != solvers.Optimal || res.Bound != 55 {
		t.Fatalf("ft06: makespan %d bound %d status %v, want 55 proved optimal", res.Makespan, res.Bound, res.Status)
	}
	t.Logf("ft06 proved optimal in %v, %d nodes", time.Since(begin), res.Stats.Nodes)
	if _, err := instances.CheckSchedule(js, res.Starts); err != nil {
		t.Fatal(err)
	}
}
