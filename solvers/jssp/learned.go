package jssp

import (
	"bytes"
	_ "embed"
	"sync"
)

//go:embed models/policy.onnx
var learnedONNX []byte

// LearnedName is the policy name of the shipped network.
const LearnedName = "learned"

var learned = sync.OnceValues(func() (Policy, error) {
	p, err := ReadPolicy(bytes.NewReader(learnedONNX), "models/policy.onnx")
	if np, ok := p.(*NetworkPolicy); ok {
		np.Label = LearnedName
	}
	return p, err
})

// LearnedPolicy is the dispatching policy shipped with cosolve
// (models/policy.onnx): the reference architecture trained from scratch by
// `cosolve jssp train` on generated instances only (see benchmarks/RESULTS.md
// for the run and its figures).
func LearnedPolicy() (Policy, error) { return learned() }
