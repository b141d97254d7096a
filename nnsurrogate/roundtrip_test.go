package nnsurrogate

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cosolve/cosolve/internal/cpuclock"
)

// smooth16 is the regression target of the round-trip test: a fixed smooth function of 16
// inputs in [-1, 1].
func smooth16(x []float64) float64 {
	s := 0.0
	for _, v := range x[5:] {
		s += v
	}
	return math.Sin(2*x[0]) + x[1]*x[2] + 0.5*math.Cos(x[3]+x[4]) + math.Tanh(s/3)
}

func smoothData(seed uint64, n int) (Batch, []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float64, n*16)
	y := make([]float64, n)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	for i := range y {
		y[i] = smooth16(x[i*16 : (i+1)*16])
	}
	return Batch{N: n, Inputs: map[string][]float64{"x": x}}, y
}

func mlp16(seed uint64) *Network {
	n := NewNetwork(seed)
	h := n.ReLU(n.Dense(n.Input("x", 16), 64, true))
	h = n.ReLU(n.Dense(h, 64, true))
	n.SetOutput("y", n.Dense(h, 1, true))
	return n
}

func variance(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v))
}

// checkRoundTrip writes n to ONNX, loads it back and compares both engines with the float64
// forward pass on b.
func checkRoundTrip(t *testing.T, n *Network, b Batch) {
	t.Helper()
	want, shape, err := n.Forward(b)
	if err != nil {
		t.Fatal(err)
	}
	want = append([]float64(nil), want...)
	var buf bytes.Buffer
	if err := n.WriteONNX(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := LoadReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]Tensor{}
	for _, vi := range m.Inputs() {
		d := b.Inputs[vi.Name]
		f := make([]float32, len(d))
		for i, v := range d {
			f[i] = float32(v)
		}
		s := []int{b.N, len(d) / b.N}
		if len(vi.Shape) == 3 {
			s = []int{b.N, len(d) / b.N / vi.Shape[2], vi.Shape[2]}
		}
		in[vi.Name] = Tensor{Shape: s, Data: f}
	}
	for _, e := range []Engine{Fast, Interpreter} {
		got, err := m.RunEngine(e, in)
		if err != nil {
			t.Fatalf("%v: %v", e, err)
		}
		y := got[n.outName]
		if len(y.Data) != len(want) || len(y.Shape) != len(shape) {
			t.Fatalf("%v: output shape %v, want %v", e, y.Shape, shape)
		}
		d := 0.0
		for i, v := range y.Data {
			d = max(d, math.Abs(float64(v)-want[i]))
		}
		if d > 1e-5 {
			t.Errorf("%v: ONNX output differs from the network by %g", e, d)
		}
		t.Logf("%v engine: max |ONNX − network| = %.2g over %d outputs", e, d, len(want))
	}
}

func TestRoundTripLayers(t *testing.T) {
	for _, tc := range gradCases {
		t.Run(tc.name, func(t *testing.T) {
			n := NewNetwork(5)
			n.SetOutput("out", tc.build(n))
			checkRoundTrip(t, n, tc.batch(rand.New(rand.NewPCG(1, 1))))
		})
	}
}

// TestTrainRoundTrip is acceptance item 1: a 16→64→64→1 ReLU MLP learns smooth16 to a test MSE
// of at most 5 % of the label variance, then survives write → load within 1e-5.
func TestTrainRoundTrip(t *testing.T) {
	train, ty := smoothData(1, 10000)
	test, vy := smoothData(2, 2000)
	n := mlp16(42)
	epochs := 12
	if testing.Short() {
		epochs = 5
	}
	start, cpu0 := time.Now(), cpuclock.Process()
	hist, err := n.Fit(context.Background(), train, ty, FitSettings{Epochs: epochs, BatchSize: 128, LR: 3e-3, Decay: true, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	el, cpu := time.Since(start), cpuclock.Process()-cpu0
	pred, _, err := n.Forward(test)
	if err != nil {
		t.Fatal(err)
	}
	mse, v := MSE(pred, vy, nil), variance(vy)
	t.Logf("%d epochs in %v wall, %v CPU (%.1f ms CPU/epoch); train loss %.4f → %.4f; test MSE %.5f = %.2f %% of label variance %.4f",
		epochs, el.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(cpu.Milliseconds())/float64(epochs), hist[0], hist[len(hist)-1], mse, 100*mse/v, v)
	limit := 0.05
	if testing.Short() {
		limit = 0.10
	}
	if mse > limit*v {
		t.Errorf("test MSE %.5f exceeds %.0f %% of the label variance %.4f", mse, 100*limit, v)
	}
	checkRoundTrip(t, n, Batch{N: 500, Inputs: map[string][]float64{"x": test.Inputs["x"][:500*16]}})
}

// BenchmarkTrainEpoch is acceptance item 4: one epoch of the round-trip task (10k samples,
// batch 128) on the goroutines GOMAXPROCS allows (run with -cpu 1 for one core).
func BenchmarkTrainEpoch(b *testing.B) {
	train, ty := smoothData(1, 10000)
	n := mlp16(42)
	cpu0 := cpuclock.Process()
	for b.Loop() {
		if _, err := n.Fit(context.Background(), train, ty, FitSettings{Epochs: 1, BatchSize: 128, Seed: 9}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuclock.Process()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/epoch")
}

// Same seed and one thread give bit-identical training; more threads change only the order of
// gradient sums.
func TestFitDeterminism(t *testing.T) {
	d, y := smoothData(5, 512)
	fit := func(threads int) []float64 {
		n := mlp16(3)
		h, err := n.Fit(context.Background(), d, y, FitSettings{Epochs: 3, BatchSize: 64, Seed: 4, Threads: threads})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a, b, c := fit(1), fit(1), fit(3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("epoch %d: loss %v then %v with the same seed", i, a[i], b[i])
		}
		if math.Abs(a[i]-c[i]) > 1e-9*max(1, a[i]) {
			t.Errorf("epoch %d: loss %v with 1 thread, %v with 3", i, a[i], c[i])
		}
	}
}

// TestMetadataRoundTrip: what SetMetadata records is read back by
// Model.Metadata, and a model written without any has none.
func TestMetadataRoundTrip(t *testing.T) {
	load := func(n *Network) *Model {
		t.Helper()
		var buf bytes.Buffer
		if err := n.WriteONNX(&buf); err != nil {
			t.Fatal(err)
		}
		m, err := LoadReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	n := mlp16(1)
	if _, ok := load(n).Metadata("label"); ok {
		t.Fatal("a network without metadata wrote some")
	}
	n.SetMetadata("label", "cost")
	n.SetMetadata("kind", "kp")
	n.SetMetadata("label", "saving")
	m := load(n)
	for k, want := range map[string]string{"label": "saving", "kind": "kp"} {
		if got, ok := m.Metadata(k); !ok || got != want {
			t.Errorf("metadata %q: %q (%v), want %q", k, got, ok, want)
		}
	}
}
