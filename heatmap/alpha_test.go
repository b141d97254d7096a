package heatmap

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// The first 4^m keys of the curve fill the 2^m × 2^m corner square, each
// once, and consecutive keys are neighbouring cells.
func TestHilbertKeyIsACurve(t *testing.T) {
	for m := 1; m <= 5; m++ {
		side := uint32(1) << m
		at := make([][2]uint32, side*side)
		seen := make([]bool, side*side)
		for x := uint32(0); x < side; x++ {
			for y := uint32(0); y < side; y++ {
				k := hilbertKey(x, y)
				if k >= uint64(len(at)) || seen[k] {
					t.Fatalf("m=%d: cell (%d,%d) has key %d, out of range or taken", m, x, y, k)
				}
				seen[k] = true
				at[k] = [2]uint32{x, y}
			}
		}
		for k := 1; k < len(at); k++ {
			dx := int(at[k][0]) - int(at[k-1][0])
			dy := int(at[k][1]) - int(at[k-1][1])
			if dx*dx+dy*dy != 1 {
				t.Fatalf("m=%d: keys %d and %d are cells %v and %v, not neighbours", m, k-1, k, at[k-1], at[k])
			}
		}
	}
}

func TestHilbertRenumberIsAPermutation(t *testing.T) {
	p := uniform(t, 2000, 5, instances.Euc2D, 1000)
	q, perm, err := hilbertRenumber(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]bool, p.N())
	for i, old := range perm {
		if seen[old] {
			t.Fatalf("node %d twice", old)
		}
		seen[old] = true
		if q.X[i] != p.X[old] || q.Y[i] != p.Y[old] || q.Metric != p.Metric {
			t.Fatalf("new node %d is not old node %d", i, old)
		}
	}
}

// The spatial tree's lower bounds rest on the metric being this function of
// the squared Euclidean distance.
func TestMetricOfSquareIsTheDistance(t *testing.T) {
	for _, m := range []instances.Metric{instances.Euclidean, instances.Euc2D, instances.Ceil2D, instances.Att} {
		p := uniform(t, 300, 9, m, 5000)
		for i := 0; i < p.N(); i++ {
			for j := 0; j < p.N(); j += 7 {
				dx, dy := p.X[i]-p.X[j], p.Y[i]-p.Y[j]
				if got, want := metricOfSquare(m, dx*dx+dy*dy), p.Dist(i, j); got != want {
					t.Fatalf("%v: (%d,%d) gives %v, Dist %v", m, i, j, got, want)
				}
			}
		}
	}
}

// penaltyCases are penalty vectors that make the sparse graph miss edges of
// the true minimum 1-tree: spread comparable to the edges, and a few hubs
// made so cheap that far nodes would rather connect to them.
func penaltyCases(n int, scale float64) map[string][]float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := map[string][]float64{"zero": make([]float64, n)}
	for _, spread := range []float64{0.3, 3} {
		pi := make([]float64, n)
		for i := range pi {
			pi[i] = (rng.Float64() - 0.5) * spread * scale
		}
		cases[map[float64]string{0.3: "small", 3: "large"}[spread]] = pi
	}
	hubs := make([]float64, n)
	for i := 0; i < n; i += n / 5 {
		hubs[i] = -20 * scale
	}
	cases["hubs"] = hubs
	return cases
}

// Borůvka with the spatial tree must find the minimum 1-tree of the complete
// graph, whatever the sparse graph lacks: it is checked against Prim's
// algorithm over all pairs.
func TestExactOneTreeMatchesDensePrim(t *testing.T) {
	for _, tc := range []struct {
		name   string
		metric instances.Metric
		scale  float64
		n      int
	}{
		{"euclidean", instances.Euclidean, 1, 400},
		{"euc2d", instances.Euc2D, 1000, 300},
		{"ceil2d", instances.Ceil2D, 1000, 200},
		{"att", instances.Att, 10000, 200},
	} {
		p0 := uniform(t, tc.n, 11, tc.metric, tc.scale)
		p, _, err := hilbertRenumber(p0, nil)
		if err != nil {
			t.Fatal(err)
		}
		nb := KNearest(p, 4)
		g, err := knnGraph(p, nb, nil)
		if err != nil {
			t.Fatal(err)
		}
		reach := make([]float64, p.N())
		for i := range reach {
			reach[i] = p.Dist(i, int(nb.Of(i)[3]))
		}
		edge := tc.scale / math.Sqrt(float64(tc.n))
		for name, pi := range penaltyCases(p.N(), edge) {
			got, err := boruvkaOneTree(p, g, reach, pi, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := denseOneTree(p, pi, nil)
			if err != nil {
				t.Fatal(err)
			}
			gw, ww := treeCost(p, pi, got.parent), treeCost(p, pi, want.parent)
			if math.Abs(gw-ww) > 1e-9*math.Abs(ww) {
				t.Errorf("%s/%s: spanning tree costs %v, Prim over all pairs %v", tc.name, name, gw, ww)
			}
			// Rounded metrics tie, and tied trees can have different leaves;
			// the unrounded one has no ties, so its 1-trees must agree.
			if tc.metric == instances.Euclidean {
				g1, g2 := finishOneTree(p, got, pi), finishOneTree(p, want, pi)
				if math.Abs(g1-g2) > 1e-9*math.Abs(g2) {
					t.Errorf("%s/%s: W = %v, Prim over all pairs %v", tc.name, name, g1, g2)
				}
			}
		}
	}
}

func treeCost(p *instances.TSP, pi []float64, parent []int32) float64 {
	var s float64
	for v, u := range parent {
		if u >= 0 {
			s += penalised(p.Dist(v, int(u)), pi[v], pi[u])
		}
	}
	return s
}

func finishOneTree(p *instances.TSP, t *exactTree, pi []float64) float64 {
	w := treeCost(p, pi, t.parent) + penalised(p.Dist(int(t.special), int(t.second)), pi[t.special], pi[t.second])
	for _, x := range pi {
		w -= 2 * x
	}
	return w
}

// α from the offline path maxima must equal α from walking each tree path.
func TestAlphaValuesMatchTreePaths(t *testing.T) {
	p0 := uniform(t, 300, 21, instances.Euclidean, 1)
	p, _, err := hilbertRenumber(p0, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := p.N()
	for name, pi := range penaltyCases(n, 1/math.Sqrt(float64(n))) {
		nb := KNearest(p, 6)
		g, err := knnGraph(p, nb, nil)
		if err != nil {
			t.Fatal(err)
		}
		et, err := denseOneTree(p, pi, nil)
		if err != nil {
			t.Fatal(err)
		}
		if g, err = withEdges(p, g, et.edges(), nil); err != nil {
			t.Fatal(err)
		}
		alpha, err := alphaValues(p, g, pi, et, nil)
		if err != nil {
			t.Fatal(err)
		}
		depth := make([]int, n)
		for v := range depth {
			for u := et.parent[v]; u >= 0; u = et.parent[u] {
				depth[v]++
			}
		}
		up := func(v int32) float64 {
			return penalised(p.Dist(int(v), int(et.parent[v])), pi[v], pi[et.parent[v]])
		}
		s := et.special
		sNb := et.parent[s]
		if sNb < 0 {
			sNb = int32(slices.Index(et.parent, s))
		}
		for i := int32(0); i < int32(n); i++ {
			lo, hi := g.row(i)
			for k := lo; k < hi; k++ {
				j := g.adj[k]
				c := penalised(g.d[k], pi[i], pi[j])
				var want float64
				switch {
				case (i == s && (j == sNb || j == et.second)) || (j == s && (i == sNb || i == et.second)):
					want = 0
				case i == s || j == s:
					want = c - penalised(p.Dist(int(s), int(et.second)), pi[s], pi[et.second])
				default:
					a, b := i, j
					m := math.Inf(-1)
					for a != b {
						if depth[a] < depth[b] {
							a, b = b, a
						}
						m = math.Max(m, up(a))
						a = et.parent[a]
					}
					want = c - m
				}
				if alpha[k] != want || alpha[k] < 0 {
					t.Fatalf("%s: α(%d,%d) = %v, path walk %v", name, i, j, alpha[k], want)
				}
			}
		}
	}
}

// The ascent's step must not allocate: at 10^6 nodes it runs hundreds of
// times.
func TestOneTreeComputeAllocatesNothing(t *testing.T) {
	p := uniform(t, 2000, 4, instances.Euclidean, 1)
	g, err := knnGraph(p, KNearest(p, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	pi := make([]float64, p.N())
	for i := range pi {
		pi[i] = float64(i%5) * 1e-3
	}
	tree := newOneTree(g)
	pl := newPoller(context.Background())
	if a := testing.AllocsPerRun(5, func() {
		if err := tree.compute(pi, pl); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per 1-tree", a)
	}
}

// Ranking: lowest α first, then the shorter edge, then the smaller node;
// values strictly decrease along it and each row sums to 1.
func TestAlphaHeatmapRanking(t *testing.T) {
	// Node 0's neighbours 1…4: α 0, 0.5, 0, 0.5; distances 2, 1, 1, 1.
	g := &graph{n: 5, start: []int32{0, 4, 5, 6, 7, 8}, adj: []int32{1, 2, 3, 4, 0, 0, 0, 0}, d: []float64{2, 1, 1, 1, 2, 1, 1, 1}}
	alpha := []float64{0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5}
	perm := []int32{0, 1, 4, 3, 2} // internal 2 is caller's 4, and back
	h, err := alphaHeatmap(g, alpha, perm, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	// Internal 3 (α 0, d 1), internal 1 (α 0, d 2), then internal 2 and 4 tie
	// on α and d: the caller's numbers decide, and internal 4 is caller's 2.
	cols, vals := h.Row(0)
	want := []int32{3, 1, 2}
	got := append([]int32(nil), cols...)
	slices.SortFunc(got, func(a, b int32) int {
		return -compareFloat(vals[slices.Index(cols, a)], vals[slices.Index(cols, b)])
	})
	if !slices.Equal(got, want) {
		t.Fatalf("row 0 by value: %v, want %v", got, want)
	}
	v0, v1, v2 := h.At(0, 3), h.At(0, 1), h.At(0, 2)
	if !(v0 > v1 && v1 > v2) || math.Abs(v0+v1+v2-1) > 1e-12 {
		t.Errorf("values %v %v %v: want strictly decreasing, summing to 1", v0, v1, v2)
	}
	// e^0.5, less the 2^-30 nudge that keeps the tied v0 and v1 apart.
	if r := v1 / v2; math.Abs(r-math.Exp(0.5)) > 1e-8 {
		t.Errorf("value ratio for α 0 vs 0.5: %v, want e^0.5", r)
	}
	if c := h.Candidates(2, 0); !slices.Equal(c.Of(0), []int32{3, 1}) {
		t.Errorf("top 2 by value: %v, want [3 1]", c.Of(0))
	}
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestAlphaRejectsBadInput(t *testing.T) {
	p := uniform(t, 50, 1, instances.Euclidean, 1)
	for _, tc := range []struct {
		name string
		p    *instances.TSP
		opt  AlphaOptions
	}{
		{"nil", nil, AlphaOptions{}},
		{"empty", &instances.TSP{}, AlphaOptions{}},
		{"one neighbour", p, AlphaOptions{Neighbors: 1}},
		{"negative neighbours", p, AlphaOptions{Neighbors: -3}},
		{"more candidates than neighbours", p, AlphaOptions{Neighbors: 4, Candidates: 5}},
		{"negative candidates", p, AlphaOptions{Candidates: -1}},
		{"negative iterations", p, AlphaOptions{MaxIterations: -1}},
		{"negative period", p, AlphaOptions{InitialPeriod: -1}},
	} {
		if h, _, err := Alpha(context.Background(), tc.p, tc.opt); !errors.Is(err, ErrInvalid) || h != nil {
			t.Errorf("%s: error %v, want ErrInvalid and no heatmap", tc.name, err)
		}
	}
}

// Tiny and degenerate instances: every node a neighbour of every other, all
// points on one spot, all on a line.
func TestAlphaDegenerateInstances(t *testing.T) {
	line := make([]float64, 40)
	for i := range line {
		line[i] = float64(i % 13)
	}
	for _, tc := range []struct {
		name  string
		x, y  []float64
		tour  float64 // an optimal tour's length
		tight bool    // a minimum 1-tree at π = 0 is an optimal tour
	}{
		{"triangle", []float64{0, 3, 0}, []float64{0, 0, 4}, 12, true},
		{"square", []float64{0, 1, 1, 0}, []float64{0, 0, 1, 1}, 4, true},
		{"one spot", make([]float64, 20), make([]float64, 20), 0, true},
		// The Held–Karp bound is 24 here too, but π must grow to the scale of
		// the whole line, far beyond the ascent's steps: only validity and
		// progress beyond the spanning tree (12) are asked for.
		{"line with repeats", line, make([]float64, 40), 24, false},
	} {
		p, err := instances.NewCoordTSP(tc.name, instances.Euclidean, tc.x, tc.y)
		if err != nil {
			t.Fatal(err)
		}
		h, res, err := Alpha(context.Background(), p, AlphaOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		low := 12.0
		if tc.tight {
			low = tc.tour - 1e-9
		}
		if res.Bound > tc.tour+1e-9 || res.Bound < low {
			t.Errorf("%s: bound %v, optimum %v", tc.name, res.Bound, tc.tour)
		}
	}
}

func TestAlphaDeterministic(t *testing.T) {
	p := uniform(t, 3000, 8, instances.Euclidean, 1)
	opt := AlphaOptions{MaxIterations: 60, Candidates: 6}
	h1, r1, err := Alpha(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	h2, r2, err := Alpha(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h1.Col, h2.Col) || !slices.Equal(h1.Val, h2.Val) || !slices.Equal(r1.Pi, r2.Pi) ||
		r1.Bound != r2.Bound || r1.Iterations != r2.Iterations || r1.Iterations != 60 {
		t.Errorf("two runs differ (iterations %d, %d)", r1.Iterations, r2.Iterations)
	}
}

// The bound on TSP-500 against per-instance LKH-3 lengths (upper bounds within
// about 0.003 % of the optima): below every one of them, and on average about
// 0.7 % below, the Held–Karp gap of uniform random instances. The α
// candidates also hold almost every edge of the stored near-optimal tours.
func TestAlphaTSP500(t *testing.T) {
	path := datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt")
	refs, err := instances.LoadLKH3Lengths(datadirtest.Path(t, "tsp", "tsp500_test_lkh3_len.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const m = 16
	var gapSum float64
	var inAlpha, inNearest, ends int
	for idx := range m {
		p, tour, err := instances.LoadTSP(path, idx)
		if err != nil {
			t.Fatal(err)
		}
		h, res, err := Alpha(context.Background(), p, AlphaOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gap := 100 * (refs[idx] - res.Bound) / refs[idx]
		t.Logf("#%d: bound %.6f, LKH-3 %.6f, gap %.3f %%, %d iterations", idx, res.Bound, refs[idx], gap, res.Iterations)
		if res.Bound > refs[idx] {
			t.Errorf("#%d: bound %v above a tour of length %v", idx, res.Bound, refs[idx])
		}
		gapSum += gap
		nb := KNearest(p, 5)
		for k := range tour {
			a, b := tour[k], tour[(k+1)%len(tour)]
			for _, e := range [][2]int{{a, b}, {b, a}} {
				ends++
				if h.At(e[0], e[1]) > 0 {
					inAlpha++
				}
				if slices.Contains(nb.Of(e[0]), int32(e[1])) {
					inNearest++
				}
			}
		}
	}
	mean := gapSum / m
	cover, coverNN := float64(inAlpha)/float64(ends), float64(inNearest)/float64(ends)
	t.Logf("mean gap %.3f %%; tour edges among the 5 α-nearest %.2f %%, among the 5 nearest %.2f %%", mean, 100*cover, 100*coverNN)
	if mean > 0.8 {
		t.Errorf("mean gap %.3f %%, want ≤ 0.8 %%", mean)
	}
	if cover < 0.985 || cover <= coverNN {
		t.Errorf("α candidates hold %.2f %% of tour edges (5 nearest: %.2f %%), want ≥ 98.5 %%", 100*cover, 100*coverNN)
	}
}

// Every TSPLIB instance at hand with a published optimum: the bound must not
// exceed it, whatever the metric (GEO and EXPLICIT take the all-pairs path).
func TestAlphaTSPLIBBelowOptimum(t *testing.T) {
	files, err := filepath.Glob(datadirtest.Path(t, "tsplib", "*.tsp"))
	if err != nil || len(files) == 0 {
		t.Skipf("no TSPLIB files: %v", err)
	}
	slices.Sort(files)
	for _, f := range files {
		opt, ok := instances.TSPLIBOptimum(f)
		if !ok {
			continue
		}
		p, err := instances.LoadTSPLIB(f)
		if err != nil {
			t.Fatal(err)
		}
		if p.N() > 3100 && (testing.Short() || raceEnabled) {
			continue
		}
		if p.N() > 20000 {
			continue // pla33810 and pla85900: covered by the scale tests' cost
		}
		st := time.Now()
		_, res, err := Alpha(context.Background(), p, AlphaOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Logf("%-10s %-9v n=%5d bound %10.0f optimum %10.0f gap %6.3f %% (%d iterations, %v)",
			strings.TrimSuffix(filepath.Base(f), ".tsp"), p.Metric, p.N(), res.Bound, opt, 100*(opt-res.Bound)/opt, res.Iterations, time.Since(st).Round(time.Millisecond))
		if res.Bound > opt {
			t.Errorf("%s: bound %v above the optimum %v", f, res.Bound, opt)
		}
	}
}

// A context cancelled mid-run ends Alpha with its error; the lateness is
// logged, not asserted (the machine may be busy).
func TestAlphaCancel(t *testing.T) {
	p := uniform(t, 100, 2, instances.Euclidean, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Alpha(ctx, p, AlphaOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: error %v", err)
	}
	n := 200000
	if raceEnabled {
		n = 50000
	}
	big, err := instances.GenerateUniform(n, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{20 * time.Millisecond, 300 * time.Millisecond, 1500 * time.Millisecond} {
		late, err := cancelAfter(big, after)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("n=%d cancelled after %v: error %v, want context.Canceled", n, after, err)
		}
		t.Logf("n=%d cancelled after %v: returned %v later", n, after, late)
	}
}

// cancelAfter runs Alpha with its default schedule and cancels it after d; it
// returns how long Alpha took to return after the cancellation.
func cancelAfter(p *instances.TSP, d time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at time.Time
	timer := time.AfterFunc(d, func() {
		at = time.Now()
		cancel()
	})
	_, _, err := Alpha(ctx, p, AlphaOptions{})
	end := time.Now()
	if !timer.Stop() {
		return end.Sub(at), err
	}
	return 0, err
}

// At 10^6 nodes: cancellation in every phase, and the peak memory of a run
// (the process's high-water mark, read from /proc on Linux).
func TestAlphaMillion(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10^6 nodes: skipped with -short and under the race detector")
	}
	p, err := instances.GenerateUniform(1_000_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{500 * time.Millisecond, 3 * time.Second, 8 * time.Second, 15 * time.Second} {
		late, err := cancelAfter(p, after)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after %v: error %v, want context.Canceled", after, err)
		}
		t.Logf("cancelled after %v: returned %v later", after, late)
	}
	st := time.Now()
	h, res, err := Alpha(context.Background(), p, AlphaOptions{MaxIterations: 30})
	if err != nil {
		t.Fatal(err)
	}
	peak := peakRSS()
	t.Logf("n=10^6, 30 iterations: %v, bound %.4f (%.5f·√n), %d entries, peak RSS %d MB",
		time.Since(st).Round(time.Millisecond), res.Bound, res.Bound/1000, h.NNZ(), peak>>20)
	if peak > 2<<30 {
		t.Errorf("peak RSS %d MB, want well under 2 GB", peak>>20)
	}
}

// peakRSS is the process's peak resident set in bytes, 0 where unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func BenchmarkAlpha(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		p, err := instances.GenerateUniform(n, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var iters int
			for b.Loop() {
				_, res, err := Alpha(context.Background(), p, AlphaOptions{})
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iterations
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iterations/op")
		})
	}
}

// exactTour is the optimal tour length by the Held–Karp dynamic programme
// over subsets, O(2^n·n²): independent of every 1-tree routine, for n ≤ 14.
func exactTour(p *instances.TSP) float64 {
	n := p.N()
	m := n - 1 // node 0 starts the tour; subsets are over nodes 1…n−1
	dp := make([]float64, (1<<m)*m)
	for i := range dp {
		dp[i] = math.Inf(1)
	}
	for j := range m {
		dp[(1<<j)*m+j] = p.Dist(0, j+1)
	}
	for mask := 1; mask < 1<<m; mask++ {
		for j := range m {
			cur := dp[mask*m+j]
			if mask&(1<<j) == 0 || math.IsInf(cur, 1) {
				continue
			}
			for k := range m {
				if mask&(1<<k) == 0 {
					next := (mask|1<<k)*m + k
					dp[next] = math.Min(dp[next], cur+p.Dist(j+1, k+1))
				}
			}
		}
	}
	best := math.Inf(1)
	for j := range m {
		best = math.Min(best, dp[(1<<m-1)*m+j]+p.Dist(j+1, 0))
	}
	return best
}

// The bound must never exceed the optimum, whatever the metric and however
// sparse the graph the ascent runs on (2 neighbours leave out most edges of
// the optimal 1-trees, which the certification over the complete graph must
// then find), and Proves must accept the optimum exactly when the bound meets
// it. Clustered points with repeats make ties and zero-length edges.
func TestAlphaBoundBelowExactOptimum(t *testing.T) {
	type instCase struct {
		name string
		p    *instances.TSP
	}
	var cases []instCase
	for seed := uint64(1); seed <= 6; seed++ {
		n := 9 + int(seed)%5
		for _, m := range []struct {
			metric instances.Metric
			scale  float64
		}{{instances.Euclidean, 1}, {instances.Euc2D, 100}, {instances.Ceil2D, 50}, {instances.Att, 500}, {instances.Man2D, 100}} {
			cases = append(cases, instCase{fmt.Sprintf("%v/n=%d/seed=%d", m.metric, n, seed), uniform(t, n, seed, m.metric, m.scale)})
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			c := float64(rng.IntN(3))
			x[i], y[i] = 100*c+float64(rng.IntN(4)), 100*c+float64(rng.IntN(4))
		}
		p, err := instances.NewCoordTSP("clustered", instances.Euc2D, x, y)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, instCase{fmt.Sprintf("clustered/n=%d/seed=%d", n, seed), p})
	}
	tight := 0
	for _, tc := range cases {
		opt := exactTour(tc.p)
		for _, k := range []int{2, 3, 10} {
			_, res, err := Alpha(context.Background(), tc.p, AlphaOptions{Neighbors: k, Candidates: 2})
			if err != nil {
				t.Fatalf("%s, k=%d: %v", tc.name, k, err)
			}
			if res.Bound > opt {
				t.Errorf("%s, k=%d: bound %v above the optimum %v", tc.name, k, res.Bound, opt)
			}
			if res.Proves(opt) != (res.Bound >= opt-1e-9*math.Abs(opt)) {
				t.Errorf("%s, k=%d: Proves(%v) = %v with bound %v", tc.name, k, opt, res.Proves(opt), res.Bound)
			}
			if res.Proves(opt) {
				tight++
			}
		}
	}
	t.Logf("%d instance × neighbour-count cases, the bound proves the optimum in %d", 3*len(cases), tight)
}
