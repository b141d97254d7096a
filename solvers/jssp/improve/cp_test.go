package improve

import (
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// With every machine order fixed the CP search must find exactly the graph's
// makespan: a schedule ending by it exists, none ending one unit earlier. A
// relaxed window must still contain the incumbent (no over-pruning of the
// prefix/suffix rules).
func TestCPFixedAndWindowNeighbourhoods(t *testing.T) {
	for _, js := range []*instances.JobShop{loadNamed(t, "ft10"), instances.GenerateJobShop(8, 5, 4)} {
		for seed := uint64(0); seed < 4; seed++ {
			g, err := NewGraph(js, randomStart(js, seed))
			if err != nil {
				t.Fatal(err)
			}
			c := newCP(g)
			ms := g.Makespan()
			fixed := make([]bool, js.Machines)
			for _, tc := range []struct {
				name    string
				relaxed []bool
				t0, t1  int32
				target  int
				want    bool
			}{
				{"fixed at makespan", fixed, 0, 0, ms, true},
				{"fixed below makespan", fixed, 0, 0, ms - 1, false},
				{"window at makespan", nil, int32(ms / 3), int32(ms / 2), ms, true},
			} {
				c.reset(g, tc.relaxed, tc.t0, tc.t1)
				c.target, c.found, c.nodes, c.maxNode = int32(tc.target), false, 0, 200000
				complete := c.solve(func() {})
				if c.found != tc.want {
					t.Errorf("%s seed %d %s: found %v, want %v (complete %v)", js.Name, seed, tc.name, c.found, tc.want, complete)
					continue
				}
				if c.found {
					h := g.Clone()
					if !h.loadStarts(c.bestStarts) || h.Makespan() > tc.target {
						t.Errorf("%s seed %d %s: solution makespan %d above target %d", js.Name, seed, tc.name, h.Makespan(), tc.target)
					}
				} else if !complete {
					t.Errorf("%s seed %d %s: search did not finish", js.Name, seed, tc.name)
				}
			}
			if lb := c.rootBound(g, TrivialBound(js), ms); lb > ms || lb < TrivialBound(js) {
				t.Errorf("%s: root bound %d outside [%d, %d]", js.Name, lb, TrivialBound(js), ms)
			}
		}
	}
}
