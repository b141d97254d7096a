package heatmap

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

func uniform(t testing.TB, n int, seed uint64, metric instances.Metric, scale float64) *instances.TSP {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = rng.Float64()*scale, rng.Float64()*scale
	}
	p, err := instances.NewCoordTSP("u", metric, x, y)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The grid must agree with a scan of all pairs (ties by node number).
func TestKNearestGridMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		n, k   int
		metric instances.Metric
		scale  float64
	}{{50, 5, instances.Euclidean, 1}, {400, 10, instances.Euclidean, 1}, {300, 8, instances.Euc2D, 1000}, {20, 30, instances.Euclidean, 1}} {
		p := uniform(t, tc.n, 7, tc.metric, tc.scale)
		got := KNearest(p, tc.k)
		want := &Neighbors{Start: got.Start, Adj: make([]int32, len(got.Adj))}
		_ = bruteKNN(p, min(tc.k, tc.n-1), want, nil)
		for i := 0; i < tc.n; i++ {
			g, w := got.Of(i), want.Of(i)
			for r := range w {
				if p.Dist(i, int(g[r])) != p.Dist(i, int(w[r])) {
					t.Fatalf("n=%d node %d rank %d: grid %d (d=%v), brute %d (d=%v)", tc.n, i, r, g[r], p.Dist(i, int(g[r])), w[r], p.Dist(i, int(w[r])))
				}
			}
		}
	}
}

func TestKNearestCollinearAndDuplicates(t *testing.T) {
	x := []float64{0, 1, 2, 3, 3, 3, 4}
	y := make([]float64, len(x))
	p, _ := instances.NewCoordTSP("line", instances.Euclidean, x, y)
	nb := KNearest(p, 2)
	if got := nb.Of(3); got[0] != 4 || got[1] != 5 {
		t.Errorf("neighbours of node 3: %v, want its duplicates [4 5]", got)
	}
}

func TestGTPriorTable(t *testing.T) {
	for _, n := range []int{100, 500, 700, 1000, 5000, 10000, 100000} {
		tab := GTPriorTable(n)
		var sum float64
		for _, v := range tab {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("n=%d: table sums to %v", n, sum)
		}
	}
	if len(GTPriorTable(500)) != 24 || len(GTPriorTable(1000)) != 23 || len(GTPriorTable(10000)) != 30 {
		t.Error("published table lengths are 24, 23, 30")
	}
	if len(GTPriorTable(800)) != 23 || len(GTPriorTable(600)) != 24 || len(GTPriorTable(5)) != 4 {
		t.Error("nearest table on a log scale, cut to n−1 ranks")
	}
	p := uniform(t, 500, 1, instances.Euclidean, 1)
	h := GTPrior(p)
	nb := KNearest(p, 24)
	tab := GTPriorTable(500)
	for r, j := range nb.Of(3) {
		if got := h.At(3, int(j)); got != tab[r] {
			t.Fatalf("H[3][rank %d] = %v, want %v", r, got, tab[r])
		}
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSoftDist(t *testing.T) {
	if SoftDistTau(500) != 0.0066 || SoftDistTau(1000) != 0.0051 || SoftDistTau(10000) != 0.0018 {
		t.Error("published τ table")
	}
	if got := SoftDistTau(2500); math.Abs(got-0.0032) > 1e-12 {
		t.Errorf("τ(2500) = %v, want 0.16/50", got)
	}
	p := uniform(t, 300, 2, instances.Euclidean, 1)
	h := SoftDist(p, 0.01, 20)
	for i := 0; i < p.N(); i++ {
		_, vals := h.Row(i)
		var s float64
		for _, v := range vals {
			s += v
		}
		if math.Abs(s-1) > 1e-9 {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
	// Softmax ratio: H_ij / H_ik = exp(-(d_ij - d_ik)/τ).
	nb := KNearest(p, 20)
	j, k := int(nb.Of(0)[0]), int(nb.Of(0)[1])
	want := math.Exp(-(p.Dist(0, j) - p.Dist(0, k)) / 0.01)
	if got := h.At(0, j) / h.At(0, k); math.Abs(got-want) > 1e-9*want {
		t.Errorf("softmax ratio %v, want %v", got, want)
	}
}

func TestCandidatesReferenceRule(t *testing.T) {
	// Row 0: values 0.5 (col 3), 0.2 (col 1), 0.2 (col 2, tie → lower column
	// first), 5e-5 (col 4, below 1e-4: never a candidate).
	rows := [][]entry{{{1, 0.2}, {2, 0.2}, {3, 0.5}, {4, 5e-5}}, {{0, 1}}, {{0, 1}}, {{0, 1}}, {{0, 1}}}
	h := fromRows(rows, nil)
	c := h.Candidates(0, 1e-4)
	if got := fmt.Sprint(c.Of(0)); got != "[3 1 2]" {
		t.Errorf("candidates of 0: %s, want [3 1 2]", got)
	}
	c = h.Candidates(2, 1e-4)
	if got := fmt.Sprint(c.Of(0)); got != "[3 1]" {
		t.Errorf("capped candidates of 0: %s, want [3 1]", got)
	}
	s := h.Symmetrize()
	if s.At(0, 1) != 0.6 || s.At(1, 0) != 0.6 || s.At(4, 0) != (1+5e-5)/2 {
		t.Errorf("symmetrised: %v %v %v", s.At(0, 1), s.At(1, 0), s.At(4, 0))
	}
}

func TestDenseRoundTripSymmetrises(t *testing.T) {
	p := uniform(t, 60, 3, instances.Euclidean, 1)
	h := SoftDist(p, 0.05, 59)
	var buf bytes.Buffer
	if err := WriteDense(&buf, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDense(&buf, "h.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := h.Symmetrize()
	for i := 0; i < 60; i++ {
		for j := 0; j < 60; j++ {
			if math.Abs(got.At(i, j)-want.At(i, j)) > 1e-9 || got.At(i, j) != got.At(j, i) {
				t.Fatalf("(%d,%d): read %v, want %v", i, j, got.At(i, j), want.At(i, j))
			}
		}
		if math.Abs(got.RowSum[i]-want.RowSum[i]) > 1e-12 {
			t.Fatalf("row sum %d: %v vs %v", i, got.RowSum[i], want.RowSum[i])
		}
	}
}

func TestSparseRoundTripExact(t *testing.T) {
	p := uniform(t, 100, 4, instances.Euclidean, 1)
	h := GTPrior(p)
	var buf bytes.Buffer
	if err := WriteSparse(&buf, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSparse(&buf, "h.sparse")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Col) != fmt.Sprint(h.Col) || fmt.Sprint(got.Val) != fmt.Sprint(h.Val) || fmt.Sprint(got.RowSum) != fmt.Sprint(h.RowSum) {
		t.Error("sparse round trip changed the heatmap")
	}
}

func TestBadHeatmapFiles(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", "empty"},
		{"small", "2\n0 1\n1 0\n", "≥ 3"},
		{"nan", "3\n0 1 1\n1 0 NaN\n1 1 0\n", "h:3"},
		{"negative", "3\n0 1 1\n1 0 -1\n1 1 0\n", "h:3"},
		{"short", "3\n0 1 1\n1 0 1\n", "6 numbers"},
		{"long", "3\n0 1 1\n1 0 1\n1 1 0 1\n", "h:4"},
		{"word", "3\n0 x 1\n", "h:2"},
	} {
		_, err := ReadDense(strings.NewReader(tc.text), "h")
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrInvalid mentioning %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct{ name, text string }{
		{"magic", "nope 1 3\n"},
		{"rows", sparseMagic + " 1 3\n1 1 0.5\n"},
		{"diag", sparseMagic + " 1 3\n1 0 0.5\n1\n1\n"},
		{"order", sparseMagic + " 1 3\n1 2 0.5 1 0.5\n1\n1\n"},
		{"neg", sparseMagic + " 1 3\n1 1 -0.5\n1\n1\n"},
	} {
		if _, err := ReadSparse(strings.NewReader(tc.text), "s"); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", tc.name, err)
		}
	}
	if err := GTPrior(uniform(t, 10, 1, instances.Euclidean, 1)).CheckSize(11); !errors.Is(err, ErrInvalid) {
		t.Errorf("size mismatch: %v", err)
	}
}

// Acceptance: a SoftDist heatmap of TSP-500 instance 0 written densely and read
// back gives the same candidate sets, about 10 per node under the reference
// rule (the reference notes report 9.6–10.3 on instances 0–3).
func TestSoftDistDenseInteropTSP500(t *testing.T) {
	p, _, err := instances.LoadTSP(datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt"), 0)
	if err != nil {
		t.Fatal(err)
	}
	h := SoftDist(p, 0.0066, 0)
	var buf bytes.Buffer
	if err := WriteDense(&buf, h); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDense(&buf, "h0.txt")
	if err != nil {
		t.Fatal(err)
	}
	a := h.Symmetrize().Candidates(1000, 1e-4)
	b := back.Candidates(1000, 1e-4)
	if fmt.Sprint(a.Start) != fmt.Sprint(b.Start) || fmt.Sprint(a.Adj) != fmt.Sprint(b.Adj) {
		t.Fatal("candidate sets differ after the dense round trip")
	}
	mean := float64(len(a.Adj)) / float64(p.N())
	t.Logf("mean candidates per node: %.2f", mean)
	if mean < 9 || mean > 11 {
		t.Errorf("mean candidates %.2f, want about 10 (9.6–10.3 in the reference)", mean)
	}
}

func FuzzReadDense(f *testing.F) {
	f.Add("3\n0 1 1\n1 0 1\n1 1 0\n")
	f.Add("3\n0 0.5 1e-5\n0.2 0 1\n1 1 0\n")
	f.Add("4\n0 1 1 1 1 0 1 1 1 1 0 1 1 1 1 0")
	f.Add("3\n0 1 NaN\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ReadDense(strings.NewReader(s), "f")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted heatmap fails validation: %v", err)
		}
	})
}

func FuzzReadSparse(f *testing.F) {
	f.Add(sparseMagic + " 1 3\n1 1 0.5 2 0.5\n1 0 1\n1 0 1\n")
	f.Add(sparseMagic + " 1 3\n0\n0\n0\n")
	f.Add(sparseMagic + " 1 4\n1 1 0.5\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ReadSparse(strings.NewReader(s), "f")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted heatmap fails validation: %v", err)
		}
	})
}
