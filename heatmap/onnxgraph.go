package heatmap

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/advancedclimatesystems/gonnx/onnx"

	"github.com/cosolve/cosolve/nnsurrogate"
)

// graphBuilder appends opset-13 nodes to an ONNX graph; it writes the
// feature stage of the edge model in front of a trained network.
type graphBuilder struct {
	g      *onnx.GraphProto
	prefix string // keeps our value names apart from the network's
	k      int
}

func (b *graphBuilder) fresh(what string) string {
	b.k++
	return fmt.Sprintf("%s%s_%d", b.prefix, what, b.k)
}

func (b *graphBuilder) op(opType string, in []string, attrs ...*onnx.AttributeProto) string {
	out := b.fresh(opType)
	b.g.Node = append(b.g.Node, &onnx.NodeProto{Name: out, OpType: opType, Input: in, Output: []string{out}, Attribute: attrs})
	return out
}

func (b *graphBuilder) ints(v ...int64) string {
	name := b.fresh("ints")
	b.g.Initializer = append(b.g.Initializer, &onnx.TensorProto{Name: name, Dims: []int64{int64(len(v))}, DataType: int32(onnx.TensorProto_INT64), Int64Data: v})
	return name
}

func (b *graphBuilder) floats(dims []int64, v ...float32) string {
	name := b.fresh("floats")
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	b.g.Initializer = append(b.g.Initializer, &onnx.TensorProto{Name: name, Dims: dims, DataType: int32(onnx.TensorProto_FLOAT), RawData: raw})
	return name
}

func (b *graphBuilder) scalar(v float32) string { return b.floats(nil, v) }

func intAttr(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

// contractInputs are the graph inputs of the ONNX heatmap contract.
func contractInputs() []*onnx.ValueInfoProto {
	return []*onnx.ValueInfoProto{
		nnsurrogate.TensorInfo(ONNXCoords, onnx.TensorProto_FLOAT, "n", 2),
		nnsurrogate.TensorInfo(ONNXEdges, onnx.TensorProto_INT64, "n", "k"),
	}
}
