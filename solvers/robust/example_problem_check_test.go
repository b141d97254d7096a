package robust_test

import (
	"context"
	"math"
	"testing"
)

// TestExampleProblemIsOptimal checks ExampleProblem's answer against every
// first stage of the toy instance.
func TestExampleProblemIsOptimal(t *testing.T) {
	r, res, err := solveResale()
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(-1)
	for _, x := range allSelections(r.N()) {
		if r.CheckFirstStage(x) != nil {
			continue
		}
		as, _ := r.Evaluate(context.Background(), x, nil)
		best = math.Max(best, as.Worth)
	}
	if math.Abs(res.Objective-best) > 1e-9 {
		t.Fatalf("example reports %v, enumeration finds %v", res.Objective, best)
	}
}
