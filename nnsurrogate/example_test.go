package nnsurrogate_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/cosolve/cosolve/nnsurrogate"
)

// Load a PyTorch-exported model and evaluate it many times without allocating.
func Example() {
	m, err := nnsurrogate.Load(filepath.Join("testdata", "torch", "mlp_op13.onnx"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range m.Inputs() {
		fmt.Println("input", in.Name, in.Shape) // -1: dynamic (batch)
	}
	r, err := m.NewRunner() // one per goroutine
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float32, 16)
	for i := range x {
		x[i] = 0.1 * float32(i)
	}
	if err := r.SetInput("x", x, []int{1, 16}); err != nil {
		fmt.Println(err)
		return
	}
	if err := r.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output", r.OutputShape("y"), len(r.Output("y")))
	// Output:
	// input x [-1 16]
	// output [1 1] 1
}

// Train a small network in Go, write it as ONNX and run the file.
func ExampleNetwork() {
	n := nnsurrogate.NewNetwork(1)
	h := n.ReLU(n.Dense(n.Input("x", 2), 16, true))
	n.SetOutput("y", n.Dense(h, 1, true))

	// y = x0 - 2·x1 on a grid.
	var xs, ys []float64
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			a, b := float64(i)/8-1, float64(j)/8-1
			xs = append(xs, a, b)
			ys = append(ys, a-2*b)
		}
	}
	data := nnsurrogate.Batch{N: len(ys), Inputs: map[string][]float64{"x": xs}}
	hist, err := n.Fit(context.Background(), data, ys, nnsurrogate.FitSettings{Epochs: 200, BatchSize: 32, LR: 1e-2, Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("loss below 1e-3:", hist[len(hist)-1] < 1e-3)

	var buf bytes.Buffer
	if err := n.WriteONNX(&buf); err != nil {
		fmt.Println(err)
		return
	}
	m, err := nnsurrogate.LoadReader(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Run(map[string]nnsurrogate.Tensor{"x": {Shape: []int{1, 2}, Data: []float32{0.5, -0.25}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("f(0.5, -0.25) ≈ %.1f\n", out["y"].Data[0])
	// Output:
	// loss below 1e-3: true
	// f(0.5, -0.25) ≈ 1.0
}
