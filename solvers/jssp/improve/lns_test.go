package improve

import (
	"context"
	"testing"

	"github.com/cosolve/cosolve/solvers"
)

// A round must stop at its work cap even on the widest neighbourhood (the whole
// schedule free), where 2000 nodes used to cost seconds: MaxIterations counts
// rounds, so the cap is what makes an iteration budget bound the run.
func TestLNSRoundWorkIsCapped(t *testing.T) {
	js := loadNamed(t, "ta01")
	g, err := NewGraph(js, mwkrStart(js))
	if err != nil {
		t.Fatal(err)
	}
	l := newLNS(g, 1)
	l.machines = false // window neighbourhoods only, so the width below applies
	st := solvers.NewBudget(context.Background(), 0)
	// The cap is checked between machines and at each node, so a round may pass
	// it by one node's own passes plus one machine's propagation.
	k := int64(l.c.longest)
	slack := 8*int64(g.n) + k + k*k*k
	capped := false
	for r := 0; r < 3; r++ {
		l.width = 1
		l.round(st)
		if l.c.work > l.c.maxWork+slack {
			t.Errorf("round %d: %d propagation steps, cap %d", r, l.c.work, l.c.maxWork)
		}
		capped = capped || l.c.aborted && l.c.nodes < l.nodes
	}
	if !capped {
		t.Errorf("no round was cut by the work cap: the test no longer exercises it")
	}
}
