package nnsurrogate

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// neur2ro builds the Neur2RO value network shape in Go (smaller widths).
func neur2ro(seed uint64) *Network {
	n := NewNetwork(seed)
	branch := func(name string) Node {
		h := n.Dense(n.ReLU(n.Dense(n.SetInput(name, 7), 12, false)), 6, false)
		return n.Dense(n.ReLU(n.Dense(n.SumPool(h), 10, false)), 4, false)
	}
	v := n.Concat(branch("x"), branch("xi"))
	n.SetOutput("value", n.Dense(n.ReLU(n.Dense(v, 8, true)), 1, true))
	return n
}

const setEncoderBlocks = "Input Input Dense ReLU Dense SumPool Dense ReLU Dense Dense ReLU Dense SumPool Dense ReLU Dense Concat Dense ReLU Dense"

func kinds(bg *BlockGraph) string {
	var s []string
	for _, b := range bg.Blocks {
		s = append(s, b.Kind.String())
	}
	return strings.Join(s, " ")
}

// evalAgainst compares BlockGraph.Eval with the model's fast path sample by sample.
func evalAgainst(t *testing.T, bg *BlockGraph, m *Model, in map[string]Tensor) {
	t.Helper()
	want, err := m.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	out := m.Outputs()[0].Name
	B := in[m.Inputs()[0].Name].Shape[0]
	w := len(want[out].Data) / B
	for b := 0; b < B; b++ {
		sample := map[string][]float64{}
		for name, t := range in {
			per := len(t.Data) / B
			f := make([]float64, per)
			for i := range f {
				f[i] = float64(t.Data[b*per+i])
			}
			sample[name] = f
		}
		got, err := bg.Eval(sample)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range got[0] {
			if d := math.Abs(v - float64(want[out].Data[b*w+j])); d > 1e-4 {
				t.Fatalf("sample %d output %d: blocks %g, model %g", b, j, v, want[out].Data[b*w+j])
			}
		}
	}
}

func TestBlocksTorchSetEncoder(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "torch", "setencoder_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	bg, err := m.Blocks()
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(bg); got != setEncoderBlocks {
		t.Errorf("blocks:\n got %s\nwant %s", got, setEncoderBlocks)
	}
	evalAgainst(t, bg, m, readTensors(t, filepath.Join("testdata", "torch", "setencoder.in.json")))
}

func TestBlocksNetwork(t *testing.T) {
	n := neur2ro(11)
	bg, err := n.Blocks()
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(bg); got != setEncoderBlocks {
		t.Errorf("blocks:\n got %s\nwant %s", got, setEncoderBlocks)
	}
	m, err := n.Model()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	in := map[string]Tensor{}
	for _, name := range []string{"x", "xi"} {
		d := make([]float32, 3*5*7)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		in[name] = Tensor{Shape: []int{3, 5, 7}, Data: d}
	}
	evalAgainst(t, bg, m, in)
}

func TestBlocksRefused(t *testing.T) {
	for _, file := range []string{"deepsets_sum_op13.onnx", "attention_op13.onnx", "embed_op13.onnx"} {
		m, err := Load(filepath.Join("testdata", "torch", file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Blocks(); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Blocks() = %v, want ErrUnsupported", file, err)
		} else {
			t.Logf("%s: %v", file, err)
		}
	}
}
