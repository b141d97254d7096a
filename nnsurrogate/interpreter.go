package nnsurrogate

import (
	"fmt"
	"slices"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/advancedclimatesystems/gonnx/ops"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"
)

// interpreter runs a model through gonnx. gonnx v1.1.0 resolves opset 13 only; the operators it
// runs itself have the same semantics from 13 to 18 (later versions only add element types),
// so the model is presented to it as opset 13. Operators gonnx lacks, and those in ownOps whose later-opset attributes or
// types gonnx would mishandle, are supplied by this package's kernels through gonnx's operator
// hook; at opset 18 the reductions, which moved their axes from attribute to input, are always
// ours.
type interpreter struct {
	m *gonnx.Model
	g *graph
}

// ownOps are always run by this package's kernels rather than gonnx's, with the reason.
var ownOps = map[string]string{
	"Cast":     "gonnx rejects boolean input",
	"Identity": "absent from gonnx",
	"Shape":    "gonnx ignores the start and end attributes of opset 15",
	"Reshape":  "gonnx ignores the allowzero attribute of opset 14",
	"Slice":    "gonnx drops an axis sliced to length 1 (gorgonia reads it as an index)",
}

func newInterpreter(mp *onnx.ModelProto, g *graph) (in *interpreter, err error) {
	defer func() {
		if r := recover(); r != nil {
			in, err = nil, fmt.Errorf("%w: gonnx: %v", ErrUnsupported, r)
		}
	}()
	mp = proto.Clone(mp).(*onnx.ModelProto)
	for _, os := range mp.GetOpsetImport() {
		if d := os.GetDomain(); d == "" || d == "ai.onnx" {
			os.Version = 13
		}
	}
	gm, err := gonnx.NewModel(mp)
	if err != nil {
		return nil, fmt.Errorf("%w: gonnx: %v", ErrUnsupported, err)
	}
	base := gm.GetOperator
	gm.GetOperator = func(op string) (ops.Operator, error) {
		_, own := ownOps[op]
		if g.opset >= 18 && (op == "ReduceSum" || op == "ReduceMean") {
			own = true
		}
		if !own {
			if o, err := base(op); err == nil {
				return o, nil
			}
		}
		if _, ok := kernels[op]; ok {
			return &extOp{opset: g.opset}, nil
		}
		return nil, fmt.Errorf("%w: operator %s", ErrUnsupported, op)
	}
	return &interpreter{m: gm, g: g}, nil
}

func (in *interpreter) run(inputs map[string]Tensor) (out map[string]Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("gonnx: %v", r)
		}
	}()
	ts := gonnx.Tensors{}
	for i, vi := range in.g.inputs {
		t := inputs[vi.Name]
		v := &value{dt: in.g.inDT[i], shape: t.Shape}
		switch v.dt {
		case dtF32:
			v.f = t.Data
		case dtI64:
			v.i = make([]int64, len(t.Data))
			for j, x := range t.Data {
				v.i[j] = int64(x)
			}
		default:
			v.b = make([]bool, len(t.Data))
			for j, x := range t.Data {
				v.b[j] = x != 0
			}
		}
		ts[vi.Name] = toGorgonia(v)
	}
	res, err := in.m.Run(ts)
	if err != nil {
		return nil, fmt.Errorf("gonnx: %w", err)
	}
	out = map[string]Tensor{}
	for _, o := range in.g.outputs {
		t, ok := res[o.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("gonnx: no output %q", o.Name)
		}
		v, err := fromGorgonia(t)
		if err != nil {
			return nil, err
		}
		f := make([]float32, v.size())
		for j := range f {
			switch v.dt {
			case dtF32:
				f[j] = v.f[j]
			case dtI64:
				f[j] = float32(v.i[j])
			default:
				f[j] = b2f(v.b[j])
			}
		}
		out[o.Name] = Tensor{Shape: v.shape, Data: f}
	}
	return out, nil
}

func toGorgonia(v *value) tensor.Tensor {
	shape := slices.Clone(v.shape)
	if len(shape) == 0 {
		switch v.dt {
		case dtF32:
			return tensor.New(tensor.FromScalar(v.f[0]))
		case dtI64:
			return tensor.New(tensor.FromScalar(v.i[0]))
		}
		return tensor.New(tensor.FromScalar(v.b[0]))
	}
	var backing any
	switch v.dt {
	case dtF32:
		backing = slices.Clone(v.f)
	case dtI64:
		backing = slices.Clone(v.i)
	default:
		backing = slices.Clone(v.b)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
}

func fromGorgonia(t tensor.Tensor) (*value, error) {
	if m, ok := t.(interface {
		IsMaterializable() bool
		Materialize() tensor.Tensor
	}); ok && m.IsMaterializable() {
		t = m.Materialize()
	}
	v := &value{shape: slices.Clone([]int(t.Shape())), konst: true}
	if t.Shape().IsScalar() {
		v.shape = []int{}
	}
	switch d := t.Data().(type) {
	case []float32:
		v.dt, v.f = dtF32, slices.Clone(d)
	case float32:
		v.dt, v.f = dtF32, []float32{d}
	case []float64:
		v.dt, v.f = dtF32, make([]float32, len(d))
		for i, x := range d {
			v.f[i] = float32(x)
		}
	case float64:
		v.dt, v.f = dtF32, []float32{float32(d)}
	case []int64:
		v.dt, v.i = dtI64, slices.Clone(d)
	case int64:
		v.dt, v.i = dtI64, []int64{d}
	case []int32:
		v.dt, v.i = dtI64, make([]int64, len(d))
		for i, x := range d {
			v.i[i] = int64(x)
		}
	case int32:
		v.dt, v.i = dtI64, []int64{int64(d)}
	case []bool:
		v.dt, v.b = dtBool, slices.Clone(d)
	case bool:
		v.dt, v.b = dtBool, []bool{d}
	default:
		return nil, fmt.Errorf("%w: gonnx tensor of type %T", ErrUnsupported, d)
	}
	if n := len(v.f) + len(v.i) + len(v.b); n != v.size() {
		if n == 1 && v.size() == 1 {
			return v, nil
		}
		return nil, fmt.Errorf("gonnx tensor holds %d values for shape %v", n, v.shape)
	}
	return v, nil
}

// extOp runs one of this package's kernels inside gonnx.
type extOp struct {
	n     *node
	opset int64
}

func (e *extOp) String() string { return e.n.op + " operator" }

func (e *extOp) Init(np *onnx.NodeProto) error {
	e.n = &node{op: np.GetOpType(), name: np.GetName(), in: np.GetInput(), out: np.GetOutput(), attrs: map[string]*onnx.AttributeProto{}}
	for _, a := range np.GetAttribute() {
		e.n.attrs[a.GetName()] = a
	}
	return nil
}

func (e *extOp) Apply(inputs []tensor.Tensor) ([]tensor.Tensor, error) {
	k := &kctx{n: e.n, opset: e.opset}
	for _, t := range inputs {
		if t == nil {
			k.in = append(k.in, nil)
			continue
		}
		v, err := fromGorgonia(t)
		if err != nil {
			return nil, err
		}
		k.in = append(k.in, v)
	}
	for len(k.in) > 0 && k.in[len(k.in)-1] == nil {
		k.in = k.in[:len(k.in)-1]
	}
	outs, run, err := kernels[e.n.op](k)
	if err == nil {
		err = k.err
	}
	if err != nil {
		return nil, err
	}
	if run != nil {
		if err := run(); err != nil {
			return nil, err
		}
	}
	res := make([]tensor.Tensor, len(outs))
	for i, o := range outs {
		res[i] = toGorgonia(o)
	}
	return res, nil
}

func (e *extOp) GetMinInputs() int                                          { return 0 }
func (e *extOp) GetMaxInputs() int                                          { return 1 << 20 }
func (e *extOp) GetInputTypeConstraints() [][]tensor.Dtype                  { return nil }
func (e *extOp) ValidateInputs(in []tensor.Tensor) ([]tensor.Tensor, error) { return in, nil }
