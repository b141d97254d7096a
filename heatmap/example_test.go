package heatmap_test

import (
	"context"
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

func ExampleAlpha() {
	p, _ := instances.GenerateUniform(1000, 1)
	// The step schedule ends the ascent after a few hundred iterations;
	// MaxIterations caps it for large instances. Either way the result is the
	// same on every machine.
	h, res, err := heatmap.Alpha(context.Background(), p, heatmap.AlphaOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Each node's 5 lowest-α neighbours, lowest first.
	c := h.Candidates(5, 0)
	fmt.Println(len(c.Of(0)), res.Iterations)
	fmt.Printf("no tour is shorter than %.4f\n", res.Bound)
	// Output:
	// 5 334
	// no tour is shorter than 23.2893
}

func ExampleLoadONNX() {
	// A graph network exported by PyTorch (testdata/make_fixture.py); its
	// weights are random, so the heatmap means nothing, but any model of the
	// contract loads and runs the same way, models/tsp-edge.onnx included.
	m, err := heatmap.LoadONNX("testdata/gnn.onnx")
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := instances.GenerateUniform(500, 1)
	h, err := m.Heatmap(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Row softmaxes over the 10 nearest, symmetrised: a node keeps its own 10
	// candidates and gains those that have it among theirs.
	c := h.Candidates(5, 0)
	fmt.Println(h.N, len(c.Of(0)))
	// Output: 500 5
}
