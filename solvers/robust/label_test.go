package robust

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
)

// labelledModel is an untrained knapsack network recording label (none when
// empty).
func labelledModel(t *testing.T, label string) *nnsurrogate.Model {
	t.Helper()
	net := NewValueNetwork(knapsackLayout, NetworkShape{Embed1: 4, Embed2: 3, Post1: 4, Post2: 3, Value: 4}, 5)
	if label != "" {
		net.SetMetadata(LabelMetadata, label)
	}
	var buf bytes.Buffer
	if err := net.WriteONNX(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := nnsurrogate.LoadReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKnapsackLabelSense: the cost label is the saving negated, sample for
// sample, and Train records the sense in the model it writes.
func TestKnapsackLabelSense(t *testing.T) {
	ctx := context.Background()
	data := func(label LabelSense) *Dataset {
		ds, err := GenerateData(ctx, DataSettings{Family: KnapsackFamily{Sizes: []int{20}, Label: label}, Instances: 5, FirstStages: 2, Scenarios: 3, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	saving, cost := data(""), data(LabelCost)
	if len(saving.Samples) != len(cost.Samples) || len(cost.Samples) == 0 {
		t.Fatalf("%d saving samples, %d cost samples", len(saving.Samples), len(cost.Samples))
	}
	for i, s := range saving.Samples {
		if c := cost.Samples[i].Label; c != -s.Label {
			t.Fatalf("sample %d: cost %v, saving %v", i, c, s.Label)
		}
	}
	for _, c := range []struct {
		ds   *Dataset
		want LabelSense
	}{{saving, LabelSaving}, {cost, LabelCost}} {
		net, _, err := Train(ctx, c.ds, TrainSettings{Epochs: 1, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := net.WriteONNX(&buf); err != nil {
			t.Fatal(err)
		}
		m, err := nnsurrogate.LoadReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok, err := ModelLabel(m); got != c.want || !ok || err != nil {
			t.Errorf("trained on %s: the model records %q (%v, %v)", c.want, got, ok, err)
		}
	}
	if _, err := (KnapsackFamily{Label: "profit"}).Instance(rand.New(rand.NewPCG(1, 2)), 1); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("label %q: %v", "profit", err)
	}
}

// TestModelLabelReading: the CCG reads a model by the label it records, a
// setting may repeat it but not contradict it, an unrecorded model is read
// as a cost unless the setting says otherwise, and a saving is read negated.
func TestModelLabelReading(t *testing.T) {
	for _, c := range []struct {
		recorded string
		set      LabelSense
		want     LabelSense
		err      error
	}{
		{"", "", LabelCost, nil},
		{"", LabelSaving, LabelSaving, nil},
		{"", LabelCost, LabelCost, nil},
		{"cost", "", LabelCost, nil},
		{"cost", LabelCost, LabelCost, nil},
		{"cost", LabelSaving, "", solvers.ErrInvalidSettings},
		{"saving", "", LabelSaving, nil},
		{"saving", LabelCost, "", solvers.ErrInvalidSettings},
		{"profit", "", "", ErrModel},
	} {
		got, err := resolveLabel(labelledModel(t, c.recorded), c.set)
		if got != c.want || !errors.Is(err, c.err) && (err != nil || c.err != nil) {
			t.Errorf("recorded %q, set %q: %q, %v; want %q, %v", c.recorded, c.set, got, err, c.want, c.err)
		}
	}
	if err := CheckModel(labelledModel(t, "profit")); !errors.Is(err, ErrModel) {
		t.Errorf("CheckModel of a model with an unknown label: %v", err)
	}
	k, err := instances.GenerateRobustKnapsack(instances.RKPParams{Corr: "UN", N: 20, R: 1000, H: 100, HSmall: 40, BudgetFactor: 0.15, Delta: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	prob, err := NewKnapsackProblem(k)
	if err != nil {
		t.Fatal(err)
	}
	m := labelledModel(t, "")
	asCost, err := newPredictor(prob, m, LabelCost)
	if err != nil {
		t.Fatal(err)
	}
	asSaving, err := newPredictor(prob, m, LabelSaving)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		x := prob.SampleFirstStage(rng)
		xi := make([]float64, k.N())
		prob.SampleScenario(rng, x, trial, xi)
		c := asCost.net.value(asCost.px(x), asCost.pxi(xi))
		s := asSaving.net.value(asSaving.px(x), asSaving.pxi(xi))
		if math.Abs(c+s) > 1e-12*math.Max(1, math.Abs(c)) {
			t.Fatalf("trial %d: read as a cost %v, as a saving %v", trial, c, s)
		}
	}
	_, err = Solve(context.Background(), k, Settings{Model: labelledModel(t, "cost"), ModelLabel: LabelSaving})
	if !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("a saving setting for a cost model: %v", err)
	}
	if _, err := Solve(context.Background(), k, Settings{ModelLabel: "profit"}); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("ModelLabel %q: %v", "profit", err)
	}
	if _, err := Solve(context.Background(), k, Settings{CCGShare: 1.5}); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("CCGShare 1.5: %v", err)
	}
}
