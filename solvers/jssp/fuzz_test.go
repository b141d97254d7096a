package jssp

import (
	"bytes"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// FuzzReadStateDict: any input is either rejected with an error or gives a
// network whose forward pass runs.
func FuzzReadStateDict(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"actor.project.weight": {"shape": [8, 4], "data": [1, 2]}}`))
	f.Add([]byte(`{"actor.project.bias": {"shape": [8], "data": [0,0,0,0,0,0,0,"x"]}}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		net, err := ReadStateDict(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		// Whatever finite weights were accepted, a forward pass must run.
		js := &instances.JobShop{Name: "f", Machines: 2, Jobs: [][]instances.Operation{
			{{Machine: 0, Duration: 2}, {Machine: 1, Duration: 3}},
			{{Machine: 1, Duration: 1}, {Machine: 0, Duration: 4}},
		}}
		env, err := NewEnv(js)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := (&NetworkPolicy{Net: net}).NewScorer(env)
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.Scores(env, make([]float64, env.J+1)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReadPolicy: arbitrary bytes never crash the ONNX policy reader.
func FuzzReadPolicy(f *testing.F) {
	var buf bytes.Buffer
	if err := (&Network{raw: zeroTensors()}).WriteONNX(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add([]byte("\x08\x07\x12\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPolicy(bytes.NewReader(data), "fuzz.onnx")
		if err == nil && p == nil {
			t.Fatal("nil policy without error")
		}
	})
}

// zeroTensors is a state dict of the right shapes, all zeros.
func zeroTensors() map[string]stateTensor {
	shapes := map[string][]int{}
	for _, k := range paramNames {
		shapes[k] = nil
	}
	set := func(k string, s ...int) { shapes[k] = s }
	set("actor.project.weight", dModel, featIn)
	set("actor.project.bias", dModel)
	set("actor.pos_encoder.pe", peLen, dModel)
	set("actor.embedding_fixed.weight", 2, 1)
	set("actor.embedding_legal_op.weight", 2, 1)
	set("actor.tokens_start_end.weight", 3, featIn)
	for _, p := range []string{"actor.enc1.", "actor.enc2."} {
		set(p+"self_attn.in_proj_weight", 3*dModel, dModel)
		set(p+"self_attn.in_proj_bias", 3*dModel)
		set(p+"self_attn.out_proj.weight", dModel, dModel)
		set(p+"self_attn.out_proj.bias", dModel)
		set(p+"linear1.weight", dFF, dModel)
		set(p+"linear1.bias", dFF)
		set(p+"linear2.weight", dModel, dFF)
		set(p+"linear2.bias", dModel)
		for _, n := range []string{"norm1.", "norm2."} {
			set(p+n+"weight", dModel)
			set(p+n+"bias", dModel)
		}
	}
	for _, p := range []string{"actor.final_tmp.", "actor.no_op."} {
		set(p+"0.weight", dHead, dModel)
		set(p+"0.bias", dHead)
		set(p+"2.weight", 1, dHead)
		set(p+"2.bias", 1)
	}
	out := map[string]stateTensor{}
	for k, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		out[k] = stateTensor{Shape: s, Data: make([]float64, n)}
	}
	return out
}
