package nnsurrogate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

// Errors returned by this package, wrapped with context.
var (
	// ErrInvalidModel: the file is not a well-formed ONNX model (bad protobuf, dangling names,
	// tensors whose data does not match their shape, NaN or infinite weights).
	ErrInvalidModel = errors.New("invalid model")
	// ErrUnsupported: a well-formed model uses an operator, opset or element type this package
	// does not run.
	ErrUnsupported = errors.New("unsupported model")
	// ErrInput: inputs given at run time do not match the model (name, rank, fixed dims, length).
	ErrInput = errors.New("invalid input")
)

// Opsets accepted for the default ONNX domain.
const (
	MinOpset = 13
	MaxOpset = 18
)

// maxElements bounds any tensor (initializer or planned value) so that a corrupt file cannot
// make the planner allocate without limit.
const maxElements = 1 << 24

// Tensor is a dense row-major float32 tensor. Boolean and integer model inputs and outputs are
// carried as float32 values (0/1 for booleans).
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

// ValueInfo describes a model input or output. Dynamic dimensions are -1; Shape is nil when the
// model does not declare the rank.
type ValueInfo struct {
	Name  string
	Shape []int
	// DType is the element type inside the model: "float32", "int64" or "bool".
	DType string
}

// Engine selects how a Model is run.
type Engine int

const (
	// Auto uses the fast path when the model compiles for it, otherwise the interpreter.
	Auto Engine = iota
	// Fast is the compiled path with preallocated buffers.
	Fast
	// Interpreter is gonnx with this package's operator extensions.
	Interpreter
)

func (e Engine) String() string {
	switch e {
	case Fast:
		return "fast"
	case Interpreter:
		return "interpreter"
	}
	return "auto"
}

// Model is a checked ONNX model. It is safe for concurrent use.
type Model struct {
	g         *graph
	fastErr   error // why the fast path cannot run this model (nil if it can)
	interp    *interpreter
	interpErr error
	pool      sync.Pool
	meta      map[string]string
}

// Load reads and checks an ONNX file.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := LoadReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadReader reads and checks an ONNX model.
func LoadReader(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	mp := &onnx.ModelProto{}
	if err := proto.Unmarshal(b, mp); err != nil {
		return nil, fmt.Errorf("%w: not an ONNX protobuf: %v", ErrInvalidModel, err)
	}
	return FromProto(mp)
}

// FromProto checks an already decoded model.
func FromProto(mp *onnx.ModelProto) (m *Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: %v", ErrInvalidModel, r)
		}
	}()
	g, err := parseGraph(mp)
	if err != nil {
		return nil, err
	}
	m = &Model{g: g}
	for _, e := range mp.GetMetadataProps() {
		if m.meta == nil {
			m.meta = map[string]string{}
		}
		m.meta[e.GetKey()] = e.GetValue()
	}
	// A trial plan with every dynamic dimension set to 1 catches shape errors and operators
	// whose shapes depend on data now rather than at the first call.
	// Inputs of unknown rank leave the check to the first call.
	if trial, ok := trialShapes(g); ok {
		if _, err := newPlan(g, trial); err != nil {
			switch {
			case errors.Is(err, ErrInvalidModel):
				return nil, err
			case !errors.Is(err, ErrUnsupported):
				return nil, fmt.Errorf("%w: with every dynamic dimension set to 1: %w", ErrInvalidModel, err)
			}
			m.fastErr = err
		}
	}
	m.interp, m.interpErr = newInterpreter(mp, g)
	if m.fastErr != nil && m.interpErr != nil {
		return nil, m.fastErr
	}
	return m, nil
}

func trialShapes(g *graph) ([][]int, bool) {
	s := make([][]int, len(g.inputs))
	for i, in := range g.inputs {
		if in.Shape == nil {
			return nil, false
		}
		s[i] = make([]int, len(in.Shape))
		for j, d := range in.Shape {
			if d < 0 {
				d = 1
			}
			s[i][j] = d
		}
	}
	return s, true
}

// Inputs lists the inputs a caller provides (initializers excluded).
func (m *Model) Inputs() []ValueInfo { return cloneInfos(m.g.inputs) }

// Outputs lists the model outputs.
func (m *Model) Outputs() []ValueInfo { return cloneInfos(m.g.outputs) }

func cloneInfos(v []ValueInfo) []ValueInfo {
	out := make([]ValueInfo, len(v))
	for i, x := range v {
		out[i] = ValueInfo{Name: x.Name, Shape: append([]int(nil), x.Shape...), DType: x.DType}
	}
	return out
}

// Metadata is the value recorded under key in the model's metadata (ONNX
// metadata_props, as Network.SetMetadata writes them); ok is false when the
// model has none.
func (m *Model) Metadata(key string) (value string, ok bool) {
	value, ok = m.meta[key]
	return value, ok
}

// Opset is the default-domain opset the model was written for.
func (m *Model) Opset() int { return int(m.g.opset) }

// OpCounts counts the graph's nodes by operator type.
func (m *Model) OpCounts() map[string]int {
	c := map[string]int{}
	for _, n := range m.g.nodes {
		c[n.op]++
	}
	return c
}

// NumParams is the number of float32 weights stored in initializers.
func (m *Model) NumParams() int {
	n := 0
	for _, v := range m.g.inits {
		if v.dt == dtF32 {
			n += len(v.f)
		}
	}
	return n
}

// EngineStatus reports whether each engine can run the model, and why not.
func (m *Model) EngineStatus() (fast, interpreter error) { return m.fastErr, m.interpErr }

// Run evaluates the model on the given inputs with the Auto engine.
func (m *Model) Run(inputs map[string]Tensor) (map[string]Tensor, error) {
	return m.RunEngine(Auto, inputs)
}

// RunEngine evaluates the model with the chosen engine.
func (m *Model) RunEngine(e Engine, inputs map[string]Tensor) (out map[string]Tensor, err error) {
	if err := m.checkInputs(inputs); err != nil {
		return nil, err
	}
	if e == Auto {
		e = Fast
		if m.fastErr != nil {
			e = Interpreter
		}
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %v", ErrInvalidModel, r)
		}
	}()
	if e == Interpreter {
		if m.interpErr != nil {
			return nil, m.interpErr
		}
		return m.interp.run(inputs)
	}
	if m.fastErr != nil {
		return nil, m.fastErr
	}
	r, _ := m.pool.Get().(*Runner)
	if r == nil {
		r = m.newRunner()
	}
	defer m.pool.Put(r)
	for name, t := range inputs {
		if err := r.SetInput(name, t.Data, t.Shape); err != nil {
			return nil, err
		}
	}
	if err := r.Run(); err != nil {
		return nil, err
	}
	out = make(map[string]Tensor, len(m.g.outputs))
	for _, o := range m.g.outputs {
		out[o.Name] = Tensor{Shape: append([]int(nil), r.OutputShape(o.Name)...), Data: append([]float32(nil), r.Output(o.Name)...)}
	}
	clear(r.data) // do not keep the caller's slices alive in the pool
	return out, nil
}

func (m *Model) checkInputs(inputs map[string]Tensor) error {
	for name := range inputs {
		if m.g.inputIndex(name) < 0 {
			return fmt.Errorf("%w: model has no input %q (inputs: %s)", ErrInput, name, m.g.inputNames())
		}
	}
	for _, in := range m.g.inputs {
		t, ok := inputs[in.Name]
		if !ok {
			return fmt.Errorf("%w: input %q missing", ErrInput, in.Name)
		}
		if err := checkShape(in, t.Data, t.Shape); err != nil {
			return err
		}
	}
	return nil
}

func checkShape(in ValueInfo, data []float32, shape []int) error {
	if in.Shape == nil {
		in.Shape = make([]int, len(shape))
		for i := range in.Shape {
			in.Shape[i] = -1
		}
	}
	if len(shape) != len(in.Shape) {
		return fmt.Errorf("%w: input %q has shape %v, want rank %d %v", ErrInput, in.Name, shape, len(in.Shape), in.Shape)
	}
	n := 1
	for i, d := range shape {
		if d < 0 || d > maxElements || (in.Shape[i] >= 0 && d != in.Shape[i]) {
			return fmt.Errorf("%w: input %q has shape %v, want %v (-1 = any)", ErrInput, in.Name, shape, in.Shape)
		}
		n *= d
		if n > maxElements {
			return fmt.Errorf("%w: input %q of shape %v is too large", ErrInput, in.Name, shape)
		}
	}
	if n != len(data) {
		return fmt.Errorf("%w: input %q has %d values, shape %v needs %d", ErrInput, in.Name, len(data), shape, n)
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) {
			return fmt.Errorf("%w: input %q holds NaN at index %d", ErrInput, in.Name, i)
		}
	}
	if in.DType == "int64" {
		for i, v := range data {
			if v != float32(math.Trunc(float64(v))) || math.Abs(float64(v)) > 1<<24 {
				return fmt.Errorf("%w: integer input %q holds %v at index %d", ErrInput, in.Name, v, i)
			}
		}
	}
	return nil
}

// ---- graph: the checked, engine-independent form of an ONNX model ----

type dtype uint8

const (
	dtF32 dtype = iota
	dtI64
	dtBool
)

func (d dtype) String() string {
	return [...]string{"float32", "int64", "bool"}[d]
}

type node struct {
	op, name string
	in, out  []string
	attrs    map[string]*onnx.AttributeProto
}

func (n *node) String() string {
	if n.name != "" {
		return fmt.Sprintf("%s node %q", n.op, n.name)
	}
	return fmt.Sprintf("%s node with output %q", n.op, firstOr(n.out, ""))
}

func firstOr(s []string, d string) string {
	if len(s) > 0 {
		return s[0]
	}
	return d
}

type graph struct {
	opset   int64
	inputs  []ValueInfo
	inDT    []dtype
	outputs []ValueInfo
	inits   map[string]*value
	nodes   []*node
}

func (g *graph) inputIndex(name string) int {
	for i, in := range g.inputs {
		if in.Name == name {
			return i
		}
	}
	return -1
}

func (g *graph) inputNames() string {
	s := make([]string, len(g.inputs))
	for i, in := range g.inputs {
		s[i] = in.Name
	}
	return strings.Join(s, ", ")
}

func parseGraph(mp *onnx.ModelProto) (*graph, error) {
	gp := mp.GetGraph()
	if gp == nil {
		return nil, fmt.Errorf("%w: no graph", ErrInvalidModel)
	}
	g := &graph{inits: map[string]*value{}}
	for _, os := range mp.GetOpsetImport() {
		if d := os.GetDomain(); d == "" || d == "ai.onnx" {
			g.opset = os.GetVersion()
		}
	}
	if g.opset == 0 {
		return nil, fmt.Errorf("%w: no opset for the default ONNX domain", ErrInvalidModel)
	}
	if g.opset < MinOpset || g.opset > MaxOpset {
		return nil, fmt.Errorf("%w: opset %d (supported: %d–%d)", ErrUnsupported, g.opset, MinOpset, MaxOpset)
	}
	for _, tp := range gp.GetInitializer() {
		v, err := tensorFromProto(tp, false)
		if err != nil {
			return nil, fmt.Errorf("initializer %q: %w", tp.GetName(), err)
		}
		if tp.GetName() == "" {
			return nil, fmt.Errorf("%w: initializer without a name", ErrInvalidModel)
		}
		g.inits[tp.GetName()] = v
	}
	for _, vi := range gp.GetInput() {
		if _, ok := g.inits[vi.GetName()]; ok {
			continue
		}
		info, dt, err := valueInfo(vi)
		if err != nil {
			return nil, err
		}
		g.inputs = append(g.inputs, info)
		g.inDT = append(g.inDT, dt)
	}
	for _, vi := range gp.GetOutput() {
		info, _, err := valueInfo(vi)
		if err != nil {
			return nil, err
		}
		g.outputs = append(g.outputs, info)
	}
	if len(g.outputs) == 0 {
		return nil, fmt.Errorf("%w: graph has no outputs", ErrInvalidModel)
	}
	var unsupported []string
	seen := map[string]bool{}
	for _, np := range gp.GetNode() {
		n := &node{op: np.GetOpType(), name: np.GetName(), in: np.GetInput(), out: np.GetOutput(), attrs: map[string]*onnx.AttributeProto{}}
		for _, a := range np.GetAttribute() {
			n.attrs[a.GetName()] = a
		}
		if d := np.GetDomain(); d != "" && d != "ai.onnx" {
			unsupported = append(unsupported, d+"."+n.op)
		} else if _, ok := kernels[n.op]; !ok && !seen[n.op] {
			seen[n.op] = true
			unsupported = append(unsupported, n.op)
		}
		if len(n.out) == 0 {
			return nil, fmt.Errorf("%w: %v has no outputs", ErrInvalidModel, n)
		}
		g.nodes = append(g.nodes, n)
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return nil, fmt.Errorf("%w: operators %s (opset %d)", ErrUnsupported, strings.Join(unsupported, ", "), g.opset)
	}
	if err := g.sortNodes(); err != nil {
		return nil, err
	}
	return g, nil
}

// sortNodes orders nodes so that every value is produced before it is used (ONNX requires this,
// but a stable sort costs little and gives a clear error for dangling names and cycles).
func (g *graph) sortNodes() error {
	avail := map[string]bool{"": true}
	for name := range g.inits {
		avail[name] = true
	}
	for _, in := range g.inputs {
		avail[in.Name] = true
	}
	produced := map[string]bool{}
	for _, n := range g.nodes {
		for _, o := range n.out {
			if o == "" {
				continue
			}
			if produced[o] || avail[o] {
				return fmt.Errorf("%w: value %q is produced twice", ErrInvalidModel, o)
			}
			produced[o] = true
		}
	}
	done := make([]bool, len(g.nodes))
	sorted := make([]*node, 0, len(g.nodes))
	for len(sorted) < len(g.nodes) {
		progress := false
		for i, n := range g.nodes {
			if done[i] {
				continue
			}
			ready := true
			for _, in := range n.in {
				if !avail[in] {
					if !produced[in] {
						return fmt.Errorf("%w: %v reads %q, which no node, input or initializer provides", ErrInvalidModel, n, in)
					}
					ready = false
				}
			}
			if ready {
				done[i], progress = true, true
				sorted = append(sorted, n)
				for _, o := range n.out {
					avail[o] = true
				}
			}
		}
		if !progress {
			return fmt.Errorf("%w: the graph has a cycle", ErrInvalidModel)
		}
	}
	g.nodes = sorted
	for _, o := range g.outputs {
		if !avail[o.Name] {
			return fmt.Errorf("%w: output %q is never produced", ErrInvalidModel, o.Name)
		}
	}
	return nil
}

func elemType(t int32) (dtype, error) {
	switch onnx.TensorProto_DataType(t) {
	case onnx.TensorProto_FLOAT:
		return dtF32, nil
	case onnx.TensorProto_INT64, onnx.TensorProto_INT32:
		return dtI64, nil
	case onnx.TensorProto_BOOL:
		return dtBool, nil
	}
	return 0, fmt.Errorf("%w: element type %v (supported: float32, int64, int32, bool)", ErrUnsupported, onnx.TensorProto_DataType(t))
}

func valueInfo(vi *onnx.ValueInfoProto) (ValueInfo, dtype, error) {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return ValueInfo{}, 0, fmt.Errorf("%w: %q is not a tensor", ErrUnsupported, vi.GetName())
	}
	dt, err := elemType(tt.GetElemType())
	if err != nil {
		return ValueInfo{}, 0, fmt.Errorf("%q: %w", vi.GetName(), err)
	}
	info := ValueInfo{Name: vi.GetName(), DType: dt.String()}
	if tt.GetShape() == nil {
		return info, dt, nil // rank unknown: any shape is accepted
	}
	info.Shape = []int{}
	for _, d := range tt.GetShape().GetDim() {
		v := d.GetDimValue()
		if v <= 0 || v > maxElements {
			v = -1
		}
		info.Shape = append(info.Shape, int(v))
	}
	return info, dt, nil
}

// tensorFromProto decodes an initializer or Constant value. Constants may hold ±Inf (torch
// writes -inf for masked_fill); weights may not.
func tensorFromProto(tp *onnx.TensorProto, allowInf bool) (*value, error) {
	dt, err := elemType(tp.GetDataType())
	if err != nil {
		return nil, err
	}
	if tp.GetDataLocation() == onnx.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("%w: external tensor data", ErrUnsupported)
	}
	shape := make([]int, len(tp.GetDims()))
	n := 1
	for i, d := range tp.GetDims() {
		if d < 0 || d > maxElements {
			return nil, fmt.Errorf("%w: dimension %d", ErrInvalidModel, d)
		}
		shape[i] = int(d)
		n *= int(d)
		if n > maxElements {
			return nil, fmt.Errorf("%w: tensor too large", ErrInvalidModel)
		}
	}
	v := &value{dt: dt, shape: shape, konst: true}
	raw := tp.GetRawData()
	bad := func(have int) error {
		return fmt.Errorf("%w: %d values stored for shape %v", ErrInvalidModel, have, shape)
	}
	switch {
	case dt == dtF32:
		switch {
		case len(raw) > 0:
			if len(raw) != 4*n {
				return nil, bad(len(raw) / 4)
			}
			v.f = make([]float32, n)
			for i := range v.f {
				v.f[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
			}
		default:
			if len(tp.GetFloatData()) != n {
				return nil, bad(len(tp.GetFloatData()))
			}
			v.f = append([]float32(nil), tp.GetFloatData()...)
		}
		for i, x := range v.f {
			if math.IsNaN(float64(x)) || (!allowInf && math.IsInf(float64(x), 0)) {
				return nil, fmt.Errorf("%w: non-finite weight %v at index %d", ErrInvalidModel, x, i)
			}
		}
	case dt == dtI64:
		v.i = make([]int64, n)
		is32 := onnx.TensorProto_DataType(tp.GetDataType()) == onnx.TensorProto_INT32
		switch {
		case len(raw) > 0 && is32:
			if len(raw) != 4*n {
				return nil, bad(len(raw) / 4)
			}
			for i := range v.i {
				v.i[i] = int64(int32(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24))
			}
		case len(raw) > 0:
			if len(raw) != 8*n {
				return nil, bad(len(raw) / 8)
			}
			for i := range v.i {
				var u uint64
				for k := 7; k >= 0; k-- {
					u = u<<8 | uint64(raw[8*i+k])
				}
				v.i[i] = int64(u)
			}
		case is32:
			if len(tp.GetInt32Data()) != n {
				return nil, bad(len(tp.GetInt32Data()))
			}
			for i, x := range tp.GetInt32Data() {
				v.i[i] = int64(x)
			}
		default:
			if len(tp.GetInt64Data()) != n {
				return nil, bad(len(tp.GetInt64Data()))
			}
			copy(v.i, tp.GetInt64Data())
		}
	default:
		v.b = make([]bool, n)
		switch {
		case len(raw) > 0:
			if len(raw) != n {
				return nil, bad(len(raw))
			}
			for i := range v.b {
				v.b[i] = raw[i] != 0
			}
		default:
			if len(tp.GetInt32Data()) != n {
				return nil, bad(len(tp.GetInt32Data()))
			}
			for i, x := range tp.GetInt32Data() {
				v.b[i] = x != 0
			}
		}
	}
	return v, nil
}
