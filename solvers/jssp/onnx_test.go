package jssp

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/cosolve/cosolve/nnsurrogate"
)

func authorsONNX(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := loadAuthorsNetwork(t).WriteONNX(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestONNXGoldenLogits runs the exported graph through nnsurrogate's runner (the
// contract path any user model takes) and compares with the golden logits.
func TestONNXGoldenLogits(t *testing.T) {
	m, err := nnsurrogate.LoadReader(bytes.NewReader(authorsONNX(t)))
	if err != nil {
		t.Fatal(err)
	}
	if fast, interp := m.EngineStatus(); fast != nil {
		t.Fatalf("fast engine cannot run the graph: %v (interpreter: %v)", fast, interp)
	}
	p := &ONNXPolicy{Model: m, Label: "authors"}
	scorers := map[int]Scorer{}
	scores := map[int][]float64{}
	dev := goldenLogitDeviation(t, func(env *Env, o *Observation) []float32 {
		sc := scorers[env.J]
		if sc == nil {
			if sc, err = p.NewScorer(env); err != nil {
				t.Fatal(err)
			}
			scorers[env.J] = sc
			scores[env.J] = make([]float64, env.J+1)
		}
		if err := sc.Scores(env, scores[env.J]); err != nil {
			t.Fatal(err)
		}
		out := make([]float32, env.J+1)
		for i, v := range scores[env.J] {
			out[i] = float32(v)
		}
		return out
	})
	t.Logf("ONNX graph: largest logit deviation from the golden vectors %.3g", dev)
	if dev > 1e-5 {
		t.Errorf("ONNX logits deviate by %.3g (tolerance 1e-5)", dev)
	}
}

// TestONNXPolicyGreedy: the file read back takes the pure-Go path and the generic
// ONNX path gives the same greedy schedule.
func TestONNXPolicyGreedy(t *testing.T) {
	data := authorsONNX(t)
	p, err := ReadPolicy(bytes.NewReader(data), "authors.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*NetworkPolicy); !ok {
		t.Fatalf("exported model read as %T, want the pure-Go network", p)
	}
	m, err := nnsurrogate.LoadReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	js := loadNamed(t, "ft10")
	for _, pol := range []Policy{p, &ONNXPolicy{Model: m, Label: "generic"}} {
		res, err := Solve(context.Background(), js, Settings{Policy: pol})
		if err != nil {
			t.Fatal(err)
		}
		if res.Solution.Makespan != 1102 {
			t.Errorf("%s: greedy ft10 makespan %d, want 1102", pol.Name(), res.Solution.Makespan)
		}
	}
}

func TestReadPolicyRejects(t *testing.T) {
	if _, err := ReadPolicy(bytes.NewReader([]byte("not onnx at all")), "junk.onnx"); err == nil {
		t.Error("junk accepted")
	}
	// A valid ONNX model with other inputs breaks the contract.
	var buf bytes.Buffer
	mp := loadAuthorsNetwork(t).ONNXModel()
	mp.Graph.Input[0].Name = "something_else"
	for _, n := range mp.Graph.Node {
		for i, in := range n.Input {
			if in == InputIntervalRep {
				n.Input[i] = "something_else"
			}
		}
	}
	b, err := marshalModel(mp)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b)
	if _, err := ReadPolicy(&buf, "other.onnx"); !errors.Is(err, ErrPolicyContract) {
		t.Errorf("model without interval_rep: %v", err)
	}
}
