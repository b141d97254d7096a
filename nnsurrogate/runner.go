package nnsurrogate

import (
	"fmt"
	"slices"
)

// Runner evaluates a Model on the fast path with buffers kept between calls. After the first
// call with given input shapes, SetInput, Run and Output allocate nothing. A new combination of
// input shapes is planned (and allocated) once; the last few plans are kept, so alternating
// between, say, batch 1 and batch 64 does not allocate either. A Runner is not safe for
// concurrent use: give each goroutine its own.
type Runner struct {
	m      *Model
	p      *plan
	plans  []*plan // most recent first
	shapes [][]int
	data   [][]float32
	set    []bool
}

// NewRunner returns a Runner, or the reason the fast path cannot run the model.
func (m *Model) NewRunner() (*Runner, error) {
	if m.fastErr != nil {
		return nil, m.fastErr
	}
	return m.newRunner(), nil
}

func (m *Model) newRunner() *Runner {
	n := len(m.g.inputs)
	return &Runner{m: m, shapes: make([][]int, n), data: make([][]float32, n), set: make([]bool, n)}
}

// SetInput records an input for the next Run. data is read by Run, not copied here. Integer and
// boolean model inputs take their values from data (booleans: non-zero is true).
func (r *Runner) SetInput(name string, data []float32, shape []int) error {
	i := r.m.g.inputIndex(name)
	if i < 0 {
		return fmt.Errorf("%w: model has no input %q (inputs: %s)", ErrInput, name, r.m.g.inputNames())
	}
	if err := checkShape(r.m.g.inputs[i], data, shape); err != nil {
		return err
	}
	r.shapes[i] = append(r.shapes[i][:0], shape...)
	r.data[i] = data
	r.set[i] = true
	return nil
}

// Run evaluates the model on the inputs set since the Runner was made.
func (r *Runner) Run() error {
	if r.p == nil || !sameShapes(r.p.inShapes, r.shapes) {
		for i, ok := range r.set {
			if !ok {
				return fmt.Errorf("%w: input %q not set", ErrInput, r.m.g.inputs[i].Name)
			}
		}
		if err := r.replan(); err != nil {
			return err
		}
	}
	for i, v := range r.p.in {
		d := r.data[i]
		switch v.dt {
		case dtF32:
			copy(v.f, d)
		case dtI64:
			for j, x := range d {
				v.i[j] = int64(x)
			}
		default:
			for j, x := range d {
				v.b[j] = x != 0
			}
		}
	}
	return r.p.run()
}

// maxPlans bounds the plans a Runner keeps.
const maxPlans = 4

func (r *Runner) replan() error {
	for i, p := range r.plans {
		if sameShapes(p.inShapes, r.shapes) {
			copy(r.plans[1:i+1], r.plans[:i])
			r.plans[0], r.p = p, p
			return nil
		}
	}
	p, err := newPlan(r.m.g, r.shapes)
	if err != nil {
		return fmt.Errorf("%w: shapes %v: %w", ErrInput, r.shapes, err)
	}
	if len(r.plans) < maxPlans {
		r.plans = append(r.plans, nil)
	}
	copy(r.plans[1:], r.plans)
	r.plans[0], r.p = p, p
	return nil
}

func sameShapes(a, b [][]int) bool {
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (r *Runner) outputIndex(name string) int {
	for i, o := range r.m.g.outputs {
		if o.Name == name {
			return i
		}
	}
	return -1
}

// Output returns the named output of the last Run (nil if there is no such output). The slice
// is owned by the Runner and overwritten by the next Run.
func (r *Runner) Output(name string) []float32 {
	i := r.outputIndex(name)
	if i < 0 || r.p == nil {
		return nil
	}
	return r.p.outF[i]
}

// OutputShape returns the shape of the named output of the last Run.
func (r *Runner) OutputShape(name string) []int {
	i := r.outputIndex(name)
	if i < 0 || r.p == nil {
		return nil
	}
	return r.p.out[i].shape
}
