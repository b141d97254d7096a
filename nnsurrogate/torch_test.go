package nnsurrogate

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// torchFixtures are the models made by testdata/torch/make_fixtures.py.
var torchFixtures = []string{"mlp", "deepsets_sum", "deepsets_mean", "attention", "embed", "policy", "setencoder", "misc", "transformer"}

func readTensors(t testing.TB, path string) map[string]Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]Tensor
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if x == y {
			continue
		}
		d = max(d, math.Abs(x-y))
		if math.IsNaN(x) || math.IsNaN(y) {
			d = math.Inf(1)
		}
	}
	return d
}

func compareOutputs(t *testing.T, what string, got, want map[string]Tensor, tol float64) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: output %q missing", what, name)
			continue
		}
		if fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) {
			t.Errorf("%s: output %q shape %v, want %v", what, name, g.Shape, w.Shape)
			continue
		}
		if d := maxAbsDiff(g.Data, w.Data); d > tol {
			t.Errorf("%s: output %q differs by %g (tolerance %g)", what, name, d, tol)
		}
	}
}

func TestTorchFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "torch")
	for _, name := range torchFixtures {
		in := readTensors(t, filepath.Join(dir, name+".in.json"))
		want := readTensors(t, filepath.Join(dir, name+".out.json"))
		for _, opset := range []int{13, 17} {
			file := fmt.Sprintf("%s_op%d.onnx", name, opset)
			t.Run(file, func(t *testing.T) {
				m, err := Load(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				if fe, ie := m.EngineStatus(); fe != nil || ie != nil {
					t.Fatalf("engines: fast %v, interpreter %v", fe, ie)
				}
				fast, err := m.RunEngine(Fast, in)
				if err != nil {
					t.Fatalf("fast: %v", err)
				}
				compareOutputs(t, "fast vs torch", fast, want, 1e-5)
				slow, err := m.RunEngine(Interpreter, in)
				if err != nil {
					t.Fatalf("interpreter: %v", err)
				}
				compareOutputs(t, "interpreter vs torch", slow, want, 1e-5)
				compareOutputs(t, "fast vs interpreter", fast, slow, 1e-5)
				for _, batch := range []int{1, 7} {
					in := benchInputs(t, m, name, batch)
					fast, err := m.RunEngine(Fast, in)
					if err != nil {
						t.Fatalf("fast, batch %d: %v", batch, err)
					}
					slow, err := m.RunEngine(Interpreter, in)
					if err != nil {
						t.Fatalf("interpreter, batch %d: %v", batch, err)
					}
					compareOutputs(t, fmt.Sprintf("fast vs interpreter, batch %d", batch), fast, slow, 1e-5)
				}
			})
		}
	}
}
