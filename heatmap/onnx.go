package heatmap

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// ONNXK is the number of candidate edges per node an ONNX heatmap model
// scores: each node's ONNXK nearest neighbours (fewer when n ≤ ONNXK). In
// optimal tours of uniform instances 99.5 % of a node's tour neighbours are
// among its ten nearest (GT-Prior's table for n = 500), so a model loses
// little by seeing no more.
const ONNXK = 10

// The names of the ONNX heatmap contract.
const (
	ONNXCoords = "coords"
	ONNXEdges  = "edges"
	ONNXScores = "scores"
)

// ONNXModel is a learned heatmap read from ONNX. The contract:
//
//   - input "coords", float32 [n, 2]: the node coordinates shifted so that the
//     smallest x and y are 0 and divided by the larger of the two extents, so
//     the points span [0, 1] along their longer side and keep their shape;
//   - input "edges", int64 [n, k] (or [n·k], row-major): row i lists node i's
//     k nearest other nodes, nearest first, 0-based (KNearest's order, ties to
//     the lower number); k = min(ONNXK, n−1);
//   - output "scores", float32 [n, k] (or [n·k], or any shape of n·k
//     elements): a logit per candidate edge (i, edges[i][r]).
//
// The heatmap is the softmax of each row's scores, symmetrised: a model that
// ends with a log-softmax over the row gives its probabilities back exactly.
// Dimensions other than the 2 of coords may be dynamic or fixed to the sizes
// used; other inputs or a missing output make the model unusable, and so do
// non-finite scores at run time. Both engines of package nnsurrogate run the
// model; the fast path's bound on tensor sizes (2^24 elements) limits n to
// what the model's widest intermediate allows (about 50,000 nodes for a
// hidden width of 32 per edge).
type ONNXModel struct {
	m    *nnsurrogate.Model
	name string
	flat bool // edges are [n·k], not [n, k]
}

// LoadONNX reads and checks an ONNX heatmap model (see ONNXModel).
func LoadONNX(path string) (*ONNXModel, error) {
	m, err := nnsurrogate.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return NewONNXModel(m, path)
}

// NewONNXModel checks that a loaded model follows the contract; name prefixes
// error messages.
func NewONNXModel(m *nnsurrogate.Model, name string) (*ONNXModel, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s (want inputs coords float32 [n,2] and edges int64 [n,%d], output scores float32 [n,%d])",
			ErrInvalid, name, fmt.Sprintf(format, a...), ONNXK, ONNXK)
	}
	ins := m.Inputs()
	if len(ins) != 2 {
		return nil, bad("%d inputs %s", len(ins), infoNames(ins))
	}
	om := &ONNXModel{m: m, name: name}
	for _, in := range ins {
		switch in.Name {
		case ONNXCoords:
			if in.DType != "float32" || (in.Shape != nil && (len(in.Shape) != 2 || (in.Shape[1] != 2 && in.Shape[1] >= 0))) {
				return nil, bad("input coords is %s %v", in.DType, in.Shape)
			}
		case ONNXEdges:
			if in.DType != "int64" || (in.Shape != nil && len(in.Shape) != 1 && len(in.Shape) != 2) {
				return nil, bad("input edges is %s %v", in.DType, in.Shape)
			}
			om.flat = len(in.Shape) == 1
		default:
			return nil, bad("unexpected input %q", in.Name)
		}
	}
	if ins[0].Name == ins[1].Name {
		return nil, bad("input %q twice", ins[0].Name)
	}
	outs := m.Outputs()
	i := slices.IndexFunc(outs, func(o nnsurrogate.ValueInfo) bool { return o.Name == ONNXScores })
	if i < 0 {
		return nil, bad("no output scores among %s", infoNames(outs))
	}
	if outs[i].DType != "float32" {
		return nil, bad("output scores is %s", outs[i].DType)
	}
	return om, nil
}

func infoNames(v []nnsurrogate.ValueInfo) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%s %s %v", x.Name, x.DType, x.Shape)
	}
	return fmt.Sprint(s)
}

// Model is the underlying ONNX model.
func (om *ONNXModel) Model() *nnsurrogate.Model { return om.m }

// ONNXInputs returns the contract's inputs for an instance: the normalised
// coordinates, the k-nearest-neighbour lists it scores, and k.
func ONNXInputs(p *instances.TSP) (coords []float32, nb *Neighbors, k int, err error) {
	if !p.HasCoords() {
		return nil, nil, 0, fmt.Errorf("%w: %s gives its distances as a matrix; an ONNX heatmap needs coordinates", ErrInvalid, p.Name)
	}
	n := p.N()
	if n < 3 {
		return nil, nil, 0, fmt.Errorf("%w: %s has %d nodes, need at least 3", ErrInvalid, p.Name, n)
	}
	minX, maxX, minY, maxY := p.X[0], p.X[0], p.Y[0], p.Y[0]
	for i := range p.X {
		minX, maxX = math.Min(minX, p.X[i]), math.Max(maxX, p.X[i])
		minY, maxY = math.Min(minY, p.Y[i]), math.Max(maxY, p.Y[i])
	}
	ext := math.Max(maxX-minX, maxY-minY)
	if !(ext > 0) || math.IsInf(ext, 0) {
		ext = 1
	}
	coords = make([]float32, 2*n)
	for i := range p.X {
		coords[2*i] = float32((p.X[i] - minX) / ext)
		coords[2*i+1] = float32((p.Y[i] - minY) / ext)
	}
	k = min(ONNXK, n-1)
	return coords, KNearest(p, k), k, nil
}

// Heatmap runs the model on an instance and returns its heatmap: row i holds
// the softmax of node i's k scores, then the whole is symmetrised.
func (om *ONNXModel) Heatmap(p *instances.TSP) (*Heatmap, error) {
	coords, nb, k, err := ONNXInputs(p)
	if err != nil {
		return nil, err
	}
	n := p.N()
	out, err := om.m.Run(modelInputs(coords, nb, k, om.flat))
	if err != nil {
		return nil, fmt.Errorf("%w: %s on %s: %w", ErrInvalid, om.name, p.Name, err)
	}
	scores := out[ONNXScores]
	if len(scores.Data) != n*k {
		return nil, fmt.Errorf("%w: %s on %s: scores have shape %v, want %d×%d", ErrInvalid, om.name, p.Name, scores.Shape, n, k)
	}
	h, err := fromScores(scores.Data, nb, k)
	if err != nil {
		return nil, fmt.Errorf("%w: %s on %s: %w", ErrInvalid, om.name, p.Name, err)
	}
	return h.Symmetrize(), nil
}

// modelInputs are a model's inputs for normalised coordinates and
// candidate lists of k per node, edges shaped [n, k] or, flat, [n·k].
func modelInputs(coords []float32, nb *Neighbors, k int, flat bool) map[string]nnsurrogate.Tensor {
	n := len(nb.Start) - 1
	edges := make([]float32, len(nb.Adj))
	for i, j := range nb.Adj {
		edges[i] = float32(j)
	}
	edgeShape := []int{n, k}
	if flat {
		edgeShape = []int{n * k}
	}
	return map[string]nnsurrogate.Tensor{
		ONNXCoords: {Shape: []int{n, 2}, Data: coords},
		ONNXEdges:  {Shape: edgeShape, Data: edges},
	}
}

var errScore = errors.New("non-finite score")

// fromScores turns row-major scores over the candidate lists into row
// softmaxes. Entries that underflow to 0 are dropped, since a heatmap stores
// only positive values.
func fromScores(scores []float32, nb *Neighbors, k int) (*Heatmap, error) {
	n := len(nb.Start) - 1
	rows := make([][]entry, n)
	for i := 0; i < n; i++ {
		row := scores[i*k : (i+1)*k]
		m := math.Inf(-1)
		for r, s := range row {
			if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
				return nil, fmt.Errorf("%w %v for edge (%d,%d)", errScore, s, i, nb.Of(i)[r])
			}
			m = math.Max(m, float64(s))
		}
		var z float64
		es := make([]entry, 0, k)
		for r, j := range nb.Of(i) {
			v := math.Exp(float64(row[r]) - m)
			z += v
			es = append(es, entry{j, v})
		}
		out := es[:0]
		for _, e := range es {
			if e.v /= z; e.v > 0 {
				out = append(out, e)
			}
		}
		rows[i] = out
	}
	return fromRows(rows, nil), nil
}
