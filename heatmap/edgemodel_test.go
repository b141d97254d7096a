package heatmap

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// The feature graph against the features computed directly.
func TestEdgeFeatures(t *testing.T) {
	fm, fname, err := newFeatureModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{4, 60} {
		p, err := instances.GenerateUniform(n, 3)
		if err != nil {
			t.Fatal(err)
		}
		coords, nb, k, err := ONNXInputs(p)
		if err != nil {
			t.Fatal(err)
		}
		d := make([]float64, n*k)
		var meanNN float64
		for i := 0; i < n; i++ {
			for r, j := range nb.Of(i) {
				dx, dy := float64(coords[2*i]-coords[2*j]), float64(coords[2*i+1]-coords[2*j+1])
				d[i*k+r] = math.Hypot(dx, dy)
			}
			meanNN += d[i*k] / float64(n)
		}
		e := featureEps
		want := make([]float64, 0, n*k*edgeFeatureCount)
		for i := 0; i < n; i++ {
			for r, j := range nb.Of(i) {
				dij, di1, dik := d[i*k+r], d[i*k], d[i*k+k-1]
				dj1, djk := d[int(j)*k], d[int(j)*k+k-1]
				mutual, rankJ := 0.0, 1.0
				if s := slices.Index(nb.Of(int(j)), int32(i)); s >= 0 {
					mutual, rankJ = 1, float64(s)/ONNXK
				}
				want = append(want, dij/meanNN, (di1+e)/(dij+e), (dj1+e)/(dij+e), dij/(dik+e), math.Min(dij/(djk+e), 2),
					float64(r)/ONNXK, mutual, rankJ)
			}
		}
		out, err := fm.Run(modelInputs(coords, nb, k, false))
		if err != nil {
			t.Fatal(err)
		}
		got := out[fname].Data
		if len(got) != len(want) {
			t.Fatalf("n = %d: %d features, want %d", n, len(got), len(want))
		}
		for x := range got {
			if math.Abs(float64(got[x])-want[x]) > 1e-5*math.Max(1, math.Abs(want[x])) {
				t.Fatalf("n = %d: edge %d feature %d is %g, want %g", n, x/edgeFeatureCount, x%edgeFeatureCount, got[x], want[x])
			}
		}
	}
}

// nearestTour is the nearest-neighbour tour from node 0, labels good enough
// for a test.
func nearestTour(p *instances.TSP) []int {
	n := p.N()
	seen := make([]bool, n)
	tour := []int{0}
	seen[0] = true
	for len(tour) < n {
		last, best := tour[len(tour)-1], -1
		for j := 0; j < n; j++ {
			if !seen[j] && (best < 0 || p.Dist(last, j) < p.Dist(last, best)) {
				best = j
			}
		}
		seen[best] = true
		tour = append(tour, best)
	}
	return tour
}

func TestTrainEdgeModel(t *testing.T) {
	var train, val []EdgeSample
	for s := uint64(1); s <= 5; s++ {
		p, err := instances.GenerateUniform(80, s)
		if err != nil {
			t.Fatal(err)
		}
		if s == 5 {
			val = append(val, EdgeSample{p, nearestTour(p)})
		} else {
			train = append(train, EdgeSample{p, nearestTour(p)})
		}
	}
	opt := EdgeTrainOptions{Hidden: 8, Epochs: 6, BatchSize: 32, Seed: 4}
	res, err := TrainEdgeModel(context.Background(), train, val, opt)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.History[0], res.History[len(res.History)-1]
	t.Logf("loss %.4f -> %.4f, validation %.4f -> %.4f, top-2 %.3f (nearest two: %.3f)", first.Loss, last.Loss, first.ValLoss, last.ValLoss, last.Top2, res.NearestTop2)
	if !(last.Loss < first.Loss) {
		t.Errorf("training loss went from %g to %g", first.Loss, last.Loss)
	}
	again, err := TrainEdgeModel(context.Background(), train, val, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.ONNX, again.ONNX) {
		t.Error("the same samples and seed gave different models")
	}
	path := filepath.Join(t.TempDir(), "edge.onnx")
	if err := os.WriteFile(path, res.ONNX, 0o644); err != nil {
		t.Fatal(err)
	}
	om, err := LoadONNX(path)
	if err != nil {
		t.Fatal(err)
	}
	if fast, interp := om.Model().EngineStatus(); fast != nil {
		t.Fatalf("fast path: %v (interpreter: %v)", fast, interp)
	}
	h, err := om.Heatmap(val[0].Inst)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	// The written model's top two per node are the network's own: the
	// feature stage and the network compose as trained.
	fm, fname, err := newFeatureModel()
	if err != nil {
		t.Fatal(err)
	}
	vd, err := prepareEdgeData(fm, fname, val)
	if err != nil {
		t.Fatal(err)
	}
	top2 := onnxTop2(t, om, vd, val[0].Inst)
	if math.Abs(top2-last.Top2) > 1e-9 {
		t.Errorf("the ONNX model's top-2 share %g, the network's %g", top2, last.Top2)
	}
	if _, err := TrainEdgeModel(context.Background(), nil, val, opt); err == nil {
		t.Error("training without samples was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TrainEdgeModel(ctx, train, nil, opt); err == nil {
		t.Error("a cancelled context was ignored")
	}
}

// onnxTop2 runs the ONNX model on an instance and scores its output as
// evaluate does.
func onnxTop2(t *testing.T, om *ONNXModel, d *edgeData, p *instances.TSP) float64 {
	t.Helper()
	coords, nb, k, err := ONNXInputs(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := om.Model().Run(modelInputs(coords, nb, k, false))
	if err != nil {
		t.Fatal(err)
	}
	s := out[ONNXScores].Data
	s64 := make([]float64, len(s))
	for i, v := range s {
		s64[i] = float64(v)
	}
	return top2Hits(s64, d.target, k) / float64(2*d.rows)
}
