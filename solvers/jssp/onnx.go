package jssp

import (
	"fmt"
	"io"
	"math"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

// The ONNX policy contract. A policy model takes these float32 inputs, with B
// states of J jobs (B and J may be symbolic):
//
//	interval_rep             [B,J,5,4]
//	start_end_tokens         [B,J,5]
//	attention_interval_mask  [B,J,5]
//	index_interval           [B,J,5]
//	job_resource_mask        [B,J+1,J+1]
//	action_mask              [B,J+1]
//
// filled as Observation documents, and returns logits [B,J+1] (float32), the last
// entry being No-Op. Illegal actions may get any value; they are never taken.
const (
	InputIntervalRep     = "interval_rep"
	InputStartEndTokens  = "start_end_tokens"
	InputAttentionMask   = "attention_interval_mask"
	InputIndexInterval   = "index_interval"
	InputJobResourceMask = "job_resource_mask"
	InputActionMask      = "action_mask"
	OutputLogits         = "logits"
)

// onnxProducer marks models written by WriteONNX, whose initializers keep the
// PyTorch names so the weights can be read back for the pure-Go forward pass.
const onnxProducer = "cosolve-jssp-network"

// onnxOpset is the opset of the written graph (LayerNormalization needs 17).
const onnxOpset = 17

type graphBuilder struct {
	nodes []*onnx.NodeProto
	inits []*onnx.TensorProto
	seq   int
}

func (g *graphBuilder) node(op string, inputs []string, attrs ...*onnx.AttributeProto) string {
	g.seq++
	out := fmt.Sprintf("%s_%d", op, g.seq)
	g.nodes = append(g.nodes, &onnx.NodeProto{
		Name: out, OpType: op, Input: inputs, Output: []string{out}, Attribute: attrs,
	})
	return out
}

func (g *graphBuilder) floats(name string, dims []int64, data []float32) string {
	g.inits = append(g.inits, &onnx.TensorProto{Name: name, Dims: dims, DataType: int32(onnx.TensorProto_FLOAT), FloatData: data})
	return name
}

func (g *graphBuilder) scalar(v float32) string {
	g.seq++
	return g.floats(fmt.Sprintf("const_%d", g.seq), nil, []float32{v})
}

func (g *graphBuilder) ints(data ...int64) string {
	g.seq++
	name := fmt.Sprintf("const_%d", g.seq)
	g.inits = append(g.inits, &onnx.TensorProto{Name: name, Dims: []int64{int64(len(data))}, DataType: int32(onnx.TensorProto_INT64), Int64Data: data})
	return name
}

func attrInt(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

func attrInts(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: v}
}

func attrFloat(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_FLOAT, F: v}
}

// param adds the named tensor as an initializer with its PyTorch name and layout.
func (g *graphBuilder) param(n *Network, key string) string {
	t := n.raw[key]
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	data := make([]float32, len(t.Data))
	for i, v := range t.Data {
		data[i] = float32(v)
	}
	return g.floats(key, dims, data)
}

// linear is x·Wᵀ + b for a PyTorch Linear stored as [out,in].
func (g *graphBuilder) linear(n *Network, x, prefix string) string {
	wt := g.node("Transpose", []string{g.param(n, prefix+"weight")}, attrInts("perm", 1, 0))
	return g.node("Add", []string{g.node("MatMul", []string{x, wt}), g.param(n, prefix+"bias")})
}

func (g *graphBuilder) layerNorm(n *Network, x, prefix string) string {
	return g.node("LayerNormalization", []string{x, g.param(n, prefix+"weight"), g.param(n, prefix+"bias")},
		attrInt("axis", -1), attrFloat("epsilon", lnEps))
}

// slice takes [start,end) of the last axis.
func (g *graphBuilder) sliceLast(x string, start, end int64) string {
	return g.node("Slice", []string{x, g.ints(start), g.ints(end), g.ints(-1)})
}

// encoder is a one-head pre-norm encoder layer over [N,S,8]; keyMasked is a
// boolean [N or 1,S or N,S] tensor, true where attention is forbidden.
func (g *graphBuilder) encoder(n *Network, x, keyMasked, prefix string) string {
	h := g.layerNorm(n, x, prefix+"norm1.")
	qkv := g.linear(n, h, prefix+"self_attn.in_proj_")
	q := g.node("Mul", []string{g.sliceLast(qkv, 0, dModel), g.scalar(float32(1 / math.Sqrt(dModel)))})
	k := g.sliceLast(qkv, dModel, 2*dModel)
	v := g.sliceLast(qkv, 2*dModel, 3*dModel)
	scores := g.node("MatMul", []string{q, g.node("Transpose", []string{k}, attrInts("perm", 0, 2, 1))})
	scores = g.node("Where", []string{keyMasked, g.scalar(-1e30), scores})
	p := g.node("Softmax", []string{scores}, attrInt("axis", -1))
	att := g.linear(n, g.node("MatMul", []string{p, v}), prefix+"self_attn.out_proj.")
	x = g.node("Add", []string{x, att})
	h2 := g.layerNorm(n, x, prefix+"norm2.")
	ff := g.linear(n, g.node("Relu", []string{g.linear(n, h2, prefix+"linear1.")}), prefix+"linear2.")
	return g.node("Add", []string{x, ff})
}

// head is Linear(8,32) → tanh → Linear(32,1) on [B,J,8], giving [B,J,1].
func (g *graphBuilder) head(n *Network, x, prefix string) string {
	return g.linear(n, g.node("Tanh", []string{g.linear(n, x, prefix+"0.")}), prefix+"2.")
}

func tensorInput(name string, dims ...any) *onnx.ValueInfoProto {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{}
		switch v := d.(type) {
		case int:
			dim.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}
		case string:
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: v}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: int32(onnx.TensorProto_FLOAT), Shape: shape}}}}
}

// ONNXModel builds the network as an ONNX graph implementing the policy
// contract.
func (n *Network) ONNXModel() *onnx.ModelProto {
	g := &graphBuilder{}
	rep, tokens, attMask, index, jrm, actMask := InputIntervalRep, InputStartEndTokens, InputAttentionMask, InputIndexInterval, InputJobResourceMask, InputActionMask

	// Flag embeddings: the flags are 0/1, so Embedding(2,1)(f) = e0 + f·(e1 − e0).
	flagEmb := func(key string, col int64) string {
		table := g.param(n, key)
		e0 := g.node("Slice", []string{table, g.ints(0), g.ints(1), g.ints(0)})
		e1 := g.node("Slice", []string{table, g.ints(1), g.ints(2), g.ints(0)})
		diff := g.node("Reshape", []string{g.node("Sub", []string{e1, e0}), g.ints(1)})
		f := g.sliceLast(rep, col, col+1)
		return g.node("Add", []string{g.node("Reshape", []string{e0, g.ints(1)}), g.node("Mul", []string{f, diff})})
	}
	feat := g.node("Concat", []string{flagEmb("actor.embedding_fixed.weight", 0), g.sliceLast(rep, 1, 3), flagEmb("actor.embedding_legal_op.weight", 3)}, attrInt("axis", -1))
	isToken := g.node("Unsqueeze", []string{g.node("Greater", []string{tokens, g.scalar(0.5)}), g.ints(-1)})
	tokIdx := g.node("Cast", []string{tokens}, attrInt("to", int64(onnx.TensorProto_INT64)))
	tokEmb := g.node("Gather", []string{g.param(n, "actor.tokens_start_end.weight"), tokIdx}, attrInt("axis", 0))
	feat = g.node("Where", []string{isToken, tokEmb, feat})
	x := g.linear(n, feat, "actor.project.")
	clamped := g.node("Where", []string{g.node("Greater", []string{index, g.scalar(peLen - 1)}), g.scalar(peLen - 1), index})
	pe := g.node("Gather", []string{g.param(n, "actor.pos_encoder.pe"), g.node("Cast", []string{clamped}, attrInt("to", int64(onnx.TensorProto_INT64)))}, attrInt("axis", 0))
	pe = g.node("Where", []string{isToken, g.scalar(0), pe})
	x = g.node("Add", []string{x, pe}) // [B,J,5,8]

	// Per-job encoder over the window, as [B·J,5,8] sequences.
	shape4 := g.node("Shape", []string{x})
	seq := g.node("Reshape", []string{x, g.ints(-1, Window, dModel)})
	padMask := g.node("Reshape", []string{g.node("Greater", []string{attMask, g.scalar(0.5)}), g.ints(-1, 1, Window)})
	seq = g.encoder(n, seq, padMask, "actor.enc1.")
	pooled := g.node("ReduceMean", []string{g.node("Reshape", []string{seq, shape4})}, attrInts("axes", 2), attrInt("keepdims", 0)) // [B,J,8]

	// Job-level encoder restricted by the job–resource mask, plus a residual.
	// The J×J block is cut at J taken from the data rather than at -1, so the graph
	// stays well-formed when a checker sets every symbolic dimension to 1.
	nJobs := g.node("Slice", []string{g.node("Shape", []string{pooled}), g.ints(1), g.ints(2), g.ints(0)})
	jobs := g.node("Slice", []string{jrm, g.ints(0, 0), g.node("Concat", []string{nJobs, nJobs}, attrInt("axis", 0)), g.ints(1, 2)})
	forbidden := g.node("Equal", []string{jobs, g.scalar(0)})
	y := g.node("Add", []string{g.encoder(n, pooled, forbidden, "actor.enc2."), pooled})

	jobLogits := g.node("Squeeze", []string{g.head(n, y, "actor.final_tmp."), g.ints(2)})
	noop := g.node("ReduceMean", []string{g.node("Squeeze", []string{g.head(n, y, "actor.no_op."), g.ints(2)})}, attrInts("axes", 1), attrInt("keepdims", 1))
	logits := g.node("Concat", []string{jobLogits, noop}, attrInt("axis", 1))
	illegal := g.node("Equal", []string{actMask, g.scalar(0)})
	g.nodes = append(g.nodes, &onnx.NodeProto{Name: "mask_illegal", OpType: "Where", Input: []string{illegal, g.scalar(masked), logits}, Output: []string{OutputLogits}})

	graph := &onnx.GraphProto{
		Name:        "tassel_policy",
		Node:        g.nodes,
		Initializer: g.inits,
		Input: []*onnx.ValueInfoProto{
			tensorInput(rep, "batch", "jobs", Window, 4),
			tensorInput(tokens, "batch", "jobs", Window),
			tensorInput(attMask, "batch", "jobs", Window),
			tensorInput(index, "batch", "jobs", Window),
			tensorInput(jrm, "batch", "actions", "actions"),
			tensorInput(actMask, "batch", "actions"),
		},
		Output: []*onnx.ValueInfoProto{tensorInput(OutputLogits, "batch", "actions")},
		DocString: "Job-shop dispatching policy (Tassel, Gebser, Schekotihin, ICAPS 2023 architecture). " +
			"Inputs and output as documented by the cosolve jssp package; actions = jobs + 1 (No-Op last).",
	}
	return &onnx.ModelProto{
		IrVersion:    8,
		OpsetImport:  []*onnx.OperatorSetIdProto{{Domain: "", Version: onnxOpset}},
		ProducerName: onnxProducer,
		Graph:        graph,
	}
}

// WriteONNX writes the network as an ONNX model.
func (n *Network) WriteONNX(w io.Writer) error {
	b, err := marshalModel(n.ONNXModel())
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// networkFromONNX reads back the weights of a model written by WriteONNX, or
// reports false for any other model.
func networkFromONNX(mp *onnx.ModelProto) (*Network, bool) {
	if mp.GetProducerName() != onnxProducer || mp.GetGraph() == nil {
		return nil, false
	}
	sd := map[string]stateTensor{}
	for _, t := range mp.GetGraph().GetInitializer() {
		if t.GetDataType() != int32(onnx.TensorProto_FLOAT) || len(t.GetFloatData()) == 0 {
			continue
		}
		st := stateTensor{Data: make([]float64, len(t.GetFloatData()))}
		for _, d := range t.GetDims() {
			st.Shape = append(st.Shape, int(d))
		}
		for i, v := range t.GetFloatData() {
			st.Data[i] = float64(v)
		}
		sd[t.GetName()] = st
	}
	for _, k := range paramNames {
		if _, ok := sd[k]; !ok {
			return nil, false
		}
	}
	n, err := networkFromTensors(sd, "onnx")
	if err != nil {
		return nil, false
	}
	return n, true
}

func marshalModel(mp *onnx.ModelProto) ([]byte, error) { return proto.Marshal(mp) }
