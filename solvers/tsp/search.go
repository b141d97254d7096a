package tsp

import (
	"math"
	"math/rand/v2"
	"sync/atomic"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

// eps keeps floating-point noise from counting as an improvement.
const eps = 1e-9

// searcher is one thread's state: the tour, its neighbour lists, the bandit
// statistics and all scratch buffers, allocated once so the hot loops do not
// allocate.
type searcher struct {
	inst       *instances.TSP
	n          int32
	offered    bool  // whether this searcher has offered a tour
	offeredAt  int64 // the iteration of its last offer
	held       heldImprovement
	xs, ys     []float64 // set only for the Euclidean and EUC_2D metrics
	nearestInt bool      // EUC_2D: distances rounded to the nearest integer
	mat        []float64 // full matrix for other metrics at small n (shared, read-only)
	set        *Settings
	nb         *heatmap.Neighbors // local-search neighbour lists
	nbDist     []float64          // nbDist[a] = c(i, nb.Adj[a]) for the arcs of i, ascending along each row
	pi         []float64          // the Hybrid's node penalties from the α ascent (nil: none; shared, read-only)
	stats      *mcts.Stats        // Z statistics on the MCTS candidate graph
	t          *Tour
	kp         *kpath
	rng        *rand.Rand
	budget     *solvers.Budget
	length     float64

	// MCTS sampling scratch.
	cur, best   []int32 // a_{i+1} of the current and the best sampled action
	zs          []float64
	ids         []int32
	thr         []int32
	fullDepth   bool // benchmarks: walk to maxDepth even past an improving closure
	zFilter     bool
	discretised bool

	// Local search.
	queue       []int32
	inQueue     []bool
	seq         []int32
	tourBuf     []int32 // the two-level tour as an array, for the O(n) readers
	lkState     []kstate
	lkDepth     int
	koptK       int                 // largest k of the k-opt move in the descent; < 3 = the LK step instead
	chainMax    int                 // non-improving moves a k-opt chain may make
	kt          [2 * koptMaxK]int32 // t1, t2, … of the k-opt move being built
	kcut        [koptMaxK][2]int32  // its removed edges by position: earlier end, later end
	korder      [koptMaxK]kseg      // the segments' new order, from koptFeasible
	kcur        [koptMaxK]kseg      // koptMake's scratch
	kbest       [2 * koptMaxK]int32 // the chain's next move: the best closable koptK-opt move
	kbestGain   float64             // its partial gain (0: none)
	kchain      []int32             // the nodes of the chain's moves, queued when it pays
	kadded      []int32             // the edges the chain's moves added, which it may not remove again
	kaddedMates [][2]int32          // per node: the first two nodes kadded joins it to

	st  Stats
	pub *published
}

// published is a searcher's counters as last published, readable while it
// runs (Solve's watchdog reports them when it cannot wait for the search).
type published struct {
	iterations, samples, executed, kicks, accepted, restarts, moves atomic.Int64
}

// publish copies the counters for the watchdog; called once per kick or MCTS
// step, so the atomic stores cost nothing measurable.
func (s *searcher) publish() {
	p := s.pub
	p.iterations.Store(s.budget.Iter())
	p.samples.Store(s.st.Samples)
	p.executed.Store(s.st.Executed)
	p.kicks.Store(s.st.Kicks)
	p.accepted.Store(s.st.Accepted)
	p.restarts.Store(s.st.Restarts)
	p.moves.Store(s.st.Moves)
}

func (p *published) stats() Stats {
	return Stats{
		Iterations: p.iterations.Load(), Samples: p.samples.Load(), Executed: p.executed.Load(),
		Kicks: p.kicks.Load(), Accepted: p.accepted.Load(), Restarts: p.restarts.Load(), Moves: p.moves.Load(),
	}
}

// tourOrder is the tour as an array: the array tour itself, or the two-level
// list copied out.
func (s *searcher) tourOrder() []int32 {
	if s.t.tl == nil {
		return s.t.order
	}
	s.tourBuf = s.t.copyOrder(s.tourBuf)
	return s.tourBuf
}

// twoLevelTour reports whether the tour should be a two-level list: only the
// chained k-opt descent of the Hybrid runs on one, since the LK step's
// evaluation (kpath) and the MCTS sampling read array positions.
func (s *searcher) twoLevelTour() bool {
	return s.n >= twoLevelMinN && s.set.Method == Hybrid && s.koptK >= 3 && s.set.Samples == 0
}

func newSearcher(inst *instances.TSP, set *Settings, nb *heatmap.Neighbors, st *mcts.Stats, b *solvers.Budget, rng *rand.Rand) *searcher {
	n := inst.N()
	maxCand := 0
	if st != nil {
		for i := 0; i < n; i++ {
			maxCand = max(maxCand, int(st.Start[i+1]-st.Start[i]))
		}
	}
	s := &searcher{
		inst: inst, n: int32(n), set: set, nb: nb, stats: st, budget: b,
		rng:         rng,
		cur:         make([]int32, 0, set.MaxDepth+1),
		best:        make([]int32, 0, set.MaxDepth+1),
		zs:          make([]float64, 0, maxCand),
		ids:         make([]int32, 0, maxCand),
		thr:         make([]int32, maxCand+1),
		zFilter:     set.Reference,
		discretised: set.Reference,
		inQueue:     make([]bool, n),
		queue:       make([]int32, 0, n),
		seq:         make([]int32, 0, 64),
		lkDepth:     lkDepthDefault,
		koptK:       set.KOpt,
		chainMax:    max(set.KOptChain, 0),
		kaddedMates: newKaddedMates(n),
		kadded:      make([]int32, 0, 2*koptMaxK*min(max(set.KOptChain, 0), 64)),
		kchain:      make([]int32, 0, 2*koptMaxK*min(max(set.KOptChain, 0), 64)),
		pub:         &published{},
	}
	s.lkState = make([]kstate, s.lkDepth)
	switch inst.Metric {
	case instances.Euclidean:
		s.xs, s.ys = inst.X, inst.Y
	case instances.Euc2D:
		s.xs, s.ys, s.nearestInt = inst.X, inst.Y, true
	}
	return s
}

// d is the instance distance: the matrix of a small instance of another
// metric, else the unrounded Euclidean metric of the standard test sets or
// TSPLIB's EUC_2D inlined (the metric switch cost half the run time, and
// math.Floor a fifth of it on EUC_2D), else the instance's own.
// c is the cost the descent's moves are searched on: the distance plus the
// penalties of both ends. A closed move's gain is the same with or without
// them (every end loses one edge and gains one), so only the partial gains
// and the order of the candidates change, and with the α ascent's penalties
// they lead the search the way the 1-tree does; LKH searches on these costs
// too. In one ablation (TSP-1000 #0–15 at 10 s, chains of 3-opt moves on 5 α
// candidates) the chains without them ended 0.027 points further from the
// Concorde tours.
func (s *searcher) c(i, j int32) float64 {
	if s.pi == nil {
		return s.d(i, j)
	}
	return s.d(i, j) + s.pi[i] + s.pi[j]
}

func (s *searcher) d(i, j int32) float64 {
	if s.mat != nil {
		return s.mat[int(i)*int(s.n)+int(j)]
	}
	if s.xs != nil {
		dx, dy := s.xs[i]-s.xs[j], s.ys[i]-s.ys[j]
		if s.nearestInt {
			// TSPLIB's nint: truncation is the floor of a non-negative value.
			return float64(int64(math.Sqrt(dx*dx+dy*dy) + 0.5))
		}
		return math.Sqrt(dx*dx + dy*dy)
	}
	return s.inst.Dist(int(i), int(j))
}

func (s *searcher) tourLength() float64 {
	var l float64
	o := s.tourOrder()
	for i := range o {
		j := i + 1
		if j == len(o) {
			j = 0
		}
		l += s.d(o[i], o[j])
	}
	return l
}

// ----- MCTS action sampling (Fu et al.) -----
