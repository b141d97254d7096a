package robust

import (
	"errors"
	"fmt"
	"math"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// The value network Φ(x, ξ) is Neur2RO's set encoder: per-item embeddings without
// bias of the item rows of the x path and of the ξ path (see Features), summed
// over the items, each sum through a post-aggregation MLP without bias, the two
// results concatenated and fed to a value MLP with bias. Its output estimates
// the problem's Label divided by Features.LabelScale.
const (
	// InputX and InputXi are the knapsack model's two set inputs, one row per item.
	InputX  = "x_items"
	InputXi = "xi_items"
	// Output is the model's output name.
	Output = "value"
	// ItemFeatures is the width of each knapsack item row: the decision (x_i or ξ_i), then
	// c, p̄, p̂, f, t divided by FeatureScale, then C / Σc.
	ItemFeatures = 7
	// FeatureScale divides weights and profits (R = 1000 in the published recipe).
	FeatureScale = 1000.0
)

// Layout is what a value network's inputs look like for one problem: the
// names of its two set inputs (which tell the problem a model was trained
// for) and their row widths.
type Layout struct {
	Kind            string
	XInput, XiInput string
	XWidth, XiWidth int
}

var knapsackLayout = Layout{Kind: "kp", XInput: InputX, XiInput: InputXi, XWidth: ItemFeatures, XiWidth: ItemFeatures}

// layouts are the problems this package ships, so that a model trained for
// one of them is named when it is given to another.
var layouts = []Layout{knapsackLayout, capitalBudgetingLayout}

// ErrModel reports a value network that does not fit the expected shape.
var ErrModel = errors.New("robust: value network does not match")

// NetworkShape sizes the blocks of the set encoder.
type NetworkShape struct {
	Embed1, Embed2 int // per-item embedding widths
	Post1, Post2   int // post-aggregation widths
	Value          int // hidden width of the value MLP
}

// DefaultShape is the shape of the shipped model: smaller than Neur2RO's
// (32/16, 64/8, 8) so that its MILP encoding stays small.
var DefaultShape = NetworkShape{Embed1: 16, Embed2: 8, Post1: 16, Post2: 8, Value: 16}

// NewValueNetwork builds an untrained set encoder with the inputs of layout l.
func NewValueNetwork(l Layout, shape NetworkShape, seed uint64) *nnsurrogate.Network {
	net := nnsurrogate.NewNetwork(seed)
	path := func(name string, width int) nnsurrogate.Node {
		in := net.SetInput(name, width)
		h := net.Dense(net.ReLU(net.Dense(in, shape.Embed1, false)), shape.Embed2, false)
		s := net.SumPool(h)
		return net.Dense(net.ReLU(net.Dense(s, shape.Post1, false)), shape.Post2, false)
	}
	px := path(l.XInput, l.XWidth)
	pxi := path(l.XiInput, l.XiWidth)
	v := net.Dense(net.ReLU(net.Dense(net.Concat(px, pxi), shape.Value, true)), 1, true)
	net.SetOutput(Output, v)
	return net
}

// itemFeatures writes the six instance features of every item (row-major, without
// the decision column).
func itemFeatures(k *instances.RobustKnapsack) []float64 {
	n := k.N()
	sumC := 0
	for _, c := range k.Weight {
		sumC += c
	}
	tight := 0.0
	if sumC > 0 {
		tight = float64(k.Capacity) / float64(sumC)
	}
	f := make([]float64, 0, 6*n)
	for i := 0; i < n; i++ {
		f = append(f, float64(k.Weight[i])/FeatureScale, k.Profit[i]/FeatureScale, k.Degradation[i]/FeatureScale,
			k.Outsource[i]/FeatureScale, float64(k.RepairWeight[i])/FeatureScale, tight)
	}
	return f
}

// labelScale is the divisor of the network's target: Σ f_i, at least 1.
func labelScale(k *instances.RobustKnapsack) float64 {
	s := 0.0
	for _, f := range k.Outsource {
		s += f
	}
	return math.Max(1, s)
}

// encodedNet is a value network viewed as blocks, split into the parts the MILP
// encodings use.
type encodedNet struct {
	graph  *nnsurrogate.BlockGraph
	x, xi  pathBlocks
	v1, v2 *nnsurrogate.Block // value MLP: hidden and output Dense
	xFirst bool               // the x path comes first in the concatenation
}

// pathBlocks are the four Dense blocks of one set-encoder path.
type pathBlocks struct {
	e1, e2, p1, p2 *nnsurrogate.Block
}

// parseNetwork checks that a model has the set-encoder structure with the inputs
// of layout l and extracts its layers; anything else is refused with ErrModel.
func parseNetwork(g *nnsurrogate.BlockGraph, l Layout) (*encodedNet, error) {
	if len(g.Outputs) != 1 {
		return nil, fmt.Errorf("%w: %d outputs, want 1", ErrModel, len(g.Outputs))
	}
	b := g.Blocks
	// follow walks back from block i through Dense/ReLU/SumPool and returns the chain
	// of blocks ending at an input.
	var chain func(i int) ([]int, error)
	chain = func(i int) ([]int, error) {
		if b[i].Kind == nnsurrogate.BlockInput {
			return []int{i}, nil
		}
		if len(b[i].Inputs) != 1 {
			return nil, fmt.Errorf("%w: block %s has %d inputs", ErrModel, b[i].Name, len(b[i].Inputs))
		}
		c, err := chain(b[i].Inputs[0])
		return append(c, i), err
	}
	out := g.Outputs[0]
	enc := &encodedNet{graph: g}
	want := []nnsurrogate.BlockKind{nnsurrogate.BlockDense, nnsurrogate.BlockReLU, nnsurrogate.BlockDense}
	i := out
	var vb []int
	for _, kind := range []nnsurrogate.BlockKind{want[2], want[1], want[0]} {
		if b[i].Kind != kind || len(b[i].Inputs) != 1 {
			return nil, fmt.Errorf("%w: value MLP: block %s is %v, want %v", ErrModel, b[i].Name, b[i].Kind, kind)
		}
		vb = append(vb, i)
		i = b[i].Inputs[0]
	}
	enc.v2, enc.v1 = &b[vb[0]], &b[vb[2]]
	if b[i].Kind != nnsurrogate.BlockConcat || len(b[i].Inputs) != 2 {
		return nil, fmt.Errorf("%w: value MLP input is %v, want a concatenation of two paths", ErrModel, b[i].Kind)
	}
	for p, start := range b[i].Inputs {
		c, err := chain(start)
		if err != nil {
			return nil, err
		}
		kinds := []nnsurrogate.BlockKind{nnsurrogate.BlockInput, nnsurrogate.BlockDense, nnsurrogate.BlockReLU, nnsurrogate.BlockDense,
			nnsurrogate.BlockSumPool, nnsurrogate.BlockDense, nnsurrogate.BlockReLU, nnsurrogate.BlockDense}
		if len(c) != len(kinds) {
			return nil, fmt.Errorf("%w: path %d has %d blocks, want %d (input, dense, relu, dense, sum, dense, relu, dense)", ErrModel, p, len(c), len(kinds))
		}
		for j, kind := range kinds {
			if b[c[j]].Kind != kind {
				return nil, fmt.Errorf("%w: path %d block %d is %v, want %v", ErrModel, p, j, b[c[j]].Kind, kind)
			}
		}
		in := b[c[0]]
		if in.Name != l.XInput && in.Name != l.XiInput {
			return nil, fmt.Errorf("%w: input %q, want %q and %q%s", ErrModel, in.Name, l.XInput, l.XiInput, trainedFor(in.Name, l))
		}
		width := l.XWidth
		if in.Name == l.XiInput {
			width = l.XiWidth
		}
		if in.Width != width || !in.Set {
			return nil, fmt.Errorf("%w: input %q has %d features per item, want a set input of %d", ErrModel, in.Name, in.Width, width)
		}
		pb := pathBlocks{&b[c[1]], &b[c[3]], &b[c[5]], &b[c[7]]}
		for _, d := range []*nnsurrogate.Block{pb.e1, pb.e2, pb.p1, pb.p2} {
			for _, v := range d.B {
				if v != 0 {
					return nil, fmt.Errorf("%w: set-encoder layer %s has a bias; padding and the exact encodings need none", ErrModel, d.Name)
				}
			}
		}
		if in.Name == l.XInput {
			enc.x = pb
			enc.xFirst = p == 0
		} else {
			enc.xi = pb
		}
	}
	if enc.x.e1 == nil || enc.xi.e1 == nil {
		return nil, fmt.Errorf("%w: want one path for %q and one for %q", ErrModel, l.XInput, l.XiInput)
	}
	if enc.v2.Width != 1 {
		return nil, fmt.Errorf("%w: output width %d, want 1", ErrModel, enc.v2.Width)
	}
	return enc, nil
}

// trainedFor names the problem a model with input name was trained for, when
// it is one this package ships and not l's.
func trainedFor(name string, l Layout) string {
	for _, o := range layouts {
		if o.Kind != l.Kind && (name == o.XInput || name == o.XiInput) {
			return fmt.Sprintf(": the model was trained for problem %q, not %q", o.Kind, l.Kind)
		}
	}
	return ""
}

// dense applies a Dense block to one vector: out = W·in + B.
func dense(d *nnsurrogate.Block, in, out []float64) {
	for o := 0; o < d.Width; o++ {
		s := d.B[o]
		row := d.W[o*d.In : (o+1)*d.In]
		for j, w := range row {
			s += w * in[j]
		}
		out[o] = s
	}
}

func relu(v []float64) {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
}

// itemEmbedding is E(row) for one item row: Dense, ReLU, Dense.
func (p *pathBlocks) itemEmbedding(row []float64, h, out []float64) {
	dense(p.e1, row, h)
	relu(h)
	dense(p.e2, h, out)
}

// rowEmbedding is E([d, static…]), the row of a decision column and static features.
func (p *pathBlocks) rowEmbedding(d float64, static []float64, h, out []float64) {
	row := make([]float64, 1+len(static))
	row[0] = d
	copy(row[1:], static)
	p.itemEmbedding(row, h, out)
}

// embed is the path's output P(Σ_i E(row_i)) over the rows, p.e1.In values each.
func (p *pathBlocks) embed(rows []float64) []float64 {
	h := make([]float64, p.e1.Width)
	e := make([]float64, p.e2.Width)
	sum := make([]float64, p.e2.Width)
	w := p.e1.In
	for i := 0; i+w <= len(rows); i += w {
		p.itemEmbedding(rows[i:i+w], h, e)
		for j, v := range e {
			sum[j] += v
		}
	}
	return p.post(sum)
}

// post applies the post-aggregation MLP to a pooled sum.
func (p *pathBlocks) post(sum []float64) []float64 {
	q := make([]float64, p.p1.Width)
	dense(p.p1, sum, q)
	relu(q)
	out := make([]float64, p.p2.Width)
	dense(p.p2, q, out)
	return out
}

// negate makes the network predict minus its output, a saving read as a
// cost: only the output layer changes sign, so the forward pass and both MILP
// encodings, which all go through it, stay in step. The block is copied, as
// the model's may be shared.
func (n *encodedNet) negate() {
	v2 := *n.v2
	v2.W = make([]float64, len(n.v2.W))
	v2.B = make([]float64, len(n.v2.B))
	for i, w := range n.v2.W {
		v2.W[i] = -w
	}
	for i, b := range n.v2.B {
		v2.B[i] = -b
	}
	n.v2 = &v2
}

// value is the value MLP on the two path outputs.
func (n *encodedNet) value(px, pxi []float64) float64 {
	cat := append(append([]float64(nil), px...), pxi...)
	if !n.xFirst {
		cat = append(append([]float64(nil), pxi...), px...)
	}
	h := make([]float64, n.v1.Width)
	dense(n.v1, cat, h)
	relu(h)
	out := make([]float64, 1)
	dense(n.v2, h, out)
	return out[0]
}
