package robust

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"sync"

	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
)

var (
	//go:embed models/kp_value.onnx
	kpModelONNX []byte
	//go:embed models/cb_value.onnx
	cbModelONNX []byte
)

// shippedModels are the trained value networks by problem kind, each trained by
// `cosolve robust train` with its defaults on generated instances.
var shippedModels = map[string]func() (*nnsurrogate.Model, error){
	knapsackLayout.Kind: sync.OnceValues(func() (*nnsurrogate.Model, error) {
		return nnsurrogate.LoadReader(bytes.NewReader(kpModelONNX))
	}),
	capitalBudgetingLayout.Kind: sync.OnceValues(func() (*nnsurrogate.Model, error) {
		return nnsurrogate.LoadReader(bytes.NewReader(cbModelONNX))
	}),
}

// DefaultModel is the shipped knapsack value network (models/kp_value.onnx).
func DefaultModel() (*nnsurrogate.Model, error) { return ShippedModel(knapsackLayout.Kind) }

// ShippedModel is the shipped value network for a problem kind: "kp"
// (models/kp_value.onnx) or "cb" (models/cb_value.onnx, `cosolve robust train
// --problem cb`: 50,000 samples of 250 generated instances, n = 10…50, 60
// epochs; held-out MAE 2.1–3.5 % of the per-n label range). Neither records
// its label's sense: the knapsack's is trained on the saving (LabelSaving),
// capital budgeting's on a cost, and both are read as costs unless
// Settings.ModelLabel says otherwise.
func ShippedModel(kind string) (*nnsurrogate.Model, error) {
	load, ok := shippedModels[kind]
	if !ok {
		return nil, solvers.InvalidSetting("Model", "no shipped value network for problem %q: train one (GenerateData, Train)", kind)
	}
	return load()
}

// CheckModel reports whether m has the set-encoder structure Solve needs for
// the knapsack.
func CheckModel(m *nnsurrogate.Model) error { return CheckModelFor(m, knapsackLayout) }

// CheckModelFor reports whether m is a set encoder with the inputs of layout
// l and a known label sense if it records one; a model trained for another
// shipped problem is named as such.
func CheckModelFor(m *nnsurrogate.Model, l Layout) error {
	if _, _, err := ModelLabel(m); err != nil {
		return err
	}
	g, err := m.Blocks()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrModel, err)
	}
	_, err = parseNetwork(g, l)
	return err
}

// LayoutOf is the input layout of a shipped problem kind.
func LayoutOf(kind string) (Layout, bool) {
	for _, l := range layouts {
		if l.Kind == kind {
			return l, true
		}
	}
	return Layout{}, false
}

// LabelSense says what a value network's output measures, and so how the CCG
// reads it: the adversary maximises a prediction oriented as a cost.
type LabelSense string

const (
	// LabelCost grows as the scenario gets worse for the decision maker: the
	// CCG's reading, used as it is (capital budgeting's label, minus the
	// revenue, is one).
	LabelCost LabelSense = "cost"
	// LabelSaving grows as the scenario gets better for the decision maker
	// (the knapsack's saving over outsourcing every selected item, the label
	// of the shipped knapsack model); the CCG negates it.
	LabelSaving LabelSense = "saving"
)

// LabelMetadata is the model metadata key under which Train records the
// label's sense (nnsurrogate.Model.Metadata).
const LabelMetadata = "cosolve.robust.label"

func (l LabelSense) valid() bool { return l == LabelCost || l == LabelSaving }

// ModelLabel is the label sense m records, ok false when it records none
// (models trained before the sense was recorded, the shipped ones included).
// A recorded value other than cost or saving is an ErrModel.
func ModelLabel(m *nnsurrogate.Model) (sense LabelSense, ok bool, err error) {
	v, ok := m.Metadata(LabelMetadata)
	if !ok {
		return "", false, nil
	}
	if sense = LabelSense(v); !sense.valid() {
		return "", true, fmt.Errorf("%w: metadata %s = %q, want %q or %q", ErrModel, LabelMetadata, v, LabelCost, LabelSaving)
	}
	return sense, true, nil
}

// resolveLabel is the sense the CCG reads m's predictions in: the one m
// records, which set (Settings.ModelLabel) may repeat but not contradict, else
// set; "" reads an unrecorded model as a cost, as every model was read before
// the sense was recorded.
func resolveLabel(m *nnsurrogate.Model, set LabelSense) (LabelSense, error) {
	rec, ok, err := ModelLabel(m)
	switch {
	case err != nil:
		return "", err
	case ok && set != "" && set != rec:
		return "", solvers.InvalidSetting("ModelLabel", "%q, but the model was trained on the %q label", set, rec)
	case ok:
		return rec, nil
	}
	return cmp.Or(set, LabelCost), nil
}
