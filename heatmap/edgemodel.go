package heatmap

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// edgeFeatureCount is the number of features the edge model computes per
// candidate edge (see edgeFeatures).
const edgeFeatureCount = 8

// featureEps keeps ratios of distances finite when points coincide; in the
// unit square it is far below any nearest-neighbour distance up to 10^6 nodes.
const featureEps = 1e-6

// edgeFeatures appends the nodes that compute, from the contract's inputs,
// the features [n, k, 8] of each candidate edge (i, j) at distance d, and
// returns their value's name. The network sees only ratios and ranks, so what
// it learns does not depend on n or on the layout's scale:
//
//	0  d / the mean nearest-neighbour distance
//	1  (d_i1 + ε)/(d + ε), d_i1 = i's nearest distance
//	2  (d_j1 + ε)/(d + ε)
//	3  d/(d_ik + ε), d_ik = the distance to i's k-th neighbour
//	4  min(d/(d_jk + ε), 2), above 1 when i is not among j's k nearest
//	5  j's rank among i's neighbours, over ONNXK
//	6  1 when i is among j's k nearest, else 0
//	7  i's rank among j's neighbours over ONNXK, 1 when it is not among them
//
// Features 6 and 7 gather each neighbour's list, [n, k, k] values.
func edgeFeatures(b *graphBuilder) string {
	cn := b.op("Gather", []string{ONNXCoords, ONNXEdges}, intAttr("axis", 0))
	ci := b.op("Unsqueeze", []string{ONNXCoords, b.ints(1)})
	diff := b.op("Sub", []string{cn, ci})
	d := b.op("Sqrt", []string{b.op("ReduceSum", []string{b.op("Mul", []string{diff, diff}), b.ints(2)}, intAttr("keepdims", 0))})
	col := func(start, end int64) string { // [n, 1]
		return b.op("Slice", []string{d, b.ints(start), b.ints(end), b.ints(1)})
	}
	d1, dk := col(0, 1), col(-1, math.MaxInt64)
	perNode := func(v string) string { // node i's value for each candidate j: [n, k]
		return b.op("Gather", []string{b.op("Reshape", []string{v, b.ints(-1)}), ONNXEdges}, intAttr("axis", 0))
	}
	dj1, djk := perNode(d1), perNode(dk)
	eps := b.scalar(featureEps)
	plus := func(v string) string { return b.op("Add", []string{v, eps}) }
	div := func(x, y string) string { return b.op("Div", []string{x, y}) }
	meanNN := b.op("ReduceMean", []string{d1}, intAttr("keepdims", 1))
	shapeE := b.op("Shape", []string{ONNXEdges})
	kf := b.op("Cast", []string{b.op("Gather", []string{shapeE, b.intScalar(1)}, intAttr("axis", 0))}, intAttr("to", int64(onnx.TensorProto_FLOAT)))
	rank := div(b.op("Range", []string{b.scalar(0), kf, b.scalar(1)}), b.scalar(ONNXK)) // [k]
	n := b.op("Gather", []string{b.op("Shape", []string{ONNXCoords}), b.intScalar(0)}, intAttr("axis", 0))
	self := b.op("Reshape", []string{b.op("Range", []string{b.intScalar(0), n, b.intScalar(1)}), b.ints(-1, 1, 1)})
	isSelf := b.op("Cast", []string{b.op("Equal", []string{b.op("Gather", []string{ONNXEdges, ONNXEdges}, intAttr("axis", 0)), self})},
		intAttr("to", int64(onnx.TensorProto_FLOAT))) // [n, k, k]: j's r-th neighbour is i
	mutual := b.op("ReduceSum", []string{isSelf, b.ints(2)}, intAttr("keepdims", 0))
	rankInJ := b.op("Add", []string{
		b.op("ReduceSum", []string{b.op("Mul", []string{isSelf, rank}), b.ints(2)}, intAttr("keepdims", 0)),
		b.op("Sub", []string{b.scalar(1), mutual})})
	feats := []string{
		div(d, meanNN),
		div(plus(d1), plus(d)),
		div(plus(dj1), plus(d)),
		div(d, plus(dk)),
		b.op("Min", []string{div(d, plus(djk)), b.scalar(2)}),
		b.op("Expand", []string{rank, b.op("Shape", []string{d})}),
		mutual,
		rankInJ,
	}
	for i, f := range feats {
		feats[i] = b.op("Unsqueeze", []string{f, b.ints(2)})
	}
	return b.op("Concat", feats, intAttr("axis", 2))
}

func (b *graphBuilder) intScalar(v int64) string {
	name := b.fresh("int")
	b.g.Initializer = append(b.g.Initializer, &onnx.TensorProto{Name: name, DataType: int32(onnx.TensorProto_INT64), Int64Data: []int64{v}})
	return name
}

// newFeatureModel is the feature stage alone, what training feeds the
// network: computing the features with the graph that ships in the model
// leaves no second definition to drift from it.
func newFeatureModel() (*nnsurrogate.Model, string, error) {
	b := &graphBuilder{g: &onnx.GraphProto{Name: "cosolve-tsp-edge-features", Input: contractInputs()}, prefix: "feat/"}
	f := edgeFeatures(b)
	b.g.Output = []*onnx.ValueInfoProto{nnsurrogate.TensorInfo(f, onnx.TensorProto_FLOAT, "n", "k", edgeFeatureCount)}
	m, err := nnsurrogate.FromProto(&onnx.ModelProto{IrVersion: 8, ProducerName: "cosolve", OpsetImport: []*onnx.OperatorSetIdProto{{Version: 13}}, Graph: b.g})
	return m, f, err
}

// The network's input and output names inside the composed model.
const (
	edgeNetInput  = "features"
	edgeNetOutput = "logits"
)

// newEdgeNetwork scores each candidate from its features and, through
// attention over the node's k candidates, from how it compares with the
// others: [n, k, 8] → [n, k, 1].
func newEdgeNetwork(seed uint64, hidden int) *nnsurrogate.Network {
	net := nnsurrogate.NewNetwork(seed)
	x := net.SetInput(edgeNetInput, edgeFeatureCount)
	h := net.ReLU(net.Dense(x, hidden, true))
	h = net.Add(h, net.Attention(h, -1))
	h = net.ReLU(net.Dense(h, hidden, true))
	net.SetOutput(edgeNetOutput, net.Dense(h, 1, true))
	return net
}

// composeEdgeModel writes the feature stage and the network as one model of
// the contract.
func composeEdgeModel(net *nnsurrogate.Network) (*onnx.ModelProto, error) {
	mp, err := net.ONNX()
	if err != nil {
		return nil, err
	}
	b := &graphBuilder{g: &onnx.GraphProto{Name: "cosolve-tsp-edge", Input: contractInputs()}, prefix: "feat/"}
	f := edgeFeatures(b)
	for _, nd := range mp.Graph.Node {
		for j, s := range nd.Input {
			if s == edgeNetInput {
				nd.Input[j] = f
			}
		}
	}
	b.g.Node = append(b.g.Node, mp.Graph.Node...)
	b.g.Initializer = append(b.g.Initializer, mp.Graph.Initializer...)
	b.g.Node = append(b.g.Node, &onnx.NodeProto{Name: "scores", OpType: "Squeeze", Input: []string{edgeNetOutput, b.ints(2)}, Output: []string{ONNXScores}})
	b.g.Output = []*onnx.ValueInfoProto{nnsurrogate.TensorInfo(ONNXScores, onnx.TensorProto_FLOAT, "n", "k")}
	mp.Graph = b.g
	return mp, nil
}

// EdgeSample is a training instance with a good tour of it.
type EdgeSample struct {
	Inst *instances.TSP
	Tour []int
}

// EdgeTrainOptions configure TrainEdgeModel; zero values are the defaults.
type EdgeTrainOptions struct {
	Hidden    int     // network width, default 32
	Epochs    int     // default 8
	BatchSize int     // nodes per Adam step, default 256 (at most all of them)
	LR        float64 // Adam's learning rate, decayed linearly to 0; default 3e-3
	Seed      uint64  // weights and shuffling
	// OnEpoch, if set, is called after each epoch.
	OnEpoch func(EdgeEpoch)
}

// EdgeTrainResult is a trained edge model and how its training went.
type EdgeTrainResult struct {
	ONNX        []byte // the model, ready to write
	History     []EdgeEpoch
	NearestTop2 float64 // Top2 of ranking the candidates by distance
	TrainNodes  int
	ValNodes    int
}

// EdgeEpoch is the training and validation loss after an epoch, and Top2: the
// share of the validation nodes' two highest-scored candidates that are tour
// edges (NaN without validation samples).
type EdgeEpoch struct {
	Epoch         int
	Loss, ValLoss float64
	Top2          float64
	Elapsed       time.Duration // since training began
}

// edgeData is samples turned into rows: one per node, k candidates each.
type edgeData struct {
	feats  []float64 // [rows, k, F]
	target []float64 // [rows, k]: 1/2 on each tour neighbour among the candidates
	rows   int
}

func prepareEdgeData(fm *nnsurrogate.Model, fname string, samples []EdgeSample) (*edgeData, error) {
	d := &edgeData{}
	for s, smp := range samples {
		coords, nb, k, err := ONNXInputs(smp.Inst)
		if err != nil {
			return nil, err
		}
		n := smp.Inst.N()
		if k != ONNXK || len(smp.Tour) != n {
			return nil, fmt.Errorf("%w: training sample %d: %d nodes and a tour of %d, want more than %d nodes and a full tour", ErrInvalid, s, n, len(smp.Tour), ONNXK)
		}
		out, err := fm.Run(modelInputs(coords, nb, k, false))
		if err != nil {
			return nil, err
		}
		for _, v := range out[fname].Data {
			d.feats = append(d.feats, float64(v))
		}
		adj := make([][2]int, n)
		for p, i := range smp.Tour {
			adj[i] = [2]int{smp.Tour[(p+n-1)%n], smp.Tour[(p+1)%n]}
		}
		for i := 0; i < n; i++ {
			for _, j := range nb.Of(i) {
				t := 0.0
				if int(j) == adj[i][0] || int(j) == adj[i][1] {
					t = 0.5
				}
				d.target = append(d.target, t)
			}
		}
		d.rows += n
	}
	return d, nil
}

// evaluate returns the loss over d and the Top2 of the network's scores.
func evaluate(net *nnsurrogate.Network, d *edgeData) (loss, top2 float64, err error) {
	const chunk = 2048
	k := ONNXK
	for lo := 0; lo < d.rows; lo += chunk {
		hi := min(lo+chunk, d.rows)
		out, _, err := net.Forward(nnsurrogate.Batch{N: hi - lo, Inputs: map[string][]float64{edgeNetInput: d.feats[lo*k*edgeFeatureCount : hi*k*edgeFeatureCount]}})
		if err != nil {
			return 0, 0, err
		}
		l, err := nnsurrogate.SoftmaxCrossEntropy(out, k, d.target[lo*k:hi*k], nil)
		if err != nil {
			return 0, 0, err
		}
		loss += l * float64(hi-lo)
		top2 += top2Hits(out, d.target[lo*k:hi*k], k)
	}
	return loss / float64(d.rows), top2 / float64(2*d.rows), nil
}

// top2Hits counts the tour edges among each row's two highest scores.
func top2Hits(scores, target []float64, k int) float64 {
	hits := 0.0
	for r := 0; r < len(scores)/k; r++ {
		row := scores[r*k : (r+1)*k]
		a, b := -1, -1
		for c, v := range row {
			switch {
			case a < 0 || v > row[a]:
				a, b = c, a
			case b < 0 || v > row[b]:
				b = c
			}
		}
		for _, c := range []int{a, b} {
			if target[r*k+c] > 0 {
				hits++
			}
		}
	}
	return hits
}

// TrainEdgeModel fits the edge model to good tours: for every node, a softmax
// over its ONNXK nearest candidates is taught to put half its mass on each of
// its two tour neighbours (cross-entropy, Adam, one goroutine, so the same
// samples and seed give the same weights). val, which may be empty, is only
// measured. The result is an ONNX model of the contract that LoadONNX reads.
func TrainEdgeModel(ctx context.Context, train, val []EdgeSample, opt EdgeTrainOptions) (*EdgeTrainResult, error) {
	hidden := cmp.Or(opt.Hidden, 32)
	epochs := cmp.Or(opt.Epochs, 8)
	bs := cmp.Or(opt.BatchSize, 256)
	lr := opt.LR
	if lr <= 0 {
		lr = 3e-3
	}
	fm, fname, err := newFeatureModel()
	if err != nil {
		return nil, err
	}
	td, err := prepareEdgeData(fm, fname, train)
	if err != nil {
		return nil, err
	}
	vd, err := prepareEdgeData(fm, fname, val)
	if err != nil {
		return nil, err
	}
	if td.rows == 0 {
		return nil, fmt.Errorf("%w: no training samples", ErrInvalid)
	}
	bs = min(bs, td.rows)
	res := &EdgeTrainResult{TrainNodes: td.rows, ValNodes: vd.rows}
	if vd.rows > 0 {
		nearest := make([]float64, len(vd.target))
		for i := range nearest {
			nearest[i] = -float64(i % ONNXK)
		}
		res.NearestTop2 = top2Hits(nearest, vd.target, ONNXK) / float64(2*vd.rows)
	}
	net := newEdgeNetwork(opt.Seed, hidden)
	k, F := ONNXK, edgeFeatureCount
	steps := td.rows / bs
	adam := &nnsurrogate.Adam{LR: lr, DecaySteps: epochs * steps}
	rng := rand.New(rand.NewPCG(opt.Seed, 2))
	xb := make([]float64, bs*k*F)
	tb := make([]float64, bs*k)
	grad := make([]float64, bs*k)
	start := time.Now()
	for ep := 0; ep < epochs; ep++ {
		perm := rng.Perm(td.rows)
		total := 0.0
		for st := 0; st < steps; st++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			for b, r := range perm[st*bs : (st+1)*bs] {
				copy(xb[b*k*F:(b+1)*k*F], td.feats[r*k*F:(r+1)*k*F])
				copy(tb[b*k:(b+1)*k], td.target[r*k:(r+1)*k])
			}
			net.ZeroGrad()
			out, _, err := net.Forward(nnsurrogate.Batch{N: bs, Inputs: map[string][]float64{edgeNetInput: xb}})
			if err != nil {
				return nil, err
			}
			l, err := nnsurrogate.SoftmaxCrossEntropy(out, k, tb, grad)
			if err != nil {
				return nil, err
			}
			if err := net.Backward(grad); err != nil {
				return nil, err
			}
			adam.Step(net.Params())
			total += l
		}
		e := EdgeEpoch{Epoch: ep + 1, Loss: total / float64(steps), ValLoss: math.NaN(), Top2: math.NaN(), Elapsed: time.Since(start)}
		if vd.rows > 0 {
			if e.ValLoss, e.Top2, err = evaluate(net, vd); err != nil {
				return nil, err
			}
		}
		res.History = append(res.History, e)
		if opt.OnEpoch != nil {
			opt.OnEpoch(e)
		}
	}
	net.SetMetadata("cosolve.heatmap", fmt.Sprintf("tsp-edge: logits over each node's %d nearest candidates (see heatmap.ONNXModel); "+
		"hidden %d, %d epochs on %d nodes, seed %d", ONNXK, hidden, epochs, td.rows, opt.Seed))
	mp, err := composeEdgeModel(net)
	if err != nil {
		return nil, err
	}
	if res.ONNX, err = proto.Marshal(mp); err != nil {
		return nil, err
	}
	return res, nil
}
