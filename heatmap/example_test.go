package heatmap_test

import (
	"fmt"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
)

func ExampleGTPrior() {
	p, _ := instances.GenerateUniform(500, 1)
	h := heatmap.GTPrior(p).Symmetrize()
	// Candidates by the reference rule: by heatmap value, none below 1e-4, at most 5.
	c := h.Candidates(5, 1e-4)
	fmt.Println(len(c.Of(0)), len(heatmap.GTPriorTable(500)))
	// Output: 5 24
}
