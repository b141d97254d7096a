package nnsurrogate

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/internal/cpuclock"
)

// benchInputs builds random inputs of the given batch for a model (dynamic dims other than the
// batch are taken from the fixture's own inputs).
func benchInputs(t testing.TB, m *Model, fixture string, batch int) map[string]Tensor {
	ref := readTensors(t, filepath.Join("testdata", "torch", fixture+".in.json"))
	rng := rand.New(rand.NewPCG(1, 2))
	in := map[string]Tensor{}
	for _, vi := range m.Inputs() {
		shape := append([]int(nil), ref[vi.Name].Shape...)
		shape[0] = batch
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			switch vi.DType {
			case "bool":
				data[i] = 1
				if i%shape[len(shape)-1] >= 4 {
					data[i] = 0
				}
			case "int64":
				data[i] = float32(rng.IntN(10))
			default:
				data[i] = float32(rng.NormFloat64())
			}
		}
		in[vi.Name] = Tensor{Shape: shape, Data: data}
	}
	return in
}

func benchModel(b *testing.B, fixture string, batch int) {
	m, err := Load(filepath.Join("testdata", "torch", fixture+"_op13.onnx"))
	if err != nil {
		b.Fatal(err)
	}
	in := benchInputs(b, m, fixture, batch)
	b.Run(fmt.Sprintf("fast/B=%d", batch), func(b *testing.B) {
		r, err := m.NewRunner()
		if err != nil {
			b.Fatal(err)
		}
		for name, t := range in {
			if err := r.SetInput(name, t.Data, t.Shape); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		cpu0 := cpuclock.Process()
		for b.Loop() {
			if err := r.Run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuclock.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	})
	b.Run(fmt.Sprintf("gonnx/B=%d", batch), func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuclock.Process()
		for b.Loop() {
			if _, err := m.RunEngine(Interpreter, in); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuclock.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	})
}

func BenchmarkMLP(b *testing.B) {
	benchModel(b, "mlp", 1)
	benchModel(b, "mlp", 256)
}

func BenchmarkAttention(b *testing.B) { benchModel(b, "attention", 1) }

func BenchmarkDeepSets(b *testing.B) { benchModel(b, "deepsets_sum", 1) }

func BenchmarkPolicy(b *testing.B) { benchModel(b, "policy", 1) }

func BenchmarkTransformer(b *testing.B) { benchModel(b, "transformer", 1) }
