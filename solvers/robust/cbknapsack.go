package robust

import (
	"cmp"
	"context"
	"slices"
)

// cbKnapsack is capital budgeting's second stage: a 0/1 knapsack with real
// weights (the costs under ξ) and values (k times the revenues), solved by
// depth-first branch and bound over the items in decreasing value per weight
// with the LP (Dantzig) bound. A node is pruned when its bound exceeds the
// best value by no more than cbRelTol of it: Neur2RO's own second stages run at
// Gurobi's default gap of 1e-4, so 1e-9 is exact for every comparison made
// here, and it ends the search where many items share one ratio (at ξ = 0
// every revenue is a fifth of its cost, a subset-sum problem without an exact
// optimality proof short of enumeration). Buffers are kept between solves.
type cbKnapsack struct {
	sw, sv []float64 // weights and values in search order
	free   float64   // value of the items that weigh nothing
	best   float64
	nodes  int
	order  []int     // sortItems' buffers
	w, v   []float64 //
}

const (
	cbRelTol = 1e-9
	// cbPollNodes is how many nodes pass between context checks.
	cbPollNodes = 4096
)

func (k *cbKnapsack) reset() {
	k.sw, k.sv, k.free = k.sw[:0], k.sv[:0], 0
}

// add offers an item; worthless items are dropped and weightless ones taken.
// Items must come in decreasing value per weight, or be sorted by sortItems.
func (k *cbKnapsack) add(w, v float64) {
	switch {
	case v <= 0:
	case w <= 0:
		k.free += v
	default:
		k.sw = append(k.sw, w)
		k.sv = append(k.sv, v)
	}
}

// sortItems orders the items offered by decreasing value per weight.
func (k *cbKnapsack) sortItems() {
	n := len(k.sw)
	k.order = k.order[:0]
	for i := 0; i < n; i++ {
		k.order = append(k.order, i)
	}
	slices.SortStableFunc(k.order, func(a, b int) int { return cmp.Compare(k.sv[b]*k.sw[a], k.sv[a]*k.sw[b]) })
	k.w = append(k.w[:0], k.sw...)
	k.v = append(k.v[:0], k.sv...)
	for j, i := range k.order {
		k.sw[j], k.sv[j] = k.w[i], k.v[i]
	}
}

// greedy is the value of taking the items in order while they fit, a lower
// bound on the optimum.
func (k *cbKnapsack) greedy(room float64) float64 {
	val := k.free
	for j, w := range k.sw {
		if w <= room {
			room -= w
			val += k.sv[j]
		}
	}
	return val
}

// solve returns the best value within room.
func (k *cbKnapsack) solve(ctx context.Context, room float64) (float64, error) {
	// A greedy start prunes from the first node.
	k.best, k.nodes = k.greedy(room)-k.free, 0
	err := k.dfs(ctx, 0, room, 0)
	return k.free + k.best, err
}

func (k *cbKnapsack) dfs(ctx context.Context, d int, room, val float64) error {
	if k.nodes++; k.nodes%cbPollNodes == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if val > k.best {
		k.best = val
	}
	n := len(k.sw)
	// Skip the items that no longer fit; the bound fills the room fractionally.
	for d < n && k.sw[d] > room {
		d++
	}
	if d == n {
		return nil
	}
	bound, r := val, room
	for j := d; j < n; j++ {
		if k.sw[j] <= r {
			r -= k.sw[j]
			bound += k.sv[j]
			continue
		}
		bound += k.sv[j] * r / k.sw[j]
		break
	}
	if bound <= k.best*(1+cbRelTol) {
		return nil
	}
	if err := k.dfs(ctx, d+1, room-k.sw[d], val+k.sv[d]); err != nil {
		return err
	}
	return k.dfs(ctx, d+1, room, val)
}
