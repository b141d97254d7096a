package jssp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The float64 tape's gradients against PyTorch's autograd on the authors'
// architecture, rebuilt independently in testdata/torch_gradients.py. Finite
// differences (backward_test.go) check the backward pass against the tape's own
// forward pass; this test also checks that forward pass against PyTorch's
// layers, so a shared misreading of the architecture would show here.

// torchPython is Debian's interpreter, the one python3-torch installs into.
const torchPython = "/usr/bin/python3"

const (
	torchLogpTol = 1e-9 // log-probabilities, absolute (they are O(1..10))
	torchGradTol = 1e-6 // gradients, relative (see gradRelErr)
	// torchGradFloor: entries smaller than this fraction of the largest
	// gradient of the state are compared on that scale instead of their own.
	// Exact zeros come out of both sides as rounding noise of up to ~1e-16 of
	// that scale: the key biases (softmax ignores a shift common to a query's
	// scores) and the job head's last bias when No-Op is illegal (the logit
	// gradients of the legal jobs then sum to zero).
	torchGradFloor = 1e-8
)

type torchCase struct {
	Name            string    `json:"name"`
	J               int       `json:"J"`
	IntervalRep     []float64 `json:"interval_rep"`
	StartEndTokens  []float64 `json:"start_end_tokens"`
	AttentionMask   []float64 `json:"attention_mask"`
	IndexInterval   []float64 `json:"index_interval"`
	ActionMask      []float64 `json:"action_mask"`
	JobResourceMask []float64 `json:"job_resource_mask"`
	Coef            []float64 `json:"coef"`
}

type torchInput struct {
	PE     []float64              `json:"pe"`
	Params map[string]stateTensor `json:"params"`
	Cases  []torchCase            `json:"cases"`
}

type torchResult struct {
	Torch string `json:"torch"`
	Cases []struct {
		LogP  []*float64           `json:"logp"` // null for illegal actions
		Loss  float64              `json:"loss"`
		Grads map[string][]float64 `json:"grads"`
	} `json:"cases"`
}

// f64s widens float32 values exactly, so the JSON holds the very numbers the
// tape reads (encoding the float32 directly would print its shortest decimal,
// which parses to a different float64).
func f64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// torchStates are three states of instance name played with allByID: the
// first (start tokens only), midEpisode's (a legal No-Op and a shared
// machine), and the first later one with a padding slot and two legal actions.
func torchStates(t *testing.T, name string, minSteps int) []*Observation {
	t.Helper()
	env, err := NewEnv(loadNamed(t, name))
	if err != nil {
		t.Fatal(err)
	}
	first := NewObservation(env.J)
	env.Observe(first)
	env, mid := midEpisode(t, name, minSteps)
	states := []*Observation{first.clone(), mid.clone()}
	obs := NewObservation(env.J)
	var buf []int
	for !env.Done() {
		buf = allByID(env, buf)
		env.Step(buf)
		env.Observe(obs)
		legal := 0
		for _, m := range obs.ActionMask {
			legal += int(m)
		}
		if slices.Contains(obs.AttentionMask, 1) && legal >= 2 {
			return append(states, obs.clone())
		}
	}
	t.Fatalf("%s: no state after step %d with a padding slot and two legal actions", name, minSteps)
	return nil
}

// gradRelErr is |a−b| relative to the larger of |a|, |b| and floor.
func gradRelErr(a, b, floor float64) float64 {
	return math.Abs(a-b) / max(math.Abs(a), math.Abs(b), floor)
}

func TestGradientsMatchPyTorch(t *testing.T) {
	if out, err := exec.Command(torchPython, "-c", "import torch").CombinedOutput(); err != nil {
		t.Skipf("PyTorch is not importable from %s (Debian's python3-torch): %v %s", torchPython, err, bytes.TrimSpace(out))
	}
	var states []torchState
	for _, tc := range []struct {
		name     string
		minSteps int
	}{{"ft06", 10}, {"ta01", 60}} {
		for i, o := range torchStates(t, tc.name, tc.minSteps) {
			states = append(states, torchState{fmt.Sprintf("%s/%d", tc.name, i), o})
		}
	}
	for _, nc := range []struct {
		name string
		net  *Network
	}{{"authors", loadAuthorsNetwork(t)}, {"fresh", NewNetwork(1)}} {
		t.Run(nc.name, func(t *testing.T) {
			compareWithTorch(t, nc.net, states)
		})
	}
}

// torchState is one observation and its name in messages.
type torchState struct {
	name string
	obs  *Observation
}

func compareWithTorch(t *testing.T, net *Network, states []torchState) {
	params := net.Params()
	in := torchInput{Params: map[string]stateTensor{}}
	for i := range net.pe {
		for _, v := range net.pe[i] {
			in.PE = append(in.PE, float64(v))
		}
	}
	off := 0
	for _, ts := range trainableTensors {
		in.Params[ts.name] = stateTensor{Shape: ts.shape, Data: params[off : off+ts.size()]}
		off += ts.size()
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range states {
		o := s.obs
		in.Cases = append(in.Cases, torchCase{
			Name: s.name, J: o.J,
			IntervalRep: f64s(o.IntervalRep), StartEndTokens: f64s(o.StartEndTokens),
			AttentionMask: f64s(o.AttentionMask), IndexInterval: f64s(o.IndexInterval),
			ActionMask: f64s(o.ActionMask), JobResourceMask: f64s(o.JobResourceMask()),
			Coef: randVec(rng, o.J+1, 1),
		})
	}
	want := runTorchOracle(t, in)

	// worst[k]: the largest relative error on trainable tensor k over all states;
	// touched[k]: k got a non-zero gradient somewhere, so the check covered it.
	worst := make([]float64, len(trainableTensors))
	worstAt := make([]string, len(trainableTensors))
	touched := make([]bool, len(trainableTensors))
	var worstLogp float64
	for ci, c := range in.Cases {
		o, w := states[ci].obs, want.Cases[ci]
		grad := make([]float64, nParams)
		tape := newNetTape(net, params, grad, o.J)
		tape.forward(o)
		var loss float64
		for a, lp := range tape.LogProbs {
			switch {
			case len(w.LogP) != o.J+1:
				t.Fatalf("%s: PyTorch gave %d log-probabilities, want %d", c.Name, len(w.LogP), o.J+1)
			case !tape.legal[a]:
				if w.LogP[a] != nil {
					t.Errorf("%s: action %d is illegal but PyTorch gives it log-probability %v", c.Name, a, *w.LogP[a])
				}
			case w.LogP[a] == nil:
				t.Errorf("%s: action %d is legal but PyTorch masks it", c.Name, a)
			default:
				worstLogp = max(worstLogp, math.Abs(lp-*w.LogP[a]))
				loss += c.Coef[a] * lp
			}
		}
		if math.Abs(loss-w.Loss) > torchLogpTol*max(1, math.Abs(loss)) {
			t.Errorf("%s: loss %.17g, PyTorch %.17g", c.Name, loss, w.Loss)
		}
		tape.backward(slices.Clone(c.Coef))

		var scale float64
		for _, g := range grad {
			scale = max(scale, math.Abs(g))
		}
		off := 0
		for k, ts := range trainableTensors {
			got := grad[off : off+ts.size()]
			off += ts.size()
			ref, ok := w.Grads[ts.name]
			if !ok || len(ref) != len(got) {
				t.Fatalf("%s: PyTorch gradient of %s has %d values, want %d", c.Name, ts.name, len(ref), len(got))
			}
			for i, g := range got {
				touched[k] = touched[k] || g != 0
				if e := gradRelErr(g, ref[i], torchGradFloor*scale); e > worst[k] {
					worst[k] = e
					worstAt[k] = fmt.Sprintf("%s [%d]: Go %.17g, PyTorch %.17g", c.Name, i, g, ref[i])
				}
			}
		}
	}

	t.Logf("PyTorch %s, %d states; log-probabilities: max absolute difference %.3g (limit %g)", want.Torch, len(in.Cases), worstLogp, torchLogpTol)
	if worstLogp > torchLogpTol {
		t.Errorf("log-probabilities differ from PyTorch by up to %.3g (limit %g)", worstLogp, torchLogpTol)
	}
	var overall float64
	for k, ts := range trainableTensors {
		overall = max(overall, worst[k])
		t.Logf("  %-36s max relative error %.3g", ts.name, worst[k])
		if worst[k] > torchGradTol {
			t.Errorf("%s: gradient differs from PyTorch, relative error %.3g (limit %g) at %s", ts.name, worst[k], torchGradTol, worstAt[k])
		}
		if !touched[k] {
			t.Errorf("%s has no gradient in the checked states", ts.name)
		}
	}
	t.Logf("gradients: max relative error %.3g over all %d parameters (limit %g)", overall, nParams, torchGradTol)
}

// runTorchOracle runs testdata/torch_gradients.py on in.
func runTorchOracle(t *testing.T, in torchInput) torchResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.json")
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, torchPython, filepath.Join("testdata", "torch_gradients.py"), path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("torch_gradients.py: %v\n%s", err, stderr.Bytes())
	}
	var res torchResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("torch_gradients.py output: %v", err)
	}
	if len(res.Cases) != len(in.Cases) {
		t.Fatalf("torch_gradients.py answered %d states, want %d", len(res.Cases), len(in.Cases))
	}
	return res
}
