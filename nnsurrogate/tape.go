package nnsurrogate

import "fmt"

// Batch holds a mini-batch: for each input name, the N samples concatenated row-major.
type Batch struct {
	N      int
	Inputs map[string][]float64
}

// tval is a value in a tape: data, gradient and whatever the layer keeps for its backward.
type tval struct {
	shape []int
	v, g  []float64
	cache []float64
	// noGrad marks network inputs whose gradient nobody asked for, so the first layer can skip
	// computing it.
	noGrad bool
}

func (t *tval) rows() int  { return numel(t.shape[:len(t.shape)-1]) }
func (t *tval) width() int { return t.shape[len(t.shape)-1] }

// tape holds one worker's values and parameter gradients.
type tape struct {
	vals  []*tval
	grads map[*Param][]float64
}

func (n *Network) newTape(own bool) *tape {
	t := &tape{grads: map[*Param][]float64{}}
	for range n.nodes {
		t.vals = append(t.vals, &tval{})
	}
	for _, p := range n.params {
		if own {
			t.grads[p] = make([]float64, len(p.W))
		} else {
			t.grads[p] = p.G
		}
	}
	return t
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func (n *Network) check() error {
	if n.err != nil {
		return n.err
	}
	if n.output < 0 {
		return fmt.Errorf("%w: no output set", ErrNetwork)
	}
	return nil
}

// Forward evaluates the network on a batch and returns the output values (batch-major) and
// their shape. The values stay valid until the next Forward.
func (n *Network) Forward(b Batch) ([]float64, []int, error) {
	if err := n.check(); err != nil {
		return nil, nil, err
	}
	if n.tape == nil {
		n.tape = n.newTape(false)
	}
	if err := n.forward(n.tape, b, 0, b.N); err != nil {
		return nil, nil, err
	}
	out := n.tape.vals[n.output]
	return out.v, out.shape, nil
}

// Backward accumulates into each Param's G the gradient of a loss whose gradient with respect
// to the last Forward's output is dOut.
func (n *Network) Backward(dOut []float64) error {
	if n.tape == nil {
		return fmt.Errorf("%w: Backward before Forward", ErrNetwork)
	}
	out := n.tape.vals[n.output]
	if len(dOut) != len(out.v) {
		return fmt.Errorf("%w: gradient of %d values for an output of %d", ErrNetwork, len(dOut), len(out.v))
	}
	n.backward(n.tape, dOut)
	return nil
}

// forward evaluates samples [lo, hi) of b.
func (n *Network) forward(t *tape, b Batch, lo, hi int) error {
	B := hi - lo
	for i, nd := range n.nodes {
		tv := t.vals[i]
		if nd.input >= 0 {
			in := n.inputs[nd.input]
			data, ok := b.Inputs[in.name]
			if !ok {
				return fmt.Errorf("%w: input %q missing", ErrNetwork, in.name)
			}
			if b.N <= 0 || len(data)%b.N != 0 || len(data)/b.N%in.width != 0 {
				return fmt.Errorf("%w: input %q holds %d values, not a multiple of %d samples × %d features", ErrNetwork, in.name, len(data), b.N, in.width)
			}
			per := len(data) / b.N
			if in.set {
				tv.shape = []int{B, per / in.width, in.width}
			} else if per != in.width {
				return fmt.Errorf("%w: input %q has %d values per sample, want %d", ErrNetwork, in.name, per, in.width)
			} else {
				tv.shape = []int{B, in.width}
			}
			tv.v = data[lo*per : hi*per]
			tv.g = grow(tv.g, len(tv.v))
			tv.noGrad = !n.inputGrads
			continue
		}
		ins := make([]*tval, len(nd.in))
		for j, x := range nd.in {
			ins[j] = t.vals[x]
		}
		if err := nd.op.forward(ins, tv); err != nil {
			return fmt.Errorf("%w: layer %d: %w", ErrNetwork, i, err)
		}
		tv.g = grow(tv.g, len(tv.v))
	}
	return nil
}

func (n *Network) backward(t *tape, dOut []float64) {
	for _, tv := range t.vals {
		clear(tv.g)
	}
	copy(t.vals[n.output].g, dOut)
	for i := len(n.nodes) - 1; i >= 0; i-- {
		nd := n.nodes[i]
		if nd.input >= 0 {
			continue
		}
		ins := make([]*tval, len(nd.in))
		for j, x := range nd.in {
			ins[j] = t.vals[x]
		}
		grads := make([][]float64, len(nd.params))
		for j, p := range nd.params {
			grads[j] = t.grads[p]
		}
		nd.op.backward(ins, t.vals[i], grads)
	}
}

// ---- layers ----
