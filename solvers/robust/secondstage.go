package robust

import (
	"math"

	"github.com/cosolve/cosolve/instances"
)

// SecondStage solves the second stage of a robust knapsack exactly: with x and ξ
// fixed, each selected item is outsourced (profit p̄−f), produced (p̄−p̂ξ, weight c)
// or repaired (p̄, weight c+t) within the capacity. This is a multiple-choice
// knapsack with integer weights, solved by dynamic programming over capacity in
// O(|x|·C') time, C' = min(C, Σ_{i∈x} c_i+t_i).
//
// A SecondStage keeps its buffers between calls, so repeated solves allocate
// nothing once the largest capacity has been seen. It is not safe for concurrent use.
type SecondStage struct {
	k      *instances.RobustKnapsack
	best   []float64 // best[w]: largest saving over outsourcing everything within capacity w
	choice []uint8   // choice[j*(cap+1)+w]: option of the j-th selected item at capacity w
	items  []int
}

// Second-stage options of one selected item.
const (
	optOutsource uint8 = iota
	optProduce
	optRepair
)

// NewSecondStage prepares a solver for k.
func NewSecondStage(k *instances.RobustKnapsack) *SecondStage {
	return &SecondStage{k: k}
}

// Solve returns the best total profit of the first stage x under scenario ξ (the
// first-stage profit included), and writes the optimal recourse into y (produced)
// and r (repaired) when they are non-nil. x, ξ, y and r have one entry per item.
func (s *SecondStage) Solve(x []bool, xi []float64, y, r []bool) float64 {
	k := s.k
	s.items = s.items[:0]
	base, total := 0.0, 0
	for i, in := range x {
		if !in {
			continue
		}
		s.items = append(s.items, i)
		base += k.Profit[i] - k.Outsource[i]
		total += k.Weight[i] + k.RepairWeight[i]
	}
	capacity := min(k.Capacity, total)
	if cap(s.best) < capacity+1 {
		s.best = make([]float64, capacity+1)
	}
	best := s.best[:capacity+1]
	clear(best)
	width := capacity + 1
	need := len(s.items) * width
	if cap(s.choice) < need {
		s.choice = make([]uint8, need)
	}
	choice := s.choice[:need]
	for j, i := range s.items {
		c1 := k.Weight[i]
		c2 := c1 + k.RepairWeight[i]
		save1 := k.Outsource[i] - k.Degradation[i]*xi[i]
		save2 := k.Outsource[i]
		row := choice[j*width : (j+1)*width]
		// Descending capacities read best[w−c] before this item updates it, the
		// usual in-place 0/1 order; each item contributes at most one option. The
		// loop is split by capacity so the hot part has no bound tests.
		w := capacity
		if save1 > 0 {
			for ; w >= c2 && w >= c1; w-- {
				v, o := best[w], optOutsource
				if p := best[w-c1] + save1; p > v {
					v, o = p, optProduce
				}
				if p := best[w-c2] + save2; p > v {
					v, o = p, optRepair
				}
				best[w] = v
				row[w] = o
			}
			for ; w >= c1; w-- {
				if p := best[w-c1] + save1; p > best[w] {
					best[w], row[w] = p, optProduce
				} else {
					row[w] = optOutsource
				}
			}
		} else {
			for ; w >= c2; w-- {
				if p := best[w-c2] + save2; p > best[w] {
					best[w], row[w] = p, optRepair
				} else {
					row[w] = optOutsource
				}
			}
		}
		for ; w >= 0; w-- {
			row[w] = optOutsource
		}
	}
	value := base + best[capacity]
	if y != nil || r != nil {
		for i := range x {
			if y != nil {
				y[i] = false
			}
			if r != nil {
				r[i] = false
			}
		}
		w := capacity
		for j := len(s.items) - 1; j >= 0; j-- {
			i := s.items[j]
			switch choice[j*width+w] {
			case optProduce:
				setTrue(y, i)
				w -= k.Weight[i]
			case optRepair:
				setTrue(y, i)
				setTrue(r, i)
				w -= k.Weight[i] + k.RepairWeight[i]
			}
		}
	}
	return value
}

func setTrue(b []bool, i int) {
	if b != nil {
		b[i] = true
	}
}

// SolveJoint chooses the first stage too: it maximises the total profit under the
// fixed scenario ξ over x, y and r together (each item is left out, outsourced,
// produced or repaired), writes the decisions into x, y and r and returns the profit.
// It is the exact deterministic counterpart of the robust problem for one scenario.
func (s *SecondStage) SolveJoint(xi []float64, x, y, r []bool) float64 {
	k := s.k
	all := make([]bool, k.N())
	for i := range all {
		all[i] = true
	}
	// With every item selected, the DP's "outsource" option is worth p̄−f; an item
	// whose outsourced profit is negative is better left out, which only raises the
	// zero-weight option, so solve with f' = min(f, p̄) and map back.
	capped := *k
	capped.Outsource = make([]float64, len(k.Outsource))
	for i, f := range k.Outsource {
		capped.Outsource[i] = math.Min(f, k.Profit[i])
	}
	inner := &SecondStage{k: &capped, best: s.best, choice: s.choice, items: s.items}
	v := inner.Solve(all, xi, y, r)
	s.best, s.choice, s.items = inner.best, inner.choice, inner.items
	for i := range x {
		x[i] = y[i] || k.Profit[i] > k.Outsource[i]
	}
	return v
}
