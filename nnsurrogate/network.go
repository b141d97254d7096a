package nnsurrogate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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
	meta       map[string]string
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
