package nnsurrogate

import (
	"errors"
	"fmt"
	"slices"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// value is a tensor during planning and execution. Exactly one of f, i, b is used, by dt.
// konst values are known when the plan is built (initializers, constants and everything
// computed only from them and from shapes) and are never recomputed.
type value struct {
	dt    dtype
	shape []int
	f     []float32
	i     []int64
	b     []bool
	konst bool
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (v *value) size() int { return numel(v.shape) }

// alias returns a value with another shape over the same storage, so reshapes cost nothing at
// run time: the producer writes into the shared slice.
func (v *value) alias(shape []int) *value {
	return &value{dt: v.dt, shape: shape, f: v.f, i: v.i, b: v.b, konst: v.konst}
}

// kctx is what a kernel sees while it is planned.
type kctx struct {
	n     *node
	in    []*value
	opset int64
	err   error
}

// A kernel checks its inputs' types and shapes, allocates its outputs and returns the function
// that computes them. A nil function means the outputs are already final (aliases, shapes,
// constants).
type kernel func(k *kctx) ([]*value, func() error, error)

var errShape = errors.New("shape error")

func (k *kctx) fail(format string, a ...any) error {
	return fmt.Errorf("%v: %w: %s", k.n, errShape, fmt.Sprintf(format, a...))
}

func (k *kctx) unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: %v: %s", ErrUnsupported, k.n, fmt.Sprintf(format, a...))
}

func (k *kctx) alloc(dt dtype, shape []int) *value {
	n := 1
	for _, d := range shape {
		if d < 0 || d > maxElements {
			k.err = k.fail("invalid dimension in %v", shape)
			return &value{dt: dt, shape: []int{0}}
		}
		n *= d
		if n > maxElements {
			k.err = k.fail("tensor of shape %v is too large", shape)
			return &value{dt: dt, shape: []int{0}}
		}
	}
	v := &value{dt: dt, shape: shape}
	switch dt {
	case dtF32:
		v.f = make([]float32, n)
	case dtI64:
		v.i = make([]int64, n)
	default:
		v.b = make([]bool, n)
	}
	return v
}

// arg returns input i, or nil when it is absent or named "".
func (k *kctx) arg(i int) *value {
	if i < len(k.in) {
		return k.in[i]
	}
	return nil
}

func (k *kctx) need(nmin, nmax int) error {
	if len(k.in) < nmin || len(k.in) > nmax {
		return k.fail("%d inputs, want %d to %d", len(k.in), nmin, nmax)
	}
	for i := 0; i < nmin; i++ {
		if k.in[i] == nil {
			return k.fail("input %d missing", i)
		}
	}
	return nil
}

func (k *kctx) wantDT(v *value, dts ...dtype) error {
	if !slices.Contains(dts, v.dt) {
		return k.unsupported("element type %v", v.dt)
	}
	return nil
}

// ints reads a constant integer input (shapes, axes), which the fast path needs at plan time.
func (k *kctx) ints(i int) ([]int64, error) {
	v := k.arg(i)
	if v == nil {
		return nil, nil
	}
	if v.dt != dtI64 {
		return nil, k.fail("input %d must be int64", i)
	}
	if !v.konst {
		return nil, k.unsupported("input %d (shape or axes) depends on data at run time", i)
	}
	return v.i, nil
}

func (n *node) attrInt(name string, def int64) int64 {
	if a, ok := n.attrs[name]; ok {
		return a.GetI()
	}
	return def
}

func (n *node) attrFloat(name string, def float32) float32 {
	if a, ok := n.attrs[name]; ok {
		return a.GetF()
	}
	return def
}

func (n *node) attrInts(name string) ([]int64, bool) {
	if a, ok := n.attrs[name]; ok {
		return a.GetInts(), true
	}
	return nil, false
}

// plan is a model compiled for one set of input shapes.
type plan struct {
	in       []*value
	out      []*value
	outF     [][]float32
	inShapes [][]int
	steps    []step
}

type step struct {
	n   *node
	run func() error
}

func newPlan(g *graph, shapes [][]int) (p *plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: planning failed: %v", ErrInvalidModel, r)
		}
	}()
	vals := make(map[string]*value, len(g.inits)+len(g.nodes))
	for name, v := range g.inits {
		vals[name] = v
	}
	p = &plan{}
	for i, in := range g.inputs {
		k := &kctx{n: &node{op: "input", name: in.Name}}
		v := k.alloc(g.inDT[i], slices.Clone(shapes[i]))
		if k.err != nil {
			return nil, k.err
		}
		vals[in.Name] = v
		p.in = append(p.in, v)
		p.inShapes = append(p.inShapes, slices.Clone(shapes[i]))
	}
	for _, n := range g.nodes {
		k := &kctx{n: n, opset: g.opset}
		allKonst := true
		for _, name := range n.in {
			var v *value
			if name != "" {
				v = vals[name]
				allKonst = allKonst && v.konst
			}
			k.in = append(k.in, v)
		}
		for len(k.in) > 0 && k.in[len(k.in)-1] == nil {
			k.in = k.in[:len(k.in)-1]
		}
		outs, run, err := kernels[n.op](k)
		if err == nil {
			err = k.err
		}
		if err != nil {
			return nil, err
		}
		for j, name := range n.out {
			if name == "" {
				continue
			}
			if j >= len(outs) {
				return nil, k.unsupported("output %d is not computed", j)
			}
			vals[name] = outs[j]
		}
		if run == nil {
			continue
		}
		if allKonst {
			if err := run(); err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			for _, o := range outs {
				o.konst = true
			}
			continue
		}
		p.steps = append(p.steps, step{n, run})
	}
	for _, o := range g.outputs {
		v := vals[o.Name]
		p.out = append(p.out, v)
		if v.dt == dtF32 {
			p.outF = append(p.outF, v.f)
		} else {
			p.outF = append(p.outF, make([]float32, v.size()))
		}
	}
	return p, nil
}

func (p *plan) run() error {
	for i := range p.steps {
		if err := p.steps[i].run(); err != nil {
			return fmt.Errorf("%v: %w", p.steps[i].n, err)
		}
	}
	for i, v := range p.out {
		switch v.dt {
		case dtI64:
			for j, x := range v.i {
				p.outF[i][j] = float32(x)
			}
		case dtBool:
			for j, x := range v.b {
				p.outF[i][j] = b2f(x)
			}
		}
	}
	return nil
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// ---- shape helpers ----

func normAxis(axis int64, rank int) (int, bool) {
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), axis >= 0 && axis < int64(rank)
}

func broadcastShapes(shapes ...[]int) ([]int, bool) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := r - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, false
			}
		}
	}
	return out, true
}

func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// bcastIdx maps every element of a tensor of shape out to the element of a tensor of shape in
// (broadcast to out) that it reads.
func bcastIdx(out, in []int) []int32 {
	n := numel(out)
	idx := make([]int32, n)
	off := len(out) - len(in)
	ist := stridesOf(in)
	eff := make([]int, len(out))
	for i := range in {
		if in[i] != 1 {
			eff[off+i] = ist[i]
		}
	}
	ctr := make([]int, len(out))
	src := 0
	for j := 0; j < n; j++ {
		idx[j] = int32(src)
		for d := len(out) - 1; d >= 0; d-- {
			ctr[d]++
			src += eff[d]
			if ctr[d] < out[d] {
				break
			}
			src -= eff[d] * ctr[d]
			ctr[d] = 0
		}
	}
	return idx
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func scalarOf(v *value) (float64, bool) {
	if v == nil || !v.konst || v.size() != 1 {
		return 0, false
	}
	switch v.dt {
	case dtF32:
		return float64(v.f[0]), true
	case dtI64:
		return float64(v.i[0]), true
	}
	return 0, false
}

func constFromAttr(k *kctx, a *onnx.AttributeProto) (*value, error) {
	switch {
	case a.GetT() != nil:
		v, err := tensorFromProto(a.GetT(), true)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", k.n, err)
		}
		return v, nil
	case a.GetName() == "value_float":
		return &value{dt: dtF32, shape: []int{}, f: []float32{a.GetF()}, konst: true}, nil
	case a.GetName() == "value_floats":
		return &value{dt: dtF32, shape: []int{len(a.GetFloats())}, f: slices.Clone(a.GetFloats()), konst: true}, nil
	case a.GetName() == "value_int":
		return &value{dt: dtI64, shape: []int{}, i: []int64{a.GetI()}, konst: true}, nil
	case a.GetName() == "value_ints":
		return &value{dt: dtI64, shape: []int{len(a.GetInts())}, i: slices.Clone(a.GetInts()), konst: true}, nil
	}
	return nil, k.unsupported("constant attribute %q", a.GetName())
}
