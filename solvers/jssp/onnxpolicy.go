package jssp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/cosolve/cosolve/nnsurrogate"
)

// ErrPolicyContract reports an ONNX model whose inputs or outputs do not follow
// the policy contract (see InputIntervalRep).
var ErrPolicyContract = errors.New("policy does not match the ONNX contract")

// contract lists each input's name and dimensions; 0 marks a free dimension.
var contract = []struct {
	name string
	dims []int
}{
	{InputIntervalRep, []int{0, 0, Window, 4}},
	{InputStartEndTokens, []int{0, 0, Window}},
	{InputAttentionMask, []int{0, 0, Window}},
	{InputIndexInterval, []int{0, 0, Window}},
	{InputJobResourceMask, []int{0, 0, 0}},
	{InputActionMask, []int{0, 0}},
}

// ONNXPolicy evaluates any ONNX model that follows the contract with
// nnsurrogate's allocation-free runner, one state per call (B = 1).
type ONNXPolicy struct {
	Model *nnsurrogate.Model
	Label string
}

func (p *ONNXPolicy) Name() string { return p.Label }

// NewScorer gives the goroutine its own runner and observation buffers.
func (p *ONNXPolicy) NewScorer(env *Env) (Scorer, error) {
	r, err := p.Model.NewRunner()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPolicyContract, p.Label, err)
	}
	J := env.J
	return &onnxScorer{
		r: r, obs: NewObservation(J),
		shapes: [6][]int{{1, J, Window, 4}, {1, J, Window}, {1, J, Window}, {1, J, Window}, {1, J + 1, J + 1}, {1, J + 1}},
	}, nil
}

type onnxScorer struct {
	r      *nnsurrogate.Runner
	obs    *Observation
	shapes [6][]int
}

func (s *onnxScorer) Scores(env *Env, scores []float64) error {
	o := s.obs
	env.Observe(o)
	data := [6][]float32{o.IntervalRep, o.StartEndTokens, o.AttentionMask, o.IndexInterval, o.JobResourceMask(), o.ActionMask}
	for i, c := range contract {
		if err := s.r.SetInput(c.name, data[i], s.shapes[i]); err != nil {
			return fmt.Errorf("%w: %v", ErrPolicyContract, err)
		}
	}
	if err := s.r.Run(); err != nil {
		return err
	}
	logits := s.r.Output(OutputLogits)
	if len(logits) != env.J+1 {
		return fmt.Errorf("%w: logits has %d values for %d actions", ErrPolicyContract, len(logits), env.J+1)
	}
	for a, l := range logits {
		scores[a] = float64(l)
	}
	return nil
}

// ReadPolicy reads an ONNX policy. A model written by Network.WriteONNX runs on
// the specialised pure-Go forward pass (the same function, several times
// faster); any other model must follow the contract and runs through
// nnsurrogate. name labels errors and the policy.
func ReadPolicy(r io.Reader, name string) (Policy, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	mp := &onnx.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		return nil, fmt.Errorf("%w: %s: not an ONNX model: %v", nnsurrogate.ErrInvalidModel, name, err)
	}
	m, err := nnsurrogate.FromProto(mp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkContract(m, name); err != nil {
		return nil, err
	}
	if net, ok := networkFromONNX(mp); ok {
		return &NetworkPolicy{Net: net, Label: name}, nil
	}
	return &ONNXPolicy{Model: m, Label: name}, nil
}

// LoadPolicy reads the ONNX policy at path.
func LoadPolicy(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadPolicy(bytes.NewReader(b), filepath.Base(path))
}

func checkContract(m *nnsurrogate.Model, name string) error {
	inputs := map[string]nnsurrogate.ValueInfo{}
	for _, in := range m.Inputs() {
		inputs[in.Name] = in
	}
	for _, c := range contract {
		in, ok := inputs[c.name]
		if !ok {
			return fmt.Errorf("%w: %s: no input %q", ErrPolicyContract, name, c.name)
		}
		if len(in.Shape) != len(c.dims) {
			return fmt.Errorf("%w: %s: input %q has rank %d, want %d", ErrPolicyContract, name, c.name, len(in.Shape), len(c.dims))
		}
		for i, d := range c.dims {
			if d != 0 && in.Shape[i] >= 0 && in.Shape[i] != d {
				return fmt.Errorf("%w: %s: input %q dimension %d is %d, want %d", ErrPolicyContract, name, c.name, i, in.Shape[i], d)
			}
		}
		if in.DType != "float32" {
			return fmt.Errorf("%w: %s: input %q is %s, want float32", ErrPolicyContract, name, c.name, in.DType)
		}
		delete(inputs, c.name)
	}
	for extra := range inputs {
		return fmt.Errorf("%w: %s: unexpected input %q", ErrPolicyContract, name, extra)
	}
	for _, out := range m.Outputs() {
		if out.Name == OutputLogits {
			if len(out.Shape) != 2 {
				return fmt.Errorf("%w: %s: output %q has rank %d, want 2", ErrPolicyContract, name, OutputLogits, len(out.Shape))
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s: no output %q", ErrPolicyContract, name, OutputLogits)
}
