package robust_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers/robust"
)

func ExampleEvaluate() {
	// Three items, capacity 10, budget Γ = 1.5: p̄ p̂ t c f per item.
	k, _ := instances.ReadRobustKnapsack(strings.NewReader("3 10 1.5\n10 4 2 5 12\n8 8 1 3 9\n6 3 0 4 7\n"), "tiny")
	x, _ := instances.ParseFirstStage("111", k.N())
	ev, _ := robust.Evaluate(context.Background(), k, x, robust.EvalSettings{})
	fmt.Printf("worst-case profit %.4g under ξ = %.3g\n", ev.Profit, ev.Scenario)
	// Output:
	// worst-case profit 13 under ξ = [1 0.5 0]
}
