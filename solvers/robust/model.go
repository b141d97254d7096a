package robust

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/cosolve/cosolve/nnsurrogate"
)

//go:embed models/kp_value.onnx
var defaultModelONNX []byte

var defaultModel = sync.OnceValues(func() (*nnsurrogate.Model, error) {
	return nnsurrogate.LoadReader(bytes.NewReader(defaultModelONNX))
})

// DefaultModel is the shipped value network (models/kp_value.onnx), trained by
// `cosolve robust train` with its defaults on generated instances.
func DefaultModel() (*nnsurrogate.Model, error) { return defaultModel() }

// CheckModel reports whether m has the set-encoder structure Solve needs.
func CheckModel(m *nnsurrogate.Model) error {
	g, err := m.Blocks()
	if err != nil {
		return err
	}
	_, err = parseNetwork(g)
	return err
}
