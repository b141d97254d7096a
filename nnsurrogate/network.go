package nnsurrogate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Network is a small trainable graph of layers over float64 values. Every value has the batch as
// its first dimension, then optionally a set (items) dimension, then features. Build it with
// NewNetwork, Input/SetInput and the layer methods, name its output with SetOutput, then train
// it with Fit (regression) or with Forward, Backward and an Adam optimiser (any loss), and write
// it to ONNX with WriteONNX.
//
// A Network is not safe for concurrent use; Fit spreads each mini-batch over goroutines itself.
type Network struct {
	rng     *rand.Rand
	inputs  []netInput
	nodes   []*netNode
	params  []*Param
	output  Node
	outName string
	// inputGrads keeps gradients with respect to the inputs (tests read them).
	inputGrads bool
	err        error // first builder misuse
	tape       *tape
}

// Node is a value in a Network under construction.
type Node int

type netInput struct {
	name  string
	width int  // features per row (for an index input: 1)
	set   bool // has a set dimension
	node  Node
}

type netNode struct {
	op     layer
	in     []Node
	set    bool // output has a set dimension
	width  int  // output features
	input  int  // index into inputs, or -1
	params []*Param
}

// Param is a trainable tensor. G accumulates gradients between ZeroGrad calls.
type Param struct {
	Name  string
	Shape []int
	W, G  []float64
	m, v  []float64
}

// ErrNetwork reports misuse of the network builder or data that does not fit the network.
var ErrNetwork = errors.New("network")

// NewNetwork starts an empty network whose weights are initialised from seed.
func NewNetwork(seed uint64) *Network {
	return &Network{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), output: -1}
}

func (n *Network) add(op layer, set bool, width int, in ...Node) Node {
	n.nodes = append(n.nodes, &netNode{op: op, in: in, set: set, width: width, input: -1})
	n.tape = nil
	return Node(len(n.nodes) - 1)
}

// node returns x's description. Builder misuse is recorded as the network's first error
// (reported by Forward, Fit and ONNX) and a placeholder is returned so building can go on.
func (n *Network) node(x Node) *netNode {
	if int(x) < 0 || int(x) >= len(n.nodes) {
		n.fail("node %d does not belong to this network", x)
		return &netNode{width: 1, input: -1}
	}
	return n.nodes[x]
}

func (n *Network) fail(format string, a ...any) {
	if n.err == nil {
		n.err = fmt.Errorf("%w: %s", ErrNetwork, fmt.Sprintf(format, a...))
	}
}

func (n *Network) newParam(name string, shape []int, scale float64) *Param {
	p := &Param{Name: name, Shape: shape}
	sz := numel(shape)
	p.W, p.G, p.m, p.v = make([]float64, sz), make([]float64, sz), make([]float64, sz), make([]float64, sz)
	for i := range p.W {
		p.W[i] = scale * (2*n.rng.Float64() - 1)
	}
	n.params = append(n.params, p)
	return p
}

func (n *Network) addInput(name string, width int, set bool) Node {
	for _, in := range n.inputs {
		if in.name == name {
			n.fail("input %q declared twice", name)
		}
	}
	if width <= 0 || name == "" {
		n.fail("input %q of width %d", name, width)
	}
	x := n.add(inputLayer{}, set, width)
	n.nodes[x].input = len(n.inputs)
	n.inputs = append(n.inputs, netInput{name: name, width: width, set: set, node: x})
	return x
}

// Input declares an input of shape [batch, width].
func (n *Network) Input(name string, width int) Node { return n.addInput(name, width, false) }

// SetInput declares an input of shape [batch, items, width]; the number of items may vary
// between batches.
func (n *Network) SetInput(name string, width int) Node { return n.addInput(name, width, true) }

// Dense applies x·Wᵀ + b to the last dimension. W is out×in, as in PyTorch's Linear; Kaiming
// uniform initialisation as PyTorch does. Without bias, zero rows (padding items) stay zero.
func (n *Network) Dense(x Node, out int, bias bool) Node {
	in := n.node(x)
	if out <= 0 {
		n.fail("dense layer of width %d", out)
		out = 1
	}
	k := len(n.nodes)
	d := &denseLayer{in: in.width, out: out}
	bound := 1 / math.Sqrt(float64(in.width))
	d.w = n.newParam(fmt.Sprintf("dense%d.weight", k), []int{out, in.width}, bound)
	ps := []*Param{d.w}
	if bias {
		d.b = n.newParam(fmt.Sprintf("dense%d.bias", k), []int{out}, bound)
		ps = append(ps, d.b)
	}
	y := n.add(d, in.set, out, x)
	n.nodes[y].params = ps
	return y
}

// ReLU applies max(x, 0).
func (n *Network) ReLU(x Node) Node { return n.add(reluLayer{}, n.node(x).set, n.node(x).width, x) }

// Tanh applies tanh.
func (n *Network) Tanh(x Node) Node { return n.add(tanhLayer{}, n.node(x).set, n.node(x).width, x) }

// Embedding maps an index input (a SetInput or Input of width 1 holding integers 0..vocab-1)
// to vectors of size dim: [batch, items, 1] → [batch, items, dim].
func (n *Network) Embedding(idx Node, vocab, dim int) Node {
	in := n.node(idx)
	if in.width != 1 || vocab <= 0 || dim <= 0 {
		n.fail("embedding of %d×%d on a value of width %d (want 1)", vocab, dim, in.width)
		vocab, dim = max(vocab, 1), max(dim, 1)
	}
	e := &embeddingLayer{vocab: vocab, dim: dim}
	e.w = n.newParam(fmt.Sprintf("embedding%d.weight", len(n.nodes)), []int{vocab, dim}, 1)
	y := n.add(e, in.set, dim, idx)
	n.nodes[y].params = []*Param{e.w}
	return y
}

// LayerNorm normalises the last dimension and applies a learned scale and shift.
func (n *Network) LayerNorm(x Node) Node {
	in := n.node(x)
	k := len(n.nodes)
	l := &layerNormLayer{d: in.width, eps: 1e-5}
	l.g = n.newParam(fmt.Sprintf("ln%d.weight", k), []int{in.width}, 0)
	l.b = n.newParam(fmt.Sprintf("ln%d.bias", k), []int{in.width}, 0)
	for i := range l.g.W {
		l.g.W[i] = 1
	}
	y := n.add(l, in.set, in.width, x)
	n.nodes[y].params = []*Param{l.g, l.b}
	return y
}

// SumPool sums over the set dimension: [batch, items, d] → [batch, d].
func (n *Network) SumPool(x Node) Node { return n.pool(x, false) }

// MeanPool averages over the set dimension.
func (n *Network) MeanPool(x Node) Node { return n.pool(x, true) }

func (n *Network) pool(x Node, mean bool) Node {
	in := n.node(x)
	if !in.set {
		n.fail("pooling a value without a set dimension")
	}
	return n.add(poolLayer{mean: mean}, false, in.width, x)
}

// Attention is single-head scaled dot-product self-attention over the set dimension with
// query, key, value and output projections. mask, if not -1, is a SetInput of width 1 holding
// 1 for items that may be attended to and 0 for the others (padding).
func (n *Network) Attention(x, mask Node) Node {
	in := n.node(x)
	if !in.set {
		n.fail("attention over a value without a set dimension")
	}
	if mask >= 0 {
		if m := n.node(mask); !m.set || m.width != 1 {
			n.fail("attention mask must be a set value of width 1")
		}
	}
	d := in.width
	k := len(n.nodes)
	a := &attentionLayer{d: d, masked: mask >= 0}
	bound := 1 / math.Sqrt(float64(d))
	for i, nm := range []string{"q", "k", "v", "o"} {
		a.w[i] = n.newParam(fmt.Sprintf("attn%d.%s.weight", k, nm), []int{d, d}, bound)
		a.b[i] = n.newParam(fmt.Sprintf("attn%d.%s.bias", k, nm), []int{d}, bound)
	}
	var y Node
	if mask >= 0 {
		y = n.add(a, true, d, x, mask)
	} else {
		y = n.add(a, true, d, x)
	}
	n.nodes[y].params = []*Param{a.w[0], a.b[0], a.w[1], a.b[1], a.w[2], a.b[2], a.w[3], a.b[3]}
	return y
}

// Concat joins the feature dimensions of nodes that share their other dimensions.
func (n *Network) Concat(xs ...Node) Node {
	if len(xs) == 0 {
		n.fail("Concat of nothing")
		return n.add(concatLayer{}, false, 1)
	}
	w := 0
	for _, x := range xs {
		if n.node(x).set != n.node(xs[0]).set {
			n.fail("Concat of set and non-set values")
		}
		w += n.node(x).width
	}
	return n.add(concatLayer{}, n.node(xs[0]).set, w, xs...)
}

// Add sums two values of the same shape (residual connections).
func (n *Network) Add(a, b Node) Node {
	x, y := n.node(a), n.node(b)
	if x.set != y.set || x.width != y.width {
		n.fail("Add of values of different shapes")
	}
	return n.add(addLayer{}, x.set, x.width, a, b)
}

// SetOutput makes x the network's output, named name in ONNX.
func (n *Network) SetOutput(name string, x Node) { n.node(x); n.output, n.outName = x, name }

// Params lists the trainable tensors.
func (n *Network) Params() []*Param { return n.params }

// NumParams counts the trainable weights.
func (n *Network) NumParams() int {
	c := 0
	for _, p := range n.params {
		c += len(p.W)
	}
	return c
}

// ZeroGrad clears the accumulated gradients.
func (n *Network) ZeroGrad() {
	for _, p := range n.params {
		clear(p.G)
	}
}

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

type layer interface {
	forward(in []*tval, out *tval) error
	// backward adds to in[i].g and to grads (one per parameter, in the node's order).
	backward(in []*tval, out *tval, grads [][]float64)
}

type inputLayer struct{}

func (inputLayer) forward([]*tval, *tval) error         { return nil }
func (inputLayer) backward([]*tval, *tval, [][]float64) {}

type denseLayer struct {
	in, out int
	w, b    *Param
}

func mat(r, c int, d []float64) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: d}
}

func (d *denseLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if x.width() != d.in {
		return fmt.Errorf("dense layer expects %d features, got %d", d.in, x.width())
	}
	R := x.rows()
	out.shape = append(slices.Clone(x.shape[:len(x.shape)-1]), d.out)
	out.v = grow(out.v, R*d.out)
	if d.b != nil {
		for r := 0; r < R; r++ {
			copy(out.v[r*d.out:], d.b.W)
		}
	} else {
		clear(out.v)
	}
	if R > 0 {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, d.in, x.v), mat(d.out, d.in, d.w.W), 1, mat(R, d.out, out.v))
	}
	return nil
}

func (d *denseLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	R := x.rows()
	if R == 0 {
		return
	}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(R, d.out, out.g), mat(R, d.in, x.v), 1, mat(d.out, d.in, grads[0]))
	if d.b != nil {
		gb := grads[1]
		for r := 0; r < R; r++ {
			for j, v := range out.g[r*d.out : (r+1)*d.out] {
				gb[j] += v
			}
		}
	}
	if !x.noGrad {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(R, d.out, out.g), mat(d.out, d.in, d.w.W), 1, mat(R, d.in, x.g))
	}
}

type reluLayer struct{}

func (reluLayer) forward(in []*tval, out *tval) error {
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = max(v, 0)
	}
	return nil
}

func (reluLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for i, v := range in[0].v {
		if v > 0 {
			in[0].g[i] += out.g[i]
		}
	}
}

type tanhLayer struct{}

func (tanhLayer) forward(in []*tval, out *tval) error {
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = math.Tanh(v)
	}
	return nil
}

func (tanhLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for i, y := range out.v {
		in[0].g[i] += out.g[i] * (1 - y*y)
	}
}

type embeddingLayer struct {
	vocab, dim int
	w          *Param
}

func (e *embeddingLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if x.width() != 1 {
		return fmt.Errorf("embedding input must have width 1, got %d", x.width())
	}
	out.shape = append(slices.Clone(x.shape[:len(x.shape)-1]), e.dim)
	out.v = grow(out.v, len(x.v)*e.dim)
	for r, f := range x.v {
		id := int(math.Round(f))
		if id < 0 || id >= e.vocab || float64(id) != f {
			return fmt.Errorf("embedding index %v outside 0..%d", f, e.vocab-1)
		}
		copy(out.v[r*e.dim:(r+1)*e.dim], e.w.W[id*e.dim:(id+1)*e.dim])
	}
	return nil
}

func (e *embeddingLayer) backward(in []*tval, out *tval, grads [][]float64) {
	for r, f := range in[0].v {
		id := int(f)
		g := grads[0][id*e.dim : (id+1)*e.dim]
		for j, v := range out.g[r*e.dim : (r+1)*e.dim] {
			g[j] += v
		}
	}
}

type layerNormLayer struct {
	d    int
	eps  float64
	g, b *Param
}

func (l *layerNormLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	R, D := x.rows(), l.d
	out.shape = x.shape
	out.v = grow(out.v, len(x.v))
	out.cache = grow(out.cache, len(x.v)+R) // normalised values, then 1/σ per row
	xhat, inv := out.cache[:len(x.v)], out.cache[len(x.v):]
	for r := 0; r < R; r++ {
		xs := x.v[r*D : (r+1)*D]
		m := 0.0
		for _, v := range xs {
			m += v
		}
		m /= float64(D)
		s := 0.0
		for _, v := range xs {
			s += (v - m) * (v - m)
		}
		inv[r] = 1 / math.Sqrt(s/float64(D)+l.eps)
		for j, v := range xs {
			h := (v - m) * inv[r]
			xhat[r*D+j] = h
			out.v[r*D+j] = h*l.g.W[j] + l.b.W[j]
		}
	}
	return nil
}

func (l *layerNormLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	R, D := x.rows(), l.d
	xhat, inv := out.cache[:len(x.v)], out.cache[len(x.v):]
	for r := 0; r < R; r++ {
		dy := out.g[r*D : (r+1)*D]
		h := xhat[r*D : (r+1)*D]
		var s1, s2 float64
		for j := range dy {
			grads[0][j] += dy[j] * h[j]
			grads[1][j] += dy[j]
			dh := dy[j] * l.g.W[j]
			s1 += dh
			s2 += dh * h[j]
		}
		s1 /= float64(D)
		s2 /= float64(D)
		for j := range dy {
			x.g[r*D+j] += inv[r] * (dy[j]*l.g.W[j] - s1 - h[j]*s2)
		}
	}
}

type poolLayer struct{ mean bool }

func (p poolLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if len(x.shape) != 3 {
		return errors.New("pooling needs a set input [batch, items, features]")
	}
	B, N, F := x.shape[0], x.shape[1], x.shape[2]
	out.shape = []int{B, F}
	out.v = grow(out.v, B*F)
	clear(out.v)
	scale := 1.0
	if p.mean && N > 0 {
		scale = 1 / float64(N)
	}
	for b := 0; b < B; b++ {
		o := out.v[b*F : (b+1)*F]
		for i := 0; i < N; i++ {
			for j, v := range x.v[(b*N+i)*F : (b*N+i+1)*F] {
				o[j] += v * scale
			}
		}
	}
	return nil
}

func (p poolLayer) backward(in []*tval, out *tval, _ [][]float64) {
	x := in[0]
	B, N, F := x.shape[0], x.shape[1], x.shape[2]
	scale := 1.0
	if p.mean && N > 0 {
		scale = 1 / float64(N)
	}
	for b := 0; b < B; b++ {
		g := out.g[b*F : (b+1)*F]
		for i := 0; i < N; i++ {
			xg := x.g[(b*N+i)*F : (b*N+i+1)*F]
			for j, v := range g {
				xg[j] += v * scale
			}
		}
	}
}

type addLayer struct{}

func (addLayer) forward(in []*tval, out *tval) error {
	if !slices.Equal(in[0].shape, in[1].shape) {
		return fmt.Errorf("adding shapes %v and %v", in[0].shape, in[1].shape)
	}
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = v + in[1].v[i]
	}
	return nil
}

func (addLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for _, x := range in {
		for i, g := range out.g {
			x.g[i] += g
		}
	}
}

type concatLayer struct{}

func (concatLayer) forward(in []*tval, out *tval) error {
	R := in[0].rows()
	W := 0
	for _, x := range in {
		if x.rows() != R || len(x.shape) != len(in[0].shape) {
			return errors.New("concatenated values differ in shape")
		}
		W += x.width()
	}
	out.shape = append(slices.Clone(in[0].shape[:len(in[0].shape)-1]), W)
	out.v = grow(out.v, R*W)
	for r := 0; r < R; r++ {
		off := r * W
		for _, x := range in {
			w := x.width()
			copy(out.v[off:off+w], x.v[r*w:(r+1)*w])
			off += w
		}
	}
	return nil
}

func (concatLayer) backward(in []*tval, out *tval, _ [][]float64) {
	R, W := out.rows(), out.width()
	for r := 0; r < R; r++ {
		off := r * W
		for _, x := range in {
			w := x.width()
			for j := 0; j < w; j++ {
				x.g[r*w+j] += out.g[off+j]
			}
			off += w
		}
	}
}

// attentionLayer keeps Q, K, V, the attention weights P and the pre-projection output H in
// cache for its backward pass.
type attentionLayer struct {
	d      int
	masked bool
	w, b   [4]*Param
}

const maskedScore = -1e9

func (a *attentionLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if len(x.shape) != 3 || x.shape[2] != a.d {
		return fmt.Errorf("attention needs [batch, items, %d], got %v", a.d, x.shape)
	}
	B, N, D := x.shape[0], x.shape[1], a.d
	if a.masked && len(in[1].v) != B*N {
		return fmt.Errorf("attention mask holds %d values for %d×%d items", len(in[1].v), B, N)
	}
	R := B * N
	out.shape = x.shape
	out.v = grow(out.v, R*D)
	out.cache = grow(out.cache, 4*R*D+B*N*N)
	q, k, v, h := out.cache[:R*D], out.cache[R*D:2*R*D], out.cache[2*R*D:3*R*D], out.cache[3*R*D:4*R*D]
	p := out.cache[4*R*D:]
	lin := func(dst, src []float64, i int) {
		for r := 0; r < R; r++ {
			copy(dst[r*D:(r+1)*D], a.b[i].W)
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, D, src), mat(D, D, a.w[i].W), 1, mat(R, D, dst))
	}
	lin(q, x.v, 0)
	lin(k, x.v, 1)
	lin(v, x.v, 2)
	scale := 1 / math.Sqrt(float64(D))
	for b := 0; b < B; b++ {
		qb, kb, vb := q[b*N*D:(b+1)*N*D], k[b*N*D:(b+1)*N*D], v[b*N*D:(b+1)*N*D]
		pb := p[b*N*N : (b+1)*N*N]
		blas64.Gemm(blas.NoTrans, blas.Trans, scale, mat(N, D, qb), mat(N, D, kb), 0, mat(N, N, pb))
		for i := 0; i < N; i++ {
			row := pb[i*N : (i+1)*N]
			if a.masked {
				for j := range row {
					if in[1].v[b*N+j] == 0 {
						row[j] += maskedScore
					}
				}
			}
			m := math.Inf(-1)
			for _, s := range row {
				m = max(m, s)
			}
			sum := 0.0
			for j, s := range row {
				row[j] = math.Exp(s - m)
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(N, N, pb), mat(N, D, vb), 0, mat(N, D, h[b*N*D:(b+1)*N*D]))
	}
	for r := 0; r < R; r++ {
		copy(out.v[r*D:(r+1)*D], a.b[3].W)
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, D, h), mat(D, D, a.w[3].W), 1, mat(R, D, out.v))
	return nil
}

func (a *attentionLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	B, N, D := x.shape[0], x.shape[1], a.d
	R := B * N
	q, k, v, h := out.cache[:R*D], out.cache[R*D:2*R*D], out.cache[2*R*D:3*R*D], out.cache[3*R*D:4*R*D]
	p := out.cache[4*R*D:]
	// Gradients of the projections' outputs, in one scratch block.
	scratch := make([]float64, 4*R*D+N*N)
	dq, dk, dv, dh := scratch[:R*D], scratch[R*D:2*R*D], scratch[2*R*D:3*R*D], scratch[3*R*D:4*R*D]
	dp := scratch[4*R*D:]
	linBack := func(dy, src []float64, i int, dx []float64) {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(R, D, dy), mat(R, D, src), 1, mat(D, D, grads[2*i]))
		gb := grads[2*i+1]
		for r := 0; r < R; r++ {
			for j, g := range dy[r*D : (r+1)*D] {
				gb[j] += g
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(R, D, dy), mat(D, D, a.w[i].W), 1, mat(R, D, dx))
	}
	linBack(out.g, h, 3, dh)
	scale := 1 / math.Sqrt(float64(D))
	for b := 0; b < B; b++ {
		o := b * N * D
		qb, kb, vb := q[o:o+N*D], k[o:o+N*D], v[o:o+N*D]
		pb := p[b*N*N : (b+1)*N*N]
		dhb := dh[o : o+N*D]
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(N, N, pb), mat(N, D, dhb), 0, mat(N, D, dv[o:o+N*D]))
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(N, D, dhb), mat(N, D, vb), 0, mat(N, N, dp))
		for i := 0; i < N; i++ {
			row, drow := pb[i*N:(i+1)*N], dp[i*N:(i+1)*N]
			s := 0.0
			for j := range row {
				s += row[j] * drow[j]
			}
			for j := range row {
				drow[j] = row[j] * (drow[j] - s)
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, scale, mat(N, N, dp), mat(N, D, kb), 0, mat(N, D, dq[o:o+N*D]))
		blas64.Gemm(blas.Trans, blas.NoTrans, scale, mat(N, N, dp), mat(N, D, qb), 0, mat(N, D, dk[o:o+N*D]))
	}
	linBack(dq, x.v, 0, x.g)
	linBack(dk, x.v, 1, x.g)
	linBack(dv, x.v, 2, x.g)
}
