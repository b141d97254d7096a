package jssp_test

import (
	"context"
	"fmt"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp"
)

// A three-job, three-machine shop dispatched with the default rule, FDD/MWKR.
func ExampleSolve() {
	js := &instances.JobShop{Name: "tiny", Machines: 3, Jobs: [][]instances.Operation{
		{{Machine: 0, Duration: 3}, {Machine: 1, Duration: 2}, {Machine: 2, Duration: 2}},
		{{Machine: 0, Duration: 2}, {Machine: 2, Duration: 1}, {Machine: 1, Duration: 4}},
		{{Machine: 1, Duration: 4}, {Machine: 2, Duration: 3}},
	}}
	res, err := jssp.Solve(context.Background(), js, jssp.Settings{})
	if err != nil {
		panic(err)
	}
	fmt.Println("makespan", res.Objective, "lower bound", res.Bound, res.Status)
	fmt.Println(res.Solution.Starts)
	// Output:
	// makespan 12 lower bound 10 feasible
	// [[2 8 10] [0 2 4] [0 4]]
}

// Stepping the environment by hand: dispatch the legal job with the shortest
// next operation until every job is done.
func ExampleEnv() {
	js := &instances.JobShop{Name: "two", Machines: 2, Jobs: [][]instances.Operation{
		{{Machine: 0, Duration: 2}, {Machine: 1, Duration: 3}},
		{{Machine: 0, Duration: 1}, {Machine: 1, Duration: 1}},
	}}
	env, err := jssp.NewEnv(js)
	if err != nil {
		panic(err)
	}
	fmt.Println("makespan", jssp.RunRule(env, jssp.SPT), env.Starts())
	// Output: makespan 6 [[1 3] [0 1]]
}

// The same shop built by tree search: MWKR's priors guide the search, each
// decision gets up to 16 simulations with FDD/MWKR rollouts, and the best
// schedule any rollout found is kept (no time limit, so no improvement
// follows). The tree is small enough to be searched completely: 12 is the
// best non-delay schedule. A rule never waits; the optimum, 11, keeps
// machine 1 idle for one unit, which only a policy that may take No-Op (a
// network) can reach.
func ExampleSolve_mcts() {
	js := &instances.JobShop{Name: "tiny", Machines: 3, Jobs: [][]instances.Operation{
		{{Machine: 0, Duration: 3}, {Machine: 1, Duration: 2}, {Machine: 2, Duration: 2}},
		{{Machine: 0, Duration: 2}, {Machine: 2, Duration: 1}, {Machine: 1, Duration: 4}},
		{{Machine: 1, Duration: 4}, {Machine: 2, Duration: 3}},
	}}
	res, err := jssp.Solve(context.Background(), js, jssp.Settings{
		Method: jssp.MCTS, Policy: jssp.MWKR, MCTS: jssp.MCTSSettings{Simulations: 16},
		// One thread: with several, the workers race to solve the tree and the
		// simulation count varies from run to run.
		Limits: solvers.Limits{Threads: 1},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("makespan", res.Objective, "lower bound", res.Bound, res.Status)
	fmt.Println("simulations", res.Stats.MCTS.Simulations, "of at most", 16*js.NumOperations())
	// Output:
	// makespan 12 lower bound 10 feasible
	// simulations 28 of at most 128
}
