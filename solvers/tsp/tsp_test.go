package tsp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

func uniform(t testing.TB, n int, seed uint64) *instances.TSP {
	t.Helper()
	p, err := instances.GenerateUniform(n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testSearcher builds a single-thread searcher on a random tour with GT-Prior
// statistics, as Solve does.
func testSearcher(t testing.TB, p *instances.TSP, set Settings, order []int32) *searcher {
	t.Helper()
	n := p.N()
	set = set.withDefaults(n)
	hs := heatmap.GTPrior(p).Symmetrize()
	nb := heatmap.KNearest(p, set.Neighbors)
	prior := make([]float64, len(nb.Adj))
	for i := 0; i < n; i++ {
		for a := nb.Start[i]; a < nb.Start[i+1]; a++ {
			prior[a] = hs.At(i, int(nb.Adj[a]))
		}
	}
	st, err := mcts.NewStats(nb.Start, nb.Adj, prior, hs.RowSum, 100, set.Alpha, base(set))
	if err != nil {
		t.Fatal(err)
	}
	s := newSearcher(p, &set, nb, st, solvers.NewBudget(context.Background(), 0), solvers.NewRand(set.Seed, "tsp/search", 0))
	s.nbDist = make([]float64, len(nb.Adj))
	for i := int32(0); i < int32(n); i++ {
		for a := nb.Start[i]; a < nb.Start[i+1]; a++ {
			s.nbDist[a] = s.d(i, nb.Adj[a])
		}
	}
	if order == nil {
		order = make([]int32, n)
		for i, v := range rand.New(rand.NewPCG(9, 9)).Perm(n) {
			order[i] = int32(v)
		}
	}
	s.initTour(order)
	return s
}

func checkTour(t *testing.T, s *searcher) {
	t.Helper()
	tour := make([]int, s.n)
	if s.t.tl != nil {
		checkTwoLevel(t, s.t.tl)
	}
	for i, v := range s.tourOrder() {
		tour[i] = int(v)
		if s.t.tl == nil && s.t.pos[v] != int32(i) {
			t.Fatalf("pos[%d] = %d, want %d", v, s.t.pos[v], i)
		}
	}
	l, err := instances.CheckTour(s.inst, tour)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l-s.length) > 1e-6*l {
		t.Fatalf("tracked length %v, true %v", s.length, l)
	}
}

// The segment list must agree with the same steps applied to the tour: the
// path neighbours before every step, and the closed gain equal to the length
// difference of the tour after the steps.
func TestKpathMatchesAppliedSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 8 + rng.IntN(60)
		p := uniform(t, n, uint64(trial))
		s := testSearcher(t, p, Settings{}, nil)
		applied := newTour(s.t.copyOrder(nil), false)
		a1 := int32(rng.IntN(n))
		b1 := s.t.next(a1)
		if trial%2 == 1 {
			b1 = s.t.prev(a1)
		}
		s.kp.reset(a1, b1)
		g := s.d(a1, b1)
		b := b1
		before := s.length
		depth := 1 + rng.IntN(min(12, n/2))
		for step := 0; step < depth; step++ {
			if s.kp.free() != b {
				t.Fatalf("trial %d: free end %d, want %d", trial, s.kp.free(), b)
			}
			// Pick any a that is neither a1 nor b nor b's path successor.
			excl := s.kp.next(b)
			var a int32
			for {
				a = int32(rng.IntN(n))
				if a != a1 && a != b && a != excl {
					break
				}
			}
			bp := s.kp.prev(a)
			// On the applied tour, b is a1's neighbour and bp is a's neighbour on b's side.
			got := applied.lkStep(a1, b, a)
			if got != bp {
				t.Fatalf("trial %d step %d: segment list says b' = %d, tour says %d", trial, step, bp, got)
			}
			g += s.d(a, bp) - s.d(b, a)
			s.kp.step(a)
			b = bp
			closed := g - s.d(bp, a1)
			var l float64
			for i, v := range applied.order {
				l += s.d(v, applied.order[(i+1)%n])
			}
			if math.Abs((before-l)-closed) > 1e-9 {
				t.Fatalf("trial %d step %d: closed gain %v, tour gain %v", trial, step, closed, before-l)
			}
		}
	}
}

func TestLocalSearchKeepsValidTourAndLength(t *testing.T) {
	for _, n := range []int{10, 13, 50, 300} {
		p := uniform(t, n, uint64(n))
		s := testSearcher(t, p, Settings{}, nil)
		start := s.length
		s.pushAll()
		s.descend(true, true)
		checkTour(t, s)
		if !(s.length < start) {
			t.Errorf("n=%d: descent did not improve a random tour", n)
		}
		// A 2-opt local optimum over the neighbour lists: no improving move left.
		for v := int32(0); v < s.n; v++ {
			if s.twoOpt(v) || s.orOpt(v) {
				t.Fatalf("n=%d: improving move left at %d after descent", n, v)
			}
		}
		for k := 0; k < 50; k++ {
			before := s.length
			for _, v := range s.segmentSwap(10) {
				s.push(v)
			}
			checkTour(t, s)
			s.descend(true, true)
			checkTour(t, s)
			_ = before
		}
	}
}

// The reference samples only candidates with Z ≥ 1: with α = 0 and W = 100·H,
// Z = H/mean(H), so a candidate far below the row mean is never chosen.
func TestReferenceZFilter(t *testing.T) {
	p := uniform(t, 40, 5)
	s := testSearcher(t, p, Settings{Reference: true, Alpha: 0, MaxDepth: 1}, nil)
	st := s.stats
	b := int32(7)
	// Make every arc of b weak except one.
	strong := st.Adj[st.Start[b]+1]
	for a := st.Start[b]; a < st.Start[b+1]; a++ {
		st.W[a] = 1e-6
	}
	st.W[st.Start[b]+1] = 1000
	for trial := 0; trial < 200; trial++ {
		a1 := s.t.prev(b) // so that b = succ(a1) is the first free end
		s.sample(a1, 1)
		if len(s.cur) == 1 && s.cur[0] != strong {
			t.Fatalf("sampled %d with Z < 1; only %d passes the filter", s.cur[0], strong)
		}
	}
	// Without the filter the weak arcs are reachable.
	s.zFilter = false
	s.discretised = false
	st.Alpha = 5
	st.M = 1000
	seen := map[int32]bool{}
	for trial := 0; trial < 500; trial++ {
		s.sample(s.t.prev(b), 1)
		if len(s.cur) == 1 {
			seen[s.cur[0]] = true
		}
	}
	if len(seen) < 2 {
		t.Error("with exploration and no filter more than one candidate should be sampled")
	}
}

func TestBackpropRewardsNewEdges(t *testing.T) {
	p := uniform(t, 60, 6)
	s := testSearcher(t, p, Settings{Beta: 10}, nil)
	for {
		g, a1, k, ok := s.simulateOne()
		if !ok {
			t.Fatal("budget")
		}
		if g > eps && k >= 2 {
			// The new edges are (b_{i+1}, a_{i+2}) and (b_k, a1).
			s.kp.reset(a1, s.t.next(a1))
			var newEdges [][2]int32
			for i, a := range s.best {
				bp := s.kp.step(a)
				nxt := a1
				if i+1 < len(s.best) {
					nxt = s.best[i+1]
				}
				newEdges = append(newEdges, [2]int32{bp, nxt})
			}
			before := map[[2]int32]float64{}
			for _, e := range newEdges {
				before[e] = s.stats.Omega(e[0])
			}
			s.backprop(a1, g, s.length)
			inc := s.stats.Increase(10, g, s.length)
			for _, e := range newEdges {
				if got := s.stats.Omega(e[0]) - before[e]; got < inc/float64(s.n-1)*0.999 {
					t.Fatalf("Ω of %d rose by %v, want at least %v", e[0], got, inc/float64(s.n-1))
				}
			}
			s.execute(a1, s.best)
			s.length -= g
			checkTour(t, s)
			return
		}
	}
}

func TestSampleDoesNotAllocate(t *testing.T) {
	p := uniform(t, 500, 7)
	for _, ref := range []bool{false, true} {
		s := testSearcher(t, p, Settings{Reference: ref, Alpha: 1, MaxDepth: 50}, nil)
		rng := rand.New(rand.NewPCG(3, 3))
		allocs := testing.AllocsPerRun(2000, func() {
			s.sample(int32(rng.IntN(500)), 50)
			s.stats.M++
		})
		if allocs != 0 {
			t.Errorf("reference=%v: %v allocations per sampled action, want 0", ref, allocs)
		}
	}
}

func solveOK(t *testing.T, p *instances.TSP, set Settings) Result {
	t.Helper()
	res, err := Solve(context.Background(), p, set)
	if err != nil {
		t.Fatal(err)
	}
	l, err := instances.CheckTour(p, res.Solution.Tour)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l-res.Objective) > 1e-6*l {
		t.Fatalf("objective %v, checker %v", res.Objective, l)
	}
	return res
}

func TestOptimalOnSmallTSPLIB(t *testing.T) {
	names := []string{"burma14", "ulysses16", "gr17", "gr24", "fri26", "dantzig42", "gr21", "ulysses22", "bayg29", "bays29", "swiss42", "gr48", "hk48"}
	if testing.Short() {
		names = names[:4]
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, err := instances.LoadTSPLIB(datadirtest.Path(t, "tsplib", name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			opt, ok := instances.TSPLIBOptimum(name)
			if !ok {
				t.Fatalf("no optimum for %s", name)
			}
			res := solveOK(t, p, Settings{Limits: solvers.Limits{MaxIterations: 300, Seed: 1, Threads: 1}})
			if res.Objective != opt {
				t.Errorf("%s: %v, optimum %v", name, res.Objective, opt)
			}
		})
	}
}

func TestTinyInstancesExact(t *testing.T) {
	for n := 3; n <= 9; n++ {
		p := uniform(t, n, uint64(n))
		res := solveOK(t, p, Settings{Limits: solvers.Limits{MaxIterations: 1}})
		if res.Status != solvers.Optimal {
			t.Errorf("n=%d: status %v", n, res.Status)
		}
		// A second method: every order found by the search must be no shorter.
		big := solveOK(t, p, Settings{Limits: solvers.Limits{MaxIterations: 1}})
		if big.Objective < res.Objective-1e-12 {
			t.Errorf("n=%d: not optimal", n)
		}
	}
}

func TestDeterministicWithIterationBudget(t *testing.T) {
	p := uniform(t, 200, 11)
	for _, name := range []string{"cosolve", "reference", "pan-gt-500"} {
		pr := Presets[name]
		set := pr.Settings
		set.MaxIterations, set.Seed, set.Threads = 1500, 42, 1
		set.Samples = 5
		a := solveOK(t, p, set)
		b := solveOK(t, p, set)
		if fmt.Sprint(a.Solution.Tour) != fmt.Sprint(b.Solution.Tour) || a.StopReason != solvers.IterationLimit {
			t.Errorf("%s: two runs differ (%v vs %v) or stop %v", name, a.Objective, b.Objective, a.StopReason)
		}
	}
}

func TestMCTSPresetsImproveOnConstruction(t *testing.T) {
	p := uniform(t, 150, 12)
	for _, name := range []string{"reference", "fu-default", "pan-softdist-500"} {
		pr := Presets[name]
		set := pr.Settings
		set.MaxIterations, set.Seed, set.Threads = 4000, 1, 1
		if pr.Heatmap == "softdist" {
			set.Heatmap = heatmap.SoftDist(p, 0, 0)
		}
		res := solveOK(t, p, set)
		if res.Stats.Executed == 0 || res.Stats.Restarts == 0 {
			t.Errorf("%s: stats %+v: expected executed actions and restarts", name, res.Stats)
		}
	}
}

func TestOnImproveStreamsBetterTours(t *testing.T) {
	p := uniform(t, 300, 13)
	var lens []float64
	var last Solution
	res := solveOK(t, p, Settings{
		Limits: solvers.Limits{MaxIterations: 600, Threads: 2}, OnImprove: func(s Solution) {
			lens = append(lens, s.Length)
			last = s
			// The search log names what found each tour.
			if s.Phase != "start" && s.Phase != "kick" && s.Phase != "sample" {
				t.Errorf("phase %q", s.Phase)
			}
		}})
	if len(lens) == 0 {
		t.Fatal("OnImprove never called")
	}
	if res.Solution.Phase != last.Phase || res.Solution.Iteration != last.Iteration {
		t.Errorf("result found by %s at %d, last streamed by %s at %d", res.Solution.Phase, res.Solution.Iteration, last.Phase, last.Iteration)
	}
	for i := 1; i < len(lens); i++ {
		if lens[i] >= lens[i-1] {
			t.Fatalf("OnImprove lengths not decreasing: %v", lens)
		}
	}
	if math.Abs(lens[len(lens)-1]-res.Objective) > 1e-6 {
		t.Errorf("last streamed %v, result %v", lens[len(lens)-1], res.Objective)
	}
}

func TestContextCancellationHonoured(t *testing.T) {
	p := uniform(t, 2000, 14)
	for _, name := range []string{"cosolve", "reference"} {
		pr := Presets[name]
		set := pr.Settings
		set.Threads = 1
		// Without a budget Solve would stop after 10·n iterations, which a fast
		// machine reaches before the cancellation.
		set.MaxIterations = 1 << 40
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		res, err := Solve(ctx, p, set)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if res.StopReason != solvers.Canceled {
			t.Errorf("%s: stop reason %v", name, res.StopReason)
		}
		// Generous: the promise is 50 ms on an idle machine; shared CI machines
		// are slower.
		if took > 3*time.Second {
			t.Errorf("%s: returned %v after cancellation at 300 ms", name, took)
		}
		if _, err := instances.CheckTour(p, res.Solution.Tour); err != nil {
			t.Error(err)
		}
	}
}

func TestBadInput(t *testing.T) {
	p := uniform(t, 20, 15)
	ctx := context.Background()
	if _, err := Solve(ctx, nil, Settings{}); !errors.Is(err, instances.ErrInvalidInstance) {
		t.Errorf("nil instance: %v", err)
	}
	for _, set := range []Settings{{Limits: solvers.Limits{TimeLimit: -1}}, {Limits: solvers.Limits{MaxIterations: -1}}, {Alpha: -1}, {LocalSearch: "3opt"}, {Samples: -1}} {
		if _, err := Solve(ctx, p, set); !errors.Is(err, solvers.ErrInvalidSettings) {
			t.Errorf("%+v: error %v, want ErrInvalidSettings", set, err)
		}
	}
	// Fixed edges are solved on a distance matrix, so past its size limit
	// they are refused before any work.
	fixed := *uniform(t, MaxFixedEdgeNodes+1, 15)
	fixed.Fixed = [][2]int{{0, 1}}
	if _, err := Solve(ctx, &fixed, Settings{Limits: solvers.Limits{MaxIterations: 10}}); !errors.Is(err, ErrFixedEdges) {
		t.Errorf("fixed edges on %d nodes: %v, want ErrFixedEdges", fixed.N(), err)
	}
	small := heatmap.GTPrior(uniform(t, 19, 1))
	if _, err := Solve(ctx, p, Settings{Limits: solvers.Limits{MaxIterations: 10}, Heatmap: small}); !errors.Is(err, heatmap.ErrInvalid) {
		t.Errorf("wrong-size heatmap: %v", err)
	}
	bad := heatmap.GTPrior(p)
	bad.Val[3] = math.NaN()
	if _, err := Solve(ctx, p, Settings{Limits: solvers.Limits{MaxIterations: 10}, Heatmap: bad}); !errors.Is(err, heatmap.ErrInvalid) {
		t.Errorf("NaN heatmap: %v", err)
	}
}

func TestExplicitAndGeoInstances(t *testing.T) {
	for _, name := range []string{"gr96", "brazil58"} {
		if testing.Short() && name == "gr96" {
			continue
		}
		p, err := instances.LoadTSPLIB(datadirtest.Path(t, "tsplib", name+".tsp"))
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := instances.TSPLIBOptimum(name)
		res := solveOK(t, p, Settings{Limits: solvers.Limits{MaxIterations: 300, Threads: 1}})
		if gap := 100 * (res.Objective - opt) / opt; gap > 1 {
			t.Errorf("%s: gap %.2f%%", name, gap)
		}
	}
}

func ExampleSolve() {
	p, _ := instances.GenerateUniform(200, 1)
	res, err := Solve(context.Background(), p, Settings{Limits: solvers.Limits{MaxIterations: 500, Seed: 1, Threads: 1}})
	if err != nil {
		panic(err)
	}
	_, err = instances.CheckTour(p, res.Solution.Tour)
	fmt.Println(len(res.Solution.Tour), err, res.StopReason)
	// Output: 200 <nil> iteration-limit
}

func TestRollbackRestoresTour(t *testing.T) {
	p := uniform(t, 101, 16)
	s := testSearcher(t, p, Settings{}, nil)
	orig := s.t.copyOrder(nil)
	rng := rand.New(rand.NewPCG(4, 4))
	s.t.mark()
	for k := 0; k < 50; k++ {
		s.t.reverse(int32(rng.IntN(101)), int32(rng.IntN(101)))
	}
	s.segmentSwap(20)
	s.t.rollback()
	if fmt.Sprint(s.t.order) != fmt.Sprint(orig) {
		t.Fatal("rollback did not restore the order")
	}
	for i, v := range s.t.order {
		if s.t.pos[v] != int32(i) {
			t.Fatal("rollback did not restore positions")
		}
	}
}

// From renumberMinN nodes Solve works on a Hilbert-renumbered copy; tours,
// streamed tours and heatmaps must be mapped correctly.
func TestRenumberedSolveMapsBack(t *testing.T) {
	p := uniform(t, renumberMinN+10, 17)
	var last Solution
	for _, set := range []Settings{
		{Limits: solvers.Limits{MaxIterations: 200, Threads: 1}, OnImprove: func(s Solution) { last = s }},
		{Limits: solvers.Limits{MaxIterations: 3000, Threads: 1}, Method: MCTS, MaxDepth: 10, Heatmap: heatmap.GTPrior(p), CandidatesByHeatmap: true, OnImprove: func(s Solution) { last = s }},
	} {
		res := solveOK(t, p, set)
		l, err := instances.CheckTour(p, last.Tour)
		if err != nil || math.Abs(l-last.Length) > 1e-6*l {
			t.Fatalf("streamed tour: length %v vs %v, %v", l, last.Length, err)
		}
		if res.Objective > l+1e-9 {
			t.Errorf("result %v worse than the last streamed tour %v", res.Objective, l)
		}
	}
	perm := hilbertOrder(p)
	seen := make([]bool, len(perm))
	for _, v := range perm {
		if seen[v] {
			t.Fatal("hilbertOrder is not a permutation")
		}
		seen[v] = true
	}
}

// The reference preset switches on every quirk of the reference code.
func TestReferencePresetQuirks(t *testing.T) {
	p := uniform(t, 50, 18)
	set := Presets["reference"].Settings
	s := testSearcher(t, p, set, nil)
	if !s.zFilter || !s.discretised || s.stats.E != 2.718 || set.Method != MCTS || set.LocalSearch != "" {
		t.Errorf("reference searcher: filter %v, discretised %v, e %v, method %v", s.zFilter, s.discretised, s.stats.E, set.Method)
	}
	// W starts at 100·H on every candidate arc.
	hs := heatmap.GTPrior(p).Symmetrize()
	for a := s.stats.Start[3]; a < s.stats.Start[4]; a++ {
		if want := 100 * hs.At(3, int(s.stats.Adj[a])); s.stats.W[a] != want {
			t.Fatalf("W = %v, want 100·H = %v", s.stats.W[a], want)
		}
	}
	d := testSearcher(t, p, Presets["cosolve"].Settings, nil)
	if d.zFilter || d.discretised || d.stats.E != math.E {
		t.Error("the default must use exact sampling and e")
	}
}

// Small and degenerate instances (duplicate points, collinear points) through
// every method: the tour must always be valid and its length exact.
func TestDegenerateInstancesStayValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	for trial := 0; trial < 18; trial++ {
		n := 10 + rng.IntN(40)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			switch trial % 3 {
			case 0: // many duplicates
				x[i], y[i] = float64(rng.IntN(4)), float64(rng.IntN(4))
			case 1: // collinear
				x[i] = float64(rng.IntN(1000))
			default:
				x[i], y[i] = rng.Float64(), rng.Float64()
			}
		}
		p, err := instances.NewCoordTSP("d", instances.Euclidean, x, y)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"cosolve", "reference", "pan-gt-500"} {
			set := Presets[name].Settings
			set.MaxIterations, set.Threads, set.Seed = 100, 1, uint64(trial)
			solveOK(t, p, set)
		}
	}
}

// A context that ends during setup (neighbour lists of 60,000 nodes) must not
// wait for it: Solve returns a valid tour at once.
func TestWatchdogDuringSetup(t *testing.T) {
	p := uniform(t, 60000, 20)
	for _, renumber := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		set := Settings{Limits: solvers.Limits{Threads: 1}, noRenumber: !renumber}
		start := time.Now()
		res, err := Solve(ctx, p, set)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("renumber=%v: returned after %v", renumber, took)
		}
		if res.StopReason != solvers.Canceled {
			t.Errorf("stop reason %v", res.StopReason)
		}
		if _, err := instances.CheckTour(p, res.Solution.Tour); err != nil {
			t.Error(err)
		}
	}
}

// TestSearcherDistanceIsTheInstances: the inlined metrics give exactly the
// instance's own distance, half-way cases of EUC_2D's rounding included.
func TestSearcherDistanceIsTheInstances(t *testing.T) {
	plain := uniform(t, 2000, 9)
	scaled := func(metric instances.Metric, scale float64, n int) *instances.TSP {
		x, y := make([]float64, n), make([]float64, n)
		for i := range n {
			x[i], y[i] = math.Round(plain.X[i]*scale), math.Round(plain.Y[i]*scale)
		}
		// Exact halves: 3-4-5 triangles scaled by an odd number over two
		// give distances such as 2.5, 7.5.
		x[1], y[1] = x[0]+1.5, y[0]+2
		x[2], y[2] = x[0]+4.5, y[0]+6
		p, err := instances.NewCoordTSP("scaled", metric, x, y)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		p    *instances.TSP
	}{
		{"euclidean", plain},
		{"euc2d large", scaled(instances.Euc2D, 1e6, 2000)},
		{"euc2d small", scaled(instances.Euc2D, 1e3, 100)},
		{"ceil2d", scaled(instances.Ceil2D, 1e4, 2000)},
		{"att", scaled(instances.Att, 1e4, 300)},
	}
	for _, c := range cases {
		s := testSearcher(t, c.p, Settings{}, nil)
		n := int32(c.p.N())
		for i := range n {
			for _, j := range []int32{0, 1, 2, (i*7919 + 13) % n, n - 1 - i} {
				if got, want := s.d(i, j), c.p.Dist(int(i), int(j)); got != want {
					t.Fatalf("%s: d(%d, %d) = %v, the instance says %v", c.name, i, j, got, want)
				}
			}
		}
	}
}
