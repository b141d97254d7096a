package mcts_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

// knapsack decides, item by item, whether to pack it; the value is what was
// packed, and an item that does not fit is not offered.
type knapsack struct {
	weight, value []int // shared, read-only
	capacity      int
	next, w, v    int
	taken         []int32
}

func (k *knapsack) Actions(buf []int32) []int32 {
	buf = append(buf, 0)
	if k.w+k.weight[k.next] <= k.capacity {
		buf = append(buf, 1)
	}
	return buf
}

func (k *knapsack) Apply(a int32) error {
	if a == 1 {
		if k.w+k.weight[k.next] > k.capacity {
			return fmt.Errorf("item %d does not fit", k.next)
		}
		k.w += k.weight[k.next]
		k.v += k.value[k.next]
	}
	k.taken = append(k.taken, a)
	k.next++
	return nil
}

func (k *knapsack) Terminal() bool { return k.next == len(k.weight) }
func (k *knapsack) Value() float64 { return float64(k.v) }
func (k *knapsack) CopyFrom(src *knapsack) {
	*k = knapsack{src.weight, src.value, src.capacity, src.next, src.w, src.v, append(k.taken[:0], src.taken...)}
}

// ratio favours packing items of high value per weight and rolls out at
// random.
type ratio struct{ buf []int32 }

func (r *ratio) Priors(k *knapsack, actions []int32, priors []float64) error {
	for i, a := range actions {
		priors[i] = 1
		if a == 1 {
			priors[i] = float64(k.value[k.next]) / float64(k.weight[k.next])
		}
	}
	return nil
}

func (r *ratio) Evaluate(k *knapsack, rng *rand.Rand, _ *solvers.Budget, trail []int32) (float64, []int32, bool, error) {
	for !k.Terminal() {
		r.buf = k.Actions(r.buf[:0])
		a := r.buf[rng.IntN(len(r.buf))]
		if err := k.Apply(a); err != nil {
			return 0, nil, false, err
		}
		trail = append(trail, a)
	}
	return k.Value(), trail, true, nil
}

// A knapsack built by committing one decision at a time, each after 500
// simulations. With max backup (the default) a decision is worth the best
// packing found below it; the mean of random rollouts (Backup: mcts.Mean)
// prefers packing the first item, which the best packing leaves out.
func ExampleTree_Construct() {
	inst := func() *knapsack {
		return &knapsack{weight: []int{5, 4, 6, 3, 7, 2}, value: []int{10, 40, 30, 50, 35, 15}, capacity: 12}
	}
	tree, err := mcts.New(inst(), []mcts.Worker[*knapsack]{{State: inst(), Eval: &ratio{}}}, mcts.Config{Seed: 1, Phase: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := tree.Construct(solvers.NewBudget(context.Background(), 0), 500, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("taken", tree.Root().taken, "value", tree.Root().Value())
	// Output: taken [0 1 0 1 0 1] value 105
}
