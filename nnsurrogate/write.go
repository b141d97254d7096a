package nnsurrogate

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

// onnxBuilder appends nodes and float32 initializers to a graph.
type onnxBuilder struct {
	g *onnx.GraphProto
	k int
}

func (b *onnxBuilder) fresh(prefix string) string {
	b.k++
	return fmt.Sprintf("%s_%d", prefix, b.k)
}

func (b *onnxBuilder) floats(name string, dims []int, v []float64) string {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(x)))
	}
	d := make([]int64, len(dims))
	for i, x := range dims {
		d[i] = int64(x)
	}
	b.g.Initializer = append(b.g.Initializer, &onnx.TensorProto{Name: name, Dims: d, DataType: int32(onnx.TensorProto_FLOAT), RawData: raw})
	return name
}

func (b *onnxBuilder) ints(v ...int64) string {
	name := b.fresh("const")
	b.g.Initializer = append(b.g.Initializer, &onnx.TensorProto{Name: name, Dims: []int64{int64(len(v))}, DataType: int32(onnx.TensorProto_INT64), Int64Data: v})
	return name
}

func (b *onnxBuilder) scalar(v float64) string {
	return b.floats(b.fresh("const"), nil, []float64{v})
}

func attrI(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

func attrIs(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: v}
}

func (b *onnxBuilder) op(opType string, in []string, attrs ...*onnx.AttributeProto) string {
	out := b.fresh(opType)
	b.g.Node = append(b.g.Node, &onnx.NodeProto{Name: out, OpType: opType, Input: in, Output: []string{out}, Attribute: attrs})
	return out
}

func transposed(w []float64, r, c int) []float64 {
	t := make([]float64, len(w))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t[j*r+i] = w[i*c+j]
		}
	}
	return t
}

// linear emits x·Wᵀ + b: Gemm(transB=1) on matrices as PyTorch does, MatMul+Add on sets.
func (b *onnxBuilder) linear(x string, set bool, w, bias *Param) string {
	out, in := w.Shape[0], w.Shape[1]
	if !set {
		args := []string{x, b.floats(w.Name, w.Shape, w.W)}
		if bias != nil {
			args = append(args, b.floats(bias.Name, bias.Shape, bias.W))
		}
		return b.op("Gemm", args, attrI("transB", 1))
	}
	y := b.op("MatMul", []string{x, b.floats(w.Name+"_t", []int{in, out}, transposed(w.W, out, in))})
	if bias != nil {
		y = b.op("Add", []string{y, b.floats(bias.Name, bias.Shape, bias.W)})
	}
	return y
}

func valueInfoProto(name string, dims ...any) *onnx.ValueInfoProto {
	return TensorInfo(name, onnx.TensorProto_FLOAT, dims...)
}

// TensorInfo declares a graph input or output of the given element type, for
// packages that write graphs of their own; a dimension given as a string is
// dynamic (named), an int fixed.
func TensorInfo(name string, elem onnx.TensorProto_DataType, dims ...any) *onnx.ValueInfoProto {
	s := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{}
		if p, ok := d.(string); ok {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: p}
		} else {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(d.(int))}
		}
		s.Dim = append(s.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: int32(elem), Shape: s}}}}
}

// ONNX builds the network as an opset-13 ONNX model: float32 weights, inputs named as
// declared with a dynamic batch ("batch") and set ("items") dimension, one output.
func (n *Network) ONNX() (*onnx.ModelProto, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	b := &onnxBuilder{g: &onnx.GraphProto{Name: "cosolve"}}
	names := make([]string, len(n.nodes))
	for i, nd := range n.nodes {
		in := make([]string, len(nd.in))
		for j, x := range nd.in {
			in[j] = names[x]
		}
		var y string
		switch op := nd.op.(type) {
		case inputLayer:
			ni := n.inputs[nd.input]
			y = ni.name
			if ni.set {
				b.g.Input = append(b.g.Input, valueInfoProto(y, "batch", "items", ni.width))
			} else {
				b.g.Input = append(b.g.Input, valueInfoProto(y, "batch", ni.width))
			}
		case *denseLayer:
			y = b.linear(in[0], nd.set, op.w, op.b)
		case reluLayer:
			y = b.op("Relu", in)
		case tanhLayer:
			y = b.op("Tanh", in)
		case *embeddingLayer:
			idx := b.op("Squeeze", []string{in[0], b.ints(-1)})
			idx = b.op("Cast", []string{idx}, attrI("to", int64(onnx.TensorProto_INT64)))
			y = b.op("Gather", []string{b.floats(op.w.Name, op.w.Shape, op.w.W), idx})
		case *layerNormLayer:
			m := b.op("ReduceMean", in, attrIs("axes", -1))
			d := b.op("Sub", []string{in[0], m})
			v := b.op("ReduceMean", []string{b.op("Mul", []string{d, d})}, attrIs("axes", -1))
			s := b.op("Sqrt", []string{b.op("Add", []string{v, b.scalar(op.eps)})})
			h := b.op("Div", []string{d, s})
			y = b.op("Add", []string{b.op("Mul", []string{h, b.floats(op.g.Name, op.g.Shape, op.g.W)}), b.floats(op.b.Name, op.b.Shape, op.b.W)})
		case poolLayer:
			if op.mean {
				y = b.op("ReduceMean", in, attrIs("axes", 1), attrI("keepdims", 0))
			} else {
				y = b.op("ReduceSum", []string{in[0], b.ints(1)}, attrI("keepdims", 0))
			}
		case addLayer:
			y = b.op("Add", in)
		case concatLayer:
			y = b.op("Concat", in, attrI("axis", -1))
		case *attentionLayer:
			q := b.linear(in[0], true, op.w[0], op.b[0])
			k := b.linear(in[0], true, op.w[1], op.b[1])
			v := b.linear(in[0], true, op.w[2], op.b[2])
			s := b.op("MatMul", []string{q, b.op("Transpose", []string{k}, attrIs("perm", 0, 2, 1))})
			s = b.op("Mul", []string{s, b.scalar(1 / math.Sqrt(float64(op.d)))})
			if op.masked {
				m := b.op("Squeeze", []string{in[1], b.ints(2)})
				pen := b.op("Mul", []string{b.op("Sub", []string{b.scalar(1), m}), b.scalar(maskedScore)})
				s = b.op("Add", []string{s, b.op("Unsqueeze", []string{pen, b.ints(1)})})
			}
			p := b.op("Softmax", []string{s}, attrI("axis", -1))
			y = b.linear(b.op("MatMul", []string{p, v}), true, op.w[3], op.b[3])
		default:
			return nil, fmt.Errorf("%w: layer %T cannot be written", ErrNetwork, op)
		}
		names[i] = y
	}
	out := n.nodes[n.output]
	final := names[n.output]
	if n.nodes[n.output].input >= 0 {
		b.op("Identity", []string{final})
		final = b.g.Node[len(b.g.Node)-1].Output[0]
	}
	// Name the output as asked (gonnx has no Identity, so rename the producing value).
	for _, nd := range b.g.Node {
		for j, s := range nd.Input {
			if s == final {
				nd.Input[j] = n.outName
			}
		}
		for j, s := range nd.Output {
			if s == final {
				nd.Output[j] = n.outName
			}
		}
	}
	if out.set {
		b.g.Output = []*onnx.ValueInfoProto{valueInfoProto(n.outName, "batch", "items", out.width)}
	} else {
		b.g.Output = []*onnx.ValueInfoProto{valueInfoProto(n.outName, "batch", out.width)}
	}
	mp := &onnx.ModelProto{IrVersion: 8, ProducerName: "cosolve", OpsetImport: []*onnx.OperatorSetIdProto{{Version: 13}}, Graph: b.g}
	// Sorted, so that the same network always writes the same bytes.
	for _, k := range slices.Sorted(maps.Keys(n.meta)) {
		mp.MetadataProps = append(mp.MetadataProps, &onnx.StringStringEntryProto{Key: k, Value: n.meta[k]})
	}
	return mp, nil
}

// SetMetadata records a key and value in the model's metadata (ONNX
// metadata_props), where Model.Metadata reads it back: what the network was
// trained for that its weights do not say, such as the meaning of its output.
func (n *Network) SetMetadata(key, value string) {
	if n.meta == nil {
		n.meta = map[string]string{}
	}
	n.meta[key] = value
}

// WriteONNX writes the network as an ONNX model (see ONNX).
func (n *Network) WriteONNX(w io.Writer) error {
	mp, err := n.ONNX()
	if err != nil {
		return err
	}
	raw, err := proto.Marshal(mp)
	if err != nil {
		return err
	}
	_, err = w.Write(raw)
	return err
}

// SaveONNX writes the network to an ONNX file.
func (n *Network) SaveONNX(path string) error {
	var buf bytes.Buffer
	if err := n.WriteONNX(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Model converts the network to a loaded Model (through its ONNX form).
func (n *Network) Model() (*Model, error) {
	mp, err := n.ONNX()
	if err != nil {
		return nil, err
	}
	return FromProto(mp)
}
