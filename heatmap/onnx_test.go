package heatmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// fixture is testdata/gnn.onnx, a graph network exported by
// testdata/make_fixture.py, with PyTorch's output on one input.
const fixture = "testdata/gnn.onnx"

type golden struct {
	RawCoords nnsurrogate.Tensor `json:"raw_coords"`
	Coords    nnsurrogate.Tensor `json:"coords"`
	Edges     nnsurrogate.Tensor `json:"edges"`
	Scores    nnsurrogate.Tensor `json:"scores"`
}

func readGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/gnn.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		if x := math.Abs(float64(a[i]) - float64(b[i])); x > d || math.IsNaN(x) {
			d = x
		}
	}
	return d
}

// Both engines must compute PyTorch's scores on the golden input.
func TestONNXFixtureMatchesTorch(t *testing.T) {
	g := readGolden(t)
	om, err := LoadONNX(fixture)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]nnsurrogate.Tensor{ONNXCoords: g.Coords, ONNXEdges: g.Edges}
	for _, e := range []nnsurrogate.Engine{nnsurrogate.Fast, nnsurrogate.Interpreter} {
		out, err := om.Model().RunEngine(e, in)
		if err != nil {
			t.Fatalf("%v: %v", e, err)
		}
		d := maxAbsDiff(out[ONNXScores].Data, g.Scores.Data)
		t.Logf("%v engine: max |ours − PyTorch| = %.3g", e, d)
		if d > 1e-5 {
			t.Errorf("%v engine: scores differ from PyTorch's by %g", e, d)
		}
	}
}

// goldenInstance is the fixture's raw coordinates as an instance.
func goldenInstance(t *testing.T, g golden) *instances.TSP {
	t.Helper()
	n := g.RawCoords.Shape[0]
	x, y := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		x[i], y[i] = float64(g.RawCoords.Data[2*i]), float64(g.RawCoords.Data[2*i+1])
	}
	p, err := instances.NewCoordTSP("golden", instances.Euclidean, x, y)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The script normalises and finds neighbours as the contract says; so must
// ONNXInputs.
func TestONNXInputsMatchScript(t *testing.T) {
	g := readGolden(t)
	coords, nb, k, err := ONNXInputs(goldenInstance(t, g))
	if err != nil {
		t.Fatal(err)
	}
	if k != g.Edges.Shape[1] {
		t.Fatalf("k = %d, the script's %d", k, g.Edges.Shape[1])
	}
	if d := maxAbsDiff(coords, g.Coords.Data); d > 1e-6 {
		t.Errorf("coordinates differ from the script's by %g", d)
	}
	for i, j := range nb.Adj {
		if float32(j) != g.Edges.Data[i] {
			t.Fatalf("edge %d (node %d) is %d, the script's %v", i, i/k, j, g.Edges.Data[i])
		}
	}
}

// pythonWithTorch is /usr/bin/python3 when it imports torch, else "".
func pythonWithTorch() string {
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import torch").Run() != nil {
		return ""
	}
	return py
}

// Re-runs PyTorch on an instance the fixture was not made from.
func TestONNXFixtureLiveTorch(t *testing.T) {
	py := pythonWithTorch()
	if py == "" {
		t.Skip("/usr/bin/python3 with torch not found (apt-get install python3-torch)")
	}
	p, err := instances.GenerateUniform(300, 5)
	if err != nil {
		t.Fatal(err)
	}
	coords, nb, k, err := ONNXInputs(p)
	if err != nil {
		t.Fatal(err)
	}
	in := modelInputs(coords, nb, k, false)
	dir := t.TempDir()
	b, _ := json.Marshal(in)
	if err := os.WriteFile(filepath.Join(dir, "in.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "in.json"))
	outPath := filepath.Join(dir, "out.json")
	cmd := exec.Command(py, "make_fixture.py", "--eval", abs, outPath)
	cmd.Dir = "testdata"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make_fixture.py --eval: %v\n%s", err, out)
	}
	var want map[string]nnsurrogate.Tensor
	b, err = os.ReadFile(outPath)
	if err == nil {
		err = json.Unmarshal(b, &want)
	}
	if err != nil {
		t.Fatal(err)
	}
	om, err := LoadONNX(fixture)
	if err != nil {
		t.Fatal(err)
	}
	got, err := om.Model().RunEngine(nnsurrogate.Fast, in)
	if err != nil {
		t.Fatal(err)
	}
	d := maxAbsDiff(got[ONNXScores].Data, want[ONNXScores].Data)
	t.Logf("n = %d: max |ours − PyTorch| = %.3g", p.N(), d)
	if d > 1e-5 {
		t.Errorf("scores differ from PyTorch's by %g", d)
	}
}

// The heatmap is the symmetrised row softmax, on each node's nearest
// neighbours only, down to instances smaller than ONNXK.
func TestONNXHeatmap(t *testing.T) {
	om, err := LoadONNX(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 5, 11, 200} {
		p, err := instances.GenerateUniform(n, uint64(n))
		if err != nil {
			t.Fatal(err)
		}
		h, err := om.Heatmap(p)
		if err != nil {
			t.Fatalf("n = %d: %v", n, err)
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("n = %d: %v", n, err)
		}
		nb := KNearest(p, min(ONNXK, n-1))
		var total float64
		for i := 0; i < n; i++ {
			cols, vals := h.Row(i)
			for x, j := range cols {
				total += vals[x]
				if h.At(int(j), i) != vals[x] {
					t.Fatalf("n = %d: H[%d][%d] = %g but H[%d][%d] = %g", n, i, j, vals[x], j, i, h.At(int(j), i))
				}
				near := false
				for _, c := range nb.Of(i) {
					near = near || c == j
				}
				for _, c := range nb.Of(int(j)) {
					near = near || int(c) == i
				}
				if !near {
					t.Fatalf("n = %d: entry (%d,%d) is on neither node's candidate list", n, i, j)
				}
			}
		}
		// Every row's softmax sums to 1, and symmetrising keeps the total.
		if math.Abs(total-float64(n)) > 1e-9*float64(n) {
			t.Errorf("n = %d: heatmap total %g, want %d", n, total, n)
		}
	}
}

// contractModel writes a small model over the contract's inputs whose scores
// are f(edges as float32 [n, k]).
func contractModel(t *testing.T, build func(b *graphBuilder, e string) string, inputs []*onnx.ValueInfoProto) string {
	t.Helper()
	b := &graphBuilder{g: &onnx.GraphProto{Name: "test", Input: inputs}}
	e := b.op("Cast", []string{ONNXEdges}, intAttr("to", int64(onnx.TensorProto_FLOAT)))
	out := build(b, e)
	for _, nd := range b.g.Node {
		if nd.Output[0] == out {
			nd.Output[0] = ONNXScores
		}
	}
	b.g.Output = []*onnx.ValueInfoProto{nnsurrogate.TensorInfo(ONNXScores, onnx.TensorProto_FLOAT, "n", "k")}
	raw, err := proto.Marshal(&onnx.ModelProto{IrVersion: 8, OpsetImport: []*onnx.OperatorSetIdProto{{Version: 13}}, Graph: b.g})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestONNXBadModels(t *testing.T) {
	neg := func(b *graphBuilder, e string) string { return b.op("Neg", []string{e}) }
	p, _ := instances.GenerateUniform(50, 1)
	matrix, err := instances.NewExplicitTSP("m", 4, []float64{1, 1, 1, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		build  func(b *graphBuilder, e string) string
		inputs []*onnx.ValueInfoProto
		inst   *instances.TSP
		want   string // in the error; "" = no error
	}{
		{"fine", neg, contractInputs(), p, ""},
		{"wrong input name", neg, []*onnx.ValueInfoProto{
			nnsurrogate.TensorInfo("xy", onnx.TensorProto_FLOAT, "n", 2), nnsurrogate.TensorInfo(ONNXEdges, onnx.TensorProto_INT64, "n", "k")}, p, `unexpected input "xy"`},
		{"one input", neg, []*onnx.ValueInfoProto{nnsurrogate.TensorInfo(ONNXEdges, onnx.TensorProto_INT64, "n", "k")}, p, "1 inputs"},
		{"coords of 3 columns", neg, []*onnx.ValueInfoProto{
			nnsurrogate.TensorInfo(ONNXCoords, onnx.TensorProto_FLOAT, "n", 3), nnsurrogate.TensorInfo(ONNXEdges, onnx.TensorProto_INT64, "n", "k")}, p, "input coords is float32 [-1 3]"},
		{"float edges", neg, []*onnx.ValueInfoProto{
			nnsurrogate.TensorInfo(ONNXCoords, onnx.TensorProto_FLOAT, "n", 2), nnsurrogate.TensorInfo(ONNXEdges, onnx.TensorProto_FLOAT, "n", "k")}, p, "input edges is float32"},
		{"infinite scores", func(b *graphBuilder, e string) string {
			return b.op("Div", []string{e, b.scalar(0)})
		}, contractInputs(), p, "non-finite score"},
		{"wrong number of scores", func(b *graphBuilder, e string) string {
			return b.op("Slice", []string{e, b.ints(0), b.ints(3), b.ints(1)})
		}, contractInputs(), p, "want 50×10"},
		{"no coordinates", neg, contractInputs(), matrix, "needs coordinates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := contractModel(t, tc.build, tc.inputs)
			om, err := LoadONNX(path)
			var h *Heatmap
			if err == nil {
				h, err = om.Heatmap(tc.inst)
			}
			switch {
			case tc.want == "":
				if err != nil || h.Validate() != nil {
					t.Errorf("error %v", err)
				}
			case !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, data string }{{"empty", ""}, {"text", "not a model\n"}} {
		path := filepath.Join(t.TempDir(), "bad.onnx")
		if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadONNX(path); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s file: error %v, want ErrInvalid", tc.name, err)
		}
	}
}

// Whatever the bytes, loading and running a model ends in a model or an error
// wrapping ErrInvalid, never a panic.
func FuzzONNXModel(f *testing.F) {
	for _, path := range []string{fixture, "models/tsp-edge.onnx"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	p, err := instances.GenerateUniform(20, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := nnsurrogate.LoadReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		om, err := NewONNXModel(m, "fuzz")
		if err == nil {
			_, err = om.Heatmap(p)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
	})
}
