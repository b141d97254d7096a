package improve

import (
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// FreezeMachineShare marks, on every machine, the first frac of its
// operations in the order of starts (rounded down): the part of a plan that
// has run when each machine has done that share of its operations, as
// Settings.Frozen takes it.
func FreezeMachineShare(js *instances.JobShop, starts [][]int, frac float64) [][]bool {
	type op struct{ j, k int }
	byMachine := make([][]op, js.Machines)
	frozen := make([][]bool, len(js.Jobs))
	for j, ops := range js.Jobs {
		frozen[j] = make([]bool, len(ops))
		for k, o := range ops {
			byMachine[o.Machine] = append(byMachine[o.Machine], op{j, k})
		}
	}
	for _, ops := range byMachine {
		slices.SortFunc(ops, func(a, b op) int { return starts[a.j][a.k] - starts[b.j][b.k] })
		for _, o := range ops[:int(max(0, min(1, frac))*float64(len(ops)))] {
			frozen[o.j][o.k] = true
		}
	}
	return frozen
}
