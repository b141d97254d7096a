package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type tensorJSON struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// TestModelRunMatchesPyTorch runs every committed PyTorch fixture through
// `cosolve model run` on both engines and compares with PyTorch's own outputs.
func TestModelRunMatchesPyTorch(t *testing.T) {
	models, err := filepath.Glob(filepath.Join("..", "nnsurrogate", "testdata", "torch", "*_op1?.onnx"))
	if err != nil || len(models) < 10 {
		t.Fatalf("fixtures: %v (%d found)", err, len(models))
	}
	for _, model := range models {
		base := strings.TrimSuffix(model, filepath.Ext(model))
		base = base[:strings.LastIndex(base, "_op")]
		want := map[string]tensorJSON{}
		raw, err := os.ReadFile(base + ".out.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		for _, engine := range []string{"fast", "interpreter"} {
			code, out, errOut := run(t, "", "model", "run", model, "--input", base+".in.json", "--engine", engine)
			if code != 0 {
				t.Errorf("%s (%s): exit %d: %s", model, engine, code, errOut)
				continue
			}
			got := map[string]tensorJSON{}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%s: output is not JSON: %v", model, err)
			}
			for name, w := range want {
				g, ok := got[name]
				if !ok || len(g.Data) != len(w.Data) {
					t.Errorf("%s (%s): output %q missing or of the wrong size", model, engine, name)
					continue
				}
				for i := range w.Data {
					if math.Abs(g.Data[i]-w.Data[i]) > 1e-5*math.Max(1, math.Abs(w.Data[i])) {
						t.Errorf("%s (%s): %s[%d] = %v, PyTorch %v", model, engine, name, i, g.Data[i], w.Data[i])
						break
					}
				}
			}
		}
	}
}

func TestModelInfoAndBadInput(t *testing.T) {
	mlp := filepath.Join("..", "nnsurrogate", "testdata", "torch", "mlp_op13.onnx")
	code, out, errOut := run(t, "", "model", "info", mlp)
	if code != 0 || !strings.Contains(out, "Gemm") {
		t.Fatalf("model info: exit %d, %q %q", code, out, errOut)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.onnx")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	wrongInput := filepath.Join(dir, "in.json")
	os.WriteFile(wrongInput, []byte(`{"nosuch": {"shape": [1, 16], "data": [`+strings.Repeat("0,", 15)+`0]}}`), 0o644)
	cases := [][]string{
		{"model", "info", bad},
		{"model", "info", filepath.Join(dir, "missing.onnx")},
		{"model", "run", mlp, "--input", wrongInput},
		{"model", "run", mlp},
	}
	for _, args := range cases {
		if code, _, _ := run(t, "", args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
