package jssp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

// TestRuleSimMatchesEnv: from states reached by random decisions (No-Op
// included) on random shops with zero durations and repeated machines, and on
// ft10 and ta01, the constraint-free simulation dispatches exactly what the
// environment does under every rule: the same decisions, starts and makespan.
func TestRuleSimMatchesEnv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shops := []*instances.JobShop{loadNamed(t, "ft10"), loadNamed(t, "ta01")}
	for trial := 0; trial < 60; trial++ {
		js := &instances.JobShop{Name: fmt.Sprint("r", trial), Machines: 1 + rng.IntN(5)}
		for j := 0; j < 1+rng.IntN(8); j++ {
			var ops []instances.Operation
			for k := 0; k < 1+rng.IntN(12); k++ {
				ops = append(ops, instances.Operation{Machine: rng.IntN(js.Machines), Duration: rng.IntN(6)})
			}
			js.Jobs = append(js.Jobs, ops)
		}
		shops = append(shops, js)
	}
	b := solvers.NewBudget(context.Background(), 0)
	for _, js := range shops {
		env, err := NewEnv(js)
		if err != nil {
			t.Fatal(err)
		}
		for cut := 0; cut < 4; cut++ {
			env.Reset()
			decisions := 0
			for n := rng.IntN(js.NumOperations() + 1); n > 0 && !env.Done(); n-- {
				decisions++
				var legal []int
				for a := 0; a <= env.J; a++ {
					if env.Legal(a) {
						legal = append(legal, a)
					}
				}
				env.Act(legal[rng.IntN(len(legal))])
			}
			for _, r := range Rules {
				ref := env.Clone()
				ro, _ := newRollout(ref, r)
				ro.record = true
				if _, err := ro.finish(0, nil, b); err != nil {
					t.Fatal(err)
				}
				sim := newRuleSim(env, r, newRuleTables(env))
				var trail []int32
				ms, complete := sim.run(env, &trail, b)
				if !complete || ms != ref.Makespan() || !slices.Equal(trail, ro.trail) || !slices.Equal(sim.starts, ref.lb[:ref.total]) {
					t.Fatalf("%s %s after %d decisions: simulation makespan %d, environment %d; decisions %v vs %v",
						js.Name, r, decisions, ms, ref.Makespan(), trail, ro.trail)
				}
			}
		}
	}
}
