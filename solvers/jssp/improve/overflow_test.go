package improve

import (
	"context"
	"errors"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// The search keeps times in 32 bits. Durations near 2^29 made makespans pass 2^30:
// the portfolio failed its own schedule check and the tabu search looped without
// end. Such an instance is refused up front as invalid.
func TestRunRefusesTimesPast32Bits(t *testing.T) {
	op := func(m, d int) instances.Operation { return instances.Operation{Machine: m, Duration: d} }
	const d = 1 << 29
	js := &instances.JobShop{Name: "big", Machines: 3, Jobs: [][]instances.Operation{
		{op(0, d-1), op(1, d-2), op(2, d-3)},
		{op(1, d-4), op(0, d-5), op(2, d-6)},
		{op(2, d-7), op(1, d-8), op(0, d-9)},
	}}
	for _, m := range []Method{Portfolio, Tabu, LNS, Exact} {
		if _, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1, MaxIterations: 200}, Method: m}); !errors.Is(err, instances.ErrInvalidInstance) {
			t.Errorf("%v: %v, want ErrInvalidInstance", m, err)
		}
	}
}
