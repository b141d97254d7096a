package nnsurrogate

import (
	"fmt"
	"slices"
)

// BlockKind is the type of a Block.
type BlockKind int

// Block kinds.
const (
	BlockInput   BlockKind = iota // a model input
	BlockDense                    // y = W·x + B on each vector (each item for set values)
	BlockReLU                     // y = max(x, 0)
	BlockSumPool                  // y = Σ over the set's items
	BlockConcat                   // y = the inputs' features side by side
)

func (k BlockKind) String() string {
	return [...]string{"Input", "Dense", "ReLU", "SumPool", "Concat"}[k]
}

// Block is one step of a network seen as a piecewise-linear function, the form a MILP
// encoding (big-M ReLUs) needs.
type Block struct {
	Kind BlockKind
	// Name is the ONNX value the block produces (the input's name for BlockInput).
	Name string
	// Inputs are indices into BlockGraph.Blocks (for Concat, in order).
	Inputs []int
	// Set is true when the value holds one vector per item of a set (before SumPool).
	Set bool
	// Width is the number of features of the block's output (per item for set values).
	Width int
	// In, W and B describe a Dense block: W is Width×In row-major (PyTorch's layout) and B
	// holds Width biases (zeros when the layer has none).
	In   int
	W, B []float64
}

// BlockGraph is a network as typed blocks in evaluation order.
type BlockGraph struct {
	Blocks []Block
	// Outputs are the blocks producing the model outputs, in the model's order.
	Outputs []int
}

// Blocks views the model as Dense, ReLU, SumPool and Concat blocks over named inputs
// ([batch, features] or [batch, items, features]). Models using anything else are refused
// with the first node that does not fit.
func (m *Model) Blocks() (*BlockGraph, error) {
	g := m.g
	bg := &BlockGraph{}
	at := map[string]int{}
	konst := map[string]*value{}
	for name, v := range g.inits {
		konst[name] = v
	}
	uses := map[string]int{}
	for _, n := range g.nodes {
		for _, in := range n.in {
			uses[in]++
		}
	}
	for _, o := range g.outputs {
		uses[o.Name]++
	}
	for i, in := range g.inputs {
		if g.inDT[i] != dtF32 || (len(in.Shape) != 2 && len(in.Shape) != 3) || in.Shape[len(in.Shape)-1] < 0 {
			return nil, fmt.Errorf("%w: input %q (%s %v) is not [batch, features] or [batch, items, features] float32", ErrUnsupported, in.Name, in.DType, in.Shape)
		}
		at[in.Name] = len(bg.Blocks)
		bg.Blocks = append(bg.Blocks, Block{Kind: BlockInput, Name: in.Name, Set: len(in.Shape) == 3, Width: in.Shape[len(in.Shape)-1]})
	}
	add := func(b Block) {
		at[b.Name] = len(bg.Blocks)
		bg.Blocks = append(bg.Blocks, b)
	}
	for _, n := range g.nodes {
		refuse := func(why string) error {
			return fmt.Errorf("%w: %v is not a Dense, ReLU, SumPool or Concat block: %s", ErrUnsupported, n, why)
		}
		if n.op == "Constant" {
			k := &kctx{n: n}
			v, _, err := constantKernel(k)
			if err != nil {
				return nil, err
			}
			konst[n.out[0]] = v[0]
			continue
		}
		src := -1
		if len(n.in) > 0 {
			if j, ok := at[n.in[0]]; ok {
				src = j
			}
		}
		if src < 0 && n.op != "Add" {
			return nil, refuse("its first input is not a block output")
		}
		switch n.op {
		case "Gemm", "MatMul":
			x := bg.Blocks[src]
			w := konst[n.in[1]]
			if w == nil || w.dt != dtF32 || len(w.shape) != 2 {
				return nil, refuse("weights are not a constant matrix")
			}
			if n.op == "Gemm" && (n.attrFloat("alpha", 1) != 1 || n.attrFloat("beta", 1) != 1 || n.attrInt("transA", 0) != 0 || x.Set) {
				return nil, refuse("only Gemm(x, W, b) with alpha = beta = 1 and transA = 0 on vectors")
			}
			in, out := w.shape[0], w.shape[1]
			W := make([]float64, in*out)
			if n.op == "Gemm" && n.attrInt("transB", 0) != 0 {
				in, out = out, in
				for i, v := range w.f {
					W[i] = float64(v)
				}
			} else {
				for i := 0; i < in; i++ {
					for j := 0; j < out; j++ {
						W[j*in+i] = float64(w.f[i*out+j])
					}
				}
			}
			if in != x.Width {
				return nil, refuse(fmt.Sprintf("weights for %d features applied to %d", in, x.Width))
			}
			B := make([]float64, out)
			if n.op == "Gemm" && len(n.in) > 2 && n.in[2] != "" {
				c := konst[n.in[2]]
				if c == nil || c.dt != dtF32 || c.size() != out {
					return nil, refuse("bias is not a constant vector")
				}
				for j, v := range c.f {
					B[j] = float64(v)
				}
			}
			add(Block{Kind: BlockDense, Name: n.out[0], Inputs: []int{src}, Set: x.Set, Width: out, In: in, W: W, B: B})
		case "Add":
			// A bias after MatMul: fold it into the Dense block when nothing else reads the
			// product.
			d, c := -1, (*value)(nil)
			for j := 0; j < 2 && j < len(n.in); j++ {
				if b, ok := at[n.in[j]]; ok {
					d = b
				} else {
					c = konst[n.in[j]]
				}
			}
			if d < 0 || c == nil || c.dt != dtF32 {
				return nil, refuse("only a constant bias may be added")
			}
			blk := &bg.Blocks[d]
			if blk.Kind != BlockDense || uses[blk.Name] != 1 || c.size() != blk.Width {
				return nil, refuse("the bias does not follow a dense layer of its width")
			}
			nb := *blk
			nb.B = slices.Clone(blk.B)
			for j, v := range c.f {
				nb.B[j] += float64(v)
			}
			nb.Name = n.out[0]
			*blk = nb
			at[n.out[0]] = d
		case "Relu":
			x := bg.Blocks[src]
			add(Block{Kind: BlockReLU, Name: n.out[0], Inputs: []int{src}, Set: x.Set, Width: x.Width})
		case "ReduceSum":
			x := bg.Blocks[src]
			axes, ok := n.attrInts("axes")
			if !ok && len(n.in) > 1 {
				if a := konst[n.in[1]]; a != nil && a.dt == dtI64 {
					axes = a.i
				}
			}
			if !x.Set || len(axes) != 1 || (axes[0] != 1 && axes[0] != -2) || n.attrInt("keepdims", 1) != 0 {
				return nil, refuse("only a sum over the items axis (1) without keepdims")
			}
			add(Block{Kind: BlockSumPool, Name: n.out[0], Inputs: []int{src}, Width: x.Width})
		case "Concat":
			x := bg.Blocks[src]
			rank := 2
			if x.Set {
				rank = 3
			}
			ax := n.attrInt("axis", 0)
			if ax != -1 && ax != int64(rank-1) {
				return nil, refuse("only concatenation of features (the last axis)")
			}
			b := Block{Kind: BlockConcat, Name: n.out[0], Set: x.Set}
			for _, in := range n.in {
				j, ok := at[in]
				if !ok || bg.Blocks[j].Set != x.Set {
					return nil, refuse(fmt.Sprintf("input %q is not a block of the same kind", in))
				}
				b.Inputs = append(b.Inputs, j)
				b.Width += bg.Blocks[j].Width
			}
			add(b)
		case "Identity", "Dropout":
			at[n.out[0]] = src
		case "Flatten":
			if bg.Blocks[src].Set || n.attrInt("axis", 1) != 1 {
				return nil, refuse("only Flatten of [batch, features]")
			}
			at[n.out[0]] = src
		default:
			return nil, refuse("operator not representable")
		}
	}
	for _, o := range g.outputs {
		j, ok := at[o.Name]
		if !ok {
			return nil, fmt.Errorf("%w: output %q is not produced by a block", ErrUnsupported, o.Name)
		}
		bg.Outputs = append(bg.Outputs, j)
	}
	return bg, nil
}

// Blocks views the network as typed blocks (see Model.Blocks); it fails for networks with
// layers other than Dense, ReLU, SumPool and Concat.
func (n *Network) Blocks() (*BlockGraph, error) {
	m, err := n.Model()
	if err != nil {
		return nil, err
	}
	return m.Blocks()
}

// Eval computes the outputs for one sample: inputs maps each input name to its features
// (items×features row-major for set inputs). It is the reference a MILP encoding must match.
func (bg *BlockGraph) Eval(inputs map[string][]float64) ([][]float64, error) {
	vals := make([][]float64, len(bg.Blocks))
	items := make([]int, len(bg.Blocks))
	for i, b := range bg.Blocks {
		var in []float64
		if len(b.Inputs) > 0 {
			in = vals[b.Inputs[0]]
			items[i] = items[b.Inputs[0]]
		}
		switch b.Kind {
		case BlockInput:
			x, ok := inputs[b.Name]
			if !ok || len(x)%b.Width != 0 || (!b.Set && len(x) != b.Width) {
				return nil, fmt.Errorf("%w: input %q needs a multiple of %d values", ErrInput, b.Name, b.Width)
			}
			vals[i], items[i] = x, len(x)/b.Width
		case BlockDense:
			rows := len(in) / b.In
			y := make([]float64, rows*b.Width)
			for r := 0; r < rows; r++ {
				for o := 0; o < b.Width; o++ {
					s := b.B[o]
					for k, w := range b.W[o*b.In : (o+1)*b.In] {
						s += w * in[r*b.In+k]
					}
					y[r*b.Width+o] = s
				}
			}
			vals[i] = y
		case BlockReLU:
			y := make([]float64, len(in))
			for j, v := range in {
				y[j] = max(v, 0)
			}
			vals[i] = y
		case BlockSumPool:
			y := make([]float64, b.Width)
			for j, v := range in {
				y[j%b.Width] += v
			}
			vals[i], items[i] = y, 1
		case BlockConcat:
			rows := len(in) / bg.Blocks[b.Inputs[0]].Width
			y := make([]float64, 0, rows*b.Width)
			for r := 0; r < rows; r++ {
				for _, j := range b.Inputs {
					w := bg.Blocks[j].Width
					if len(vals[j]) != rows*w {
						return nil, fmt.Errorf("%w: concatenated sets differ in size", ErrInput)
					}
					y = append(y, vals[j][r*w:(r+1)*w]...)
				}
			}
			vals[i] = y
		}
	}
	out := make([][]float64, len(bg.Outputs))
	for i, j := range bg.Outputs {
		out[i] = vals[j]
	}
	return out, nil
}
