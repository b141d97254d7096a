package improve_test

import (
	"context"
	"fmt"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

// A 3×3 job shop improved from a poor start (jobs run one after another) and
// proved optimal by the exact search.
func ExampleRun() {
	op := func(m, d int) instances.Operation { return instances.Operation{Machine: m, Duration: d} }
	js := &instances.JobShop{Name: "3x3", Machines: 3, Jobs: [][]instances.Operation{
		{op(0, 3), op(1, 2), op(2, 2)},
		{op(0, 2), op(2, 1), op(1, 4)},
		{op(1, 4), op(2, 3), op(0, 1)},
	}}
	// Start: job 0, then job 1, then job 2, each operation after the previous one.
	start, t := make([][]int, 3), 0
	for j, ops := range js.Jobs {
		for _, o := range ops {
			start[j] = append(start[j], t)
			t += o.Duration
		}
	}
	res, err := improve.Run(context.Background(), js, start, improve.Settings{Limits: solvers.Limits{Threads: 1}, Method: improve.Exact})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Stats.StartMakespan, "→", res.Solution.Makespan, res.Status)
	// Output: 22 → 11 optimal
}
