package jssp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrWeights reports a state dict or ONNX file that does not hold the network's
// weights.
var ErrWeights = errors.New("invalid policy weights")

// Sizes of the reference policy network (Tassel et al.'s Network.py).
const (
	dModel  = 8
	dFF     = 32
	dHead   = 32
	peLen   = 100
	featIn  = 4
	masked  = -3.4028234663852886e38 // logit of an illegal action
	lnEps   = 1e-5
	nParams = 2442
)

// encoderLayer is a one-head pre-norm transformer encoder layer with ReLU
// feed-forward (PyTorch's TransformerEncoderLayer, norm_first=True).
type encoderLayer struct {
	inW                [3 * dModel][dModel]float32 // q, k, v projections stacked
	inB                [3 * dModel]float32
	outW               [dModel][dModel]float32
	outB               [dModel]float32
	l1W                [dFF][dModel]float32
	l1B                [dFF]float32
	l2W                [dModel][dFF]float32
	l2T                [dFF][dModel]float32 // l2W transposed, for the forward pass
	l2B                [dModel]float32
	n1W, n1B, n2W, n2B [dModel]float32
}

// mlpHead is Linear(8,32) → tanh → Linear(32,1).
type mlpHead struct {
	w1 [dHead][dModel]float32
	b1 [dHead]float32
	w2 [dHead]float32
	b2 float32
}

// Network holds the weights of Tassel et al.'s pretrained policy architecture:
// embeddings of the fixed and next-operation flags and of the start/end tokens, a
// 4→8 projection plus sinusoidal positions, a per-job encoder over the 5-slot
// window, mean pooling, a job-level encoder restricted to jobs competing for a
// machine (with a residual around it), and two 8→32→1 heads (jobs; No-Op averaged
// over jobs). 2,442 trainable parameters.
type Network struct {
	projW    [dModel][featIn]float32
	projB    [dModel]float32
	pe       [peLen][dModel]float32
	embFixed [2]float32
	embNext  [2]float32
	tokens   [3][featIn]float32
	enc1     encoderLayer
	enc2     encoderLayer
	job      mlpHead
	noop     mlpHead
	raw      map[string]stateTensor // the tensors as read, for export
}

// stateTensor is one entry of a state dict in JSON: {"shape": [...], "data": [...]}.
type stateTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// ReadStateDict reads the network's weights from a PyTorch state dict dumped as
// JSON ({name: {shape, data}}, row-major). The positional table is
// actor.pos_encoder.pe, the buffer the actor's forward pass indexes; the
// model-level copy pos_encoder.pe must be identical (the module is shared).
func ReadStateDict(r io.Reader, name string) (*Network, error) {
	var sd map[string]stateTensor
	if err := json.NewDecoder(r).Decode(&sd); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrWeights, name, err)
	}
	return networkFromTensors(sd, name)
}

// paramNames are the network's tensors under their PyTorch names (the ONNX
// initializers keep them).
var paramNames = []string{
	"actor.project.weight", "actor.project.bias", "actor.pos_encoder.pe",
	"actor.embedding_fixed.weight", "actor.embedding_legal_op.weight", "actor.tokens_start_end.weight",
	"actor.enc1.self_attn.in_proj_weight", "actor.enc1.self_attn.in_proj_bias",
	"actor.enc1.self_attn.out_proj.weight", "actor.enc1.self_attn.out_proj.bias",
	"actor.enc1.linear1.weight", "actor.enc1.linear1.bias", "actor.enc1.linear2.weight", "actor.enc1.linear2.bias",
	"actor.enc1.norm1.weight", "actor.enc1.norm1.bias", "actor.enc1.norm2.weight", "actor.enc1.norm2.bias",
	"actor.enc2.self_attn.in_proj_weight", "actor.enc2.self_attn.in_proj_bias",
	"actor.enc2.self_attn.out_proj.weight", "actor.enc2.self_attn.out_proj.bias",
	"actor.enc2.linear1.weight", "actor.enc2.linear1.bias", "actor.enc2.linear2.weight", "actor.enc2.linear2.bias",
	"actor.enc2.norm1.weight", "actor.enc2.norm1.bias", "actor.enc2.norm2.weight", "actor.enc2.norm2.bias",
	"actor.final_tmp.0.weight", "actor.final_tmp.0.bias", "actor.final_tmp.2.weight", "actor.final_tmp.2.bias",
	"actor.no_op.0.weight", "actor.no_op.0.bias", "actor.no_op.2.weight", "actor.no_op.2.bias",
}

func networkFromTensors(sd map[string]stateTensor, name string) (*Network, error) {
	n := &Network{raw: map[string]stateTensor{}}
	get := func(key string, shape ...int) ([]float64, error) {
		t, ok := sd[key]
		if !ok {
			return nil, fmt.Errorf("%w: %s: missing %s", ErrWeights, name, key)
		}
		size := 1
		for _, d := range shape {
			size *= d
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(shape) || len(t.Data) != size {
			return nil, fmt.Errorf("%w: %s: %s has shape %v and %d values, want %v", ErrWeights, name, key, t.Shape, len(t.Data), shape)
		}
		for i, v := range t.Data {
			if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
				return nil, fmt.Errorf("%w: %s: %s[%d] is %v", ErrWeights, name, key, i, v)
			}
		}
		return t.Data, nil
	}
	var err error
	// fill copies tensor key, checked against shape, through set(flat index, value).
	fill := func(key string, shape []int, set func(i int, v float32)) {
		if err != nil {
			return
		}
		var d []float64
		if d, err = get(key, shape...); err == nil {
			n.raw[key] = sd[key]
			for i, v := range d {
				set(i, float32(v))
			}
		}
	}
	fill("actor.project.weight", []int{dModel, featIn}, func(i int, v float32) { n.projW[i/featIn][i%featIn] = v })
	fill("actor.project.bias", []int{dModel}, func(i int, v float32) { n.projB[i] = v })
	fill("actor.pos_encoder.pe", []int{peLen, dModel}, func(i int, v float32) { n.pe[i/dModel][i%dModel] = v })
	fill("actor.embedding_fixed.weight", []int{2, 1}, func(i int, v float32) { n.embFixed[i] = v })
	fill("actor.embedding_legal_op.weight", []int{2, 1}, func(i int, v float32) { n.embNext[i] = v })
	fill("actor.tokens_start_end.weight", []int{3, featIn}, func(i int, v float32) { n.tokens[i/featIn][i%featIn] = v })
	for li, l := range []*encoderLayer{&n.enc1, &n.enc2} {
		p := fmt.Sprintf("actor.enc%d.", li+1)
		fill(p+"self_attn.in_proj_weight", []int{3 * dModel, dModel}, func(i int, v float32) { l.inW[i/dModel][i%dModel] = v })
		fill(p+"self_attn.in_proj_bias", []int{3 * dModel}, func(i int, v float32) { l.inB[i] = v })
		fill(p+"self_attn.out_proj.weight", []int{dModel, dModel}, func(i int, v float32) { l.outW[i/dModel][i%dModel] = v })
		fill(p+"self_attn.out_proj.bias", []int{dModel}, func(i int, v float32) { l.outB[i] = v })
		fill(p+"linear1.weight", []int{dFF, dModel}, func(i int, v float32) { l.l1W[i/dModel][i%dModel] = v })
		fill(p+"linear1.bias", []int{dFF}, func(i int, v float32) { l.l1B[i] = v })
		fill(p+"linear2.weight", []int{dModel, dFF}, func(i int, v float32) { l.l2W[i/dFF][i%dFF] = v })
		fill(p+"linear2.bias", []int{dModel}, func(i int, v float32) { l.l2B[i] = v })
		fill(p+"norm1.weight", []int{dModel}, func(i int, v float32) { l.n1W[i] = v })
		fill(p+"norm1.bias", []int{dModel}, func(i int, v float32) { l.n1B[i] = v })
		fill(p+"norm2.weight", []int{dModel}, func(i int, v float32) { l.n2W[i] = v })
		fill(p+"norm2.bias", []int{dModel}, func(i int, v float32) { l.n2B[i] = v })
	}
	for _, h := range []struct {
		head *mlpHead
		p    string
	}{{&n.job, "actor.final_tmp."}, {&n.noop, "actor.no_op."}} {
		fill(h.p+"0.weight", []int{dHead, dModel}, func(i int, v float32) { h.head.w1[i/dModel][i%dModel] = v })
		fill(h.p+"0.bias", []int{dHead}, func(i int, v float32) { h.head.b1[i] = v })
		fill(h.p+"2.weight", []int{1, dHead}, func(i int, v float32) { h.head.w2[i] = v })
		fill(h.p+"2.bias", []int{1}, func(i int, v float32) { h.head.b2 = v })
	}
	if err != nil {
		return nil, err
	}
	for _, l := range []*encoderLayer{&n.enc1, &n.enc2} {
		for r := 0; r < dModel; r++ {
			for c := 0; c < dFF; c++ {
				l.l2T[c][r] = l.l2W[r][c]
			}
		}
	}
	if other, ok := sd["pos_encoder.pe"]; ok {
		for i, v := range other.Data {
			if i >= peLen*dModel || float32(v) != n.pe[i/dModel][i%dModel] {
				return nil, fmt.Errorf("%w: %s: pos_encoder.pe differs from actor.pos_encoder.pe at %d", ErrWeights, name, i)
			}
		}
	}
	return n, nil
}

// NumParams is the number of trainable parameters (the positional table is a
// buffer, not counted).
func (n *Network) NumParams() int { return nParams }
