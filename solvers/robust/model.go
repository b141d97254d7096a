package robust

import (
	"bytes"
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
// epochs; held-out MAE 2.1–3.5 % of the per-n label range).
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
// l; a model trained for another shipped problem is named as such.
func CheckModelFor(m *nnsurrogate.Model, l Layout) error {
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
