package nnsurrogate

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// TestOpset18Reductions: from opset 18 ReduceMean takes its axes as an input, like ReduceSum
// since 13. Both engines must read them there, and compute known values.
func TestOpset18Reductions(t *testing.T) {
	for _, opset := range []int64{13, 18} {
		b := &onnxBuilder{g: &onnx.GraphProto{Name: "reduce"}}
		b.g.Input = []*onnx.ValueInfoProto{valueInfoProto("x", "batch", 2, 3)}
		b.op("ReduceSum", []string{"x", b.ints(1)}, attrI("keepdims", 0))
		if opset >= 18 {
			b.op("ReduceMean", []string{"x", b.ints(-1)})
		} else {
			b.op("ReduceMean", []string{"x"}, attrIs("axes", -1))
		}
		b.op("ReduceMax", []string{"x"}, attrI("keepdims", 0))
		b.g.Node[0].Output[0], b.g.Node[1].Output[0], b.g.Node[2].Output[0] = "sum", "mean", "max"
		b.g.Output = []*onnx.ValueInfoProto{valueInfoProto("sum", "batch", 3), valueInfoProto("mean", "batch", 2, 1), valueInfoProto("max")}
		mp := &onnx.ModelProto{IrVersion: 8, OpsetImport: []*onnx.OperatorSetIdProto{{Version: opset}}, Graph: b.g}
		model, err := FromProto(mp)
		if err != nil {
			t.Fatalf("opset %d: %v", opset, err)
		}
		in := map[string]Tensor{"x": {Shape: []int{2, 2, 3}, Data: []float32{1, 2, 3, 4, 5, 6, -1, -2, -3, 7, 0, 2}}}
		want := map[string]Tensor{
			"sum":  {Shape: []int{2, 3}, Data: []float32{5, 7, 9, 6, -2, -1}},
			"mean": {Shape: []int{2, 2, 1}, Data: []float32{2, 5, -2, 3}},
			"max":  {Shape: []int{}, Data: []float32{7}},
		}
		for _, e := range []Engine{Fast, Interpreter} {
			got, err := model.RunEngine(e, in)
			if err != nil {
				t.Fatalf("opset %d %v: %v", opset, e, err)
			}
			compareOutputs(t, e.String(), got, want, 1e-6)
		}
	}
}

// TestSliceToLengthOne: a Slice that keeps one element of an axis keeps the
// axis (the Tassel policy slices interval_rep to [B, J, 5, 1] and concatenates
// the pieces). gonnx's own Slice dropped it, so the interpreter failed at the
// Concat that follows.
func TestSliceToLengthOne(t *testing.T) {
	b := &onnxBuilder{g: &onnx.GraphProto{Name: "slice1"}}
	b.g.Input = []*onnx.ValueInfoProto{valueInfoProto("x", "batch", 2, 3)}
	first := b.op("Slice", []string{"x", b.ints(0), b.ints(1), b.ints(-1)})
	b.op("Concat", []string{first, "x"}, attrI("axis", -1))
	b.g.Node[1].Output[0] = "y"
	b.g.Output = []*onnx.ValueInfoProto{valueInfoProto("y", "batch", 2, 4)}
	mp := &onnx.ModelProto{IrVersion: 8, OpsetImport: []*onnx.OperatorSetIdProto{{Version: 17}}, Graph: b.g}
	model, err := FromProto(mp)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]Tensor{"x": {Shape: []int{1, 2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}}
	want := map[string]Tensor{"y": {Shape: []int{1, 2, 4}, Data: []float32{1, 1, 2, 3, 4, 4, 5, 6}}}
	for _, e := range []Engine{Fast, Interpreter} {
		got, err := model.RunEngine(e, in)
		if err != nil {
			t.Fatalf("%v: %v", e, err)
		}
		compareOutputs(t, e.String(), got, want, 0)
	}
}
