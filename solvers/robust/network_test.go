package robust

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/nnsurrogate"
)

// tinyModel trains a small network briefly on a small generated data set.
func tinyModel(t *testing.T) (*nnsurrogate.Network, *Dataset, Validation) {
	t.Helper()
	ds, err := GenerateData(context.Background(), DataSettings{Family: KnapsackFamily{Sizes: []int{10, 14}}, Instances: 12, FirstStages: 4, Scenarios: 6, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	net, val, err := Train(context.Background(), ds, TrainSettings{Epochs: 15, BatchSize: 32, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return net, ds, val
}

func TestGoForwardMatchesNetwork(t *testing.T) {
	net, ds, val := tinyModel(t)
	if len(val.Sizes) == 0 || val.WorstRatio <= 0 || math.IsNaN(val.WorstRatio) {
		t.Fatalf("validation %+v", val)
	}
	model, err := net.Model()
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.Blocks()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := parseNetwork(g, knapsackLayout)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 20; j++ {
		b, _ := ds.batch([]int{j * 7})
		want, _, err := net.Forward(b)
		if err != nil {
			t.Fatal(err)
		}
		smp := ds.Samples[j*7]
		pred := &predictor{prob: ds.Instances[smp.Instance], f: ds.Instances[smp.Instance].Features(), net: enc}
		got := enc.value(pred.px(smp.X), pred.pxi(smp.Xi))
		if math.Abs(got-want[0]) > 1e-4*math.Max(1, math.Abs(want[0])) {
			t.Fatalf("sample %d: Go forward %v, network %v", j, got, want[0])
		}
	}
}

func TestParseNetworkRejectsOtherShapes(t *testing.T) {
	net := nnsurrogate.NewNetwork(1)
	in := net.SetInput(InputX, ItemFeatures)
	net.SetOutput(Output, net.Dense(net.SumPool(in), 1, true))
	model, err := net.Model()
	if err != nil {
		t.Fatal(err)
	}
	g, err := model.Blocks()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseNetwork(g, knapsackLayout); err == nil {
		t.Fatal("accepted a network without the set-encoder structure")
	}
}

func TestDefaultModel(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckModel(m); err != nil {
		t.Fatal(err)
	}
	// The ONNX runtime and the Go encoding path agree on the shipped weights.
	g, _ := m.Blocks()
	enc, err := parseNetwork(g, knapsackLayout)
	if err != nil {
		t.Fatal(err)
	}
	k := randomKnapsack(rand.New(rand.NewPCG(2, 3)), 12)
	feats := itemFeatures(k)
	x := []bool{true, false, true, true, false, true, true, true, false, true, true, false}
	xi := randomScenario(rand.New(rand.NewPCG(4, 5)), k)
	rows := func(d []float64) nnsurrogate.Tensor {
		data := make([]float32, 0, len(d)*ItemFeatures)
		for i, v := range d {
			data = append(data, float32(v))
			for _, f := range feats[6*i : 6*i+6] {
				data = append(data, float32(f))
			}
		}
		return nnsurrogate.Tensor{Shape: []int{1, len(d), ItemFeatures}, Data: data}
	}
	out, err := m.Run(map[string]nnsurrogate.Tensor{InputX: rows(boolsToFloats(x)), InputXi: rows(xi)})
	if err != nil {
		t.Fatal(err)
	}
	prob, err := NewKnapsackProblem(k)
	if err != nil {
		t.Fatal(err)
	}
	pred := &predictor{prob: prob, f: prob.Features(), net: enc}
	got := enc.value(pred.px(x), pred.pxi(xi))
	if want := float64(out[Output].Data[0]); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Fatalf("Go path %v, ONNX runtime %v", got, want)
	}
}

func boolsToFloats(x []bool) []float64 {
	f := make([]float64, len(x))
	for i, v := range x {
		if v {
			f[i] = 1
		}
	}
	return f
}
