package tsp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

// Solution is a tour (0-based nodes, each once) and its length.
type Solution struct {
	Tour   []int
	Length float64
}

// Stats are the counts a user tunes by.
type Stats struct {
	Iterations int64         `json:"iterations"` // sampled actions plus kicks
	Samples    int64         `json:"samples"`    // sampled k-opt actions
	Executed   int64         `json:"executed"`   // improving sampled actions applied
	Kicks      int64         `json:"kicks"`      // double-bridge kicks (Hybrid)
	Accepted   int64         `json:"accepted"`   // kicks that led to a shorter tour
	Restarts   int64         `json:"restarts"`   // new constructions (MCTS)
	Moves      int64         `json:"moves"`      // local-search moves applied
	Setup      time.Duration `json:"setup_ns"`   // heatmap, candidates, statistics
	Search     time.Duration `json:"search_ns"`
}

// Result is what Solve returns. Bound is NaN: this solver proves no bound.
type Result struct {
	Solution   Solution
	Objective  float64
	Bound      float64
	Status     solvers.Status
	StopReason solvers.StopReason
	Stats      Stats
}

// ErrInvalidSettings is wrapped by errors about Settings.
var ErrInvalidSettings = errors.New("invalid settings")

// matrixMaxN is the largest n for which non-Euclidean distances are tabulated
// (n² float64: 72 MB at 3000).
const matrixMaxN = 3000

// referenceThreshold is the heatmap value below which Fu et al.'s candidate
// rule stops adding candidates.
const referenceThreshold = 1e-4

// Solve searches for a short tour until the time limit, the context or the
// iteration budget ends the run. With none of the three it stops after 10·n
// iterations. Instances of at most 9 nodes are solved exactly.
func Solve(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	if inst == nil || inst.N() < 3 {
		return Result{}, fmt.Errorf("%w: need at least 3 nodes", instances.ErrInvalidInstance)
	}
	if err := set.validate(); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalidSettings, err)
	}
	n := inst.N()
	start := time.Now()
	set = set.withDefaults(n)
	if _, ok := ctx.Deadline(); !ok && set.TimeLimit == 0 && set.MaxIterations == 0 {
		set.MaxIterations = 10 * int64(n)
	}
	if n >= renumberMinN && inst.HasCoords() && !set.noRenumber {
		return solveRenumbered(ctx, inst, set)
	}
	res := Result{Bound: math.NaN(), Status: solvers.Feasible}
	if n <= 9 {
		s := &searcher{inst: inst, n: int32(n)}
		order := bruteForce(s)
		res.Solution = solution(inst, order)
		res.Objective = res.Solution.Length
		res.Status = solvers.Optimal
		res.StopReason = solvers.Completed
		if set.OnImprove != nil {
			set.OnImprove(res.Solution)
		}
		return res, nil
	}
	if h := set.Heatmap; h != nil {
		if err := h.CheckSize(n); err != nil {
			return Result{}, err
		}
		if err := h.Validate(); err != nil {
			return Result{}, err
		}
	}
	// The search runs in its own goroutine so that the context is honoured even
	// while a long setup phase (neighbour lists, heatmap, first descent at
	// n = 10^5) cannot look at it: then Solve returns the best tour so far, or
	// the identity tour, and the goroutine stops at its next budget check.
	wctx := ctx
	if set.TimeLimit > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, set.TimeLimit)
		defer cancel()
	}
	sh := &shared{bestLen: math.Inf(1), onImprove: set.OnImprove, inst: inst}
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := solveCore(ctx, inst, set, start, sh)
		done <- outcome{r, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-wctx.Done():
	}
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(watchdogGrace):
	}
	sh.mu.Lock()
	order := append([]int32(nil), sh.best...)
	sh.onImprove = nil // nothing is streamed after Solve returns
	pubs := sh.pubs
	sh.mu.Unlock()
	if order == nil {
		order = make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
	}
	res = Result{Bound: math.NaN(), Status: solvers.Feasible, StopReason: solvers.TimeLimit}
	if ctx.Err() == context.Canceled {
		res.StopReason = solvers.Canceled
	}
	res.Solution = solution(inst, order)
	res.Objective = res.Solution.Length
	for _, p := range pubs {
		res.Stats.add(p.stats())
	}
	res.Stats.Search = time.Since(start)
	return res, nil
}

// base is the e of Z's logarithm and of the rewards: the reference code's
// constant 2.718, or math.E.
func base(set Settings) float64 {
	if set.Reference {
		return 2.718
	}
	return math.E
}

// watchdogGrace is how long Solve waits, after the context or time limit ends,
// for the search to return on its own before it returns without it.
const watchdogGrace = 20 * time.Millisecond

// solveCore is the search proper: heatmap, candidates, statistics, threads.
func solveCore(ctx context.Context, inst *instances.TSP, set Settings, start time.Time, sh *shared) (Result, error) {
	n := inst.N()
	res := Result{Bound: math.NaN(), Status: solvers.Feasible}
	// The Hybrid without sampling never reads the statistics: skip the
	// heatmap, which at n = 10^5 costs seconds.
	needStats := set.Method == MCTS || set.Samples > 0
	h := set.Heatmap
	if h == nil && needStats {
		h = heatmap.GTPrior(inst)
	}
	var hs *heatmap.Heatmap
	if h != nil {
		hs = h.Symmetrize()
	}
	nb := heatmap.KNearest(inst, set.Neighbors)
	var cand *heatmap.Neighbors
	var prior []float64
	if needStats {
		if set.CandidatesByHeatmap {
			cand = hs.Candidates(set.MaxCandidates, referenceThreshold)
		} else if set.MaxCandidates == set.Neighbors {
			cand = nb
		} else {
			cand = heatmap.KNearest(inst, set.MaxCandidates)
		}
		prior = make([]float64, len(cand.Adj))
		for i := 0; i < n; i++ {
			for a := cand.Start[i]; a < cand.Start[i+1]; a++ {
				prior[a] = hs.At(i, int(cand.Adj[a]))
			}
		}
	}
	// GEO and ATT distances cost trigonometry or a square root per call; a
	// matrix pays for itself at small n.
	var mat []float64
	if inst.Metric != instances.Euclidean && n <= matrixMaxN {
		mat = make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				d := inst.Dist(i, j)
				mat[i*n+j], mat[j*n+i] = d, d
			}
		}
	}
	setup := time.Since(start)
	var wg sync.WaitGroup
	workers := make([]*searcher, set.Threads)
	var nbDist []float64 // shared, read-only
	errs := make([]error, set.Threads)
	for w := range workers {
		e := base(set)
		var st *mcts.Stats
		if needStats {
			var err error
			st, err = mcts.NewStats(cand.Start, cand.Adj, prior, hs.RowSum, 100, set.Alpha, e)
			if err != nil {
				return Result{}, err
			}
		}
		set := set
		set.Seed = set.Seed + uint64(w)
		budget := mcts.NewBudget(ctx, set.TimeLimit-setup, set.MaxIterations)
		if set.TimeLimit > 0 && set.TimeLimit <= setup {
			budget = mcts.NewBudget(ctx, time.Nanosecond, set.MaxIterations)
		}
		workers[w] = newSearcher(inst, &set, nb, st, budget)
		sh.mu.Lock()
		sh.pubs = append(sh.pubs, workers[w].pub)
		sh.mu.Unlock()
		workers[w].mat = mat
		if nbDist == nil {
			nbDist = make([]float64, len(nb.Adj))
			s := workers[w]
			for i := int32(0); i < int32(n); i++ {
				for a := nb.Start[i]; a < nb.Start[i+1]; a++ {
					nbDist[a] = s.d(i, nb.Adj[a])
				}
			}
		}
		workers[w].nbDist = nbDist
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			errs[w] = workers[w].run(sh)
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	res.Solution = solution(inst, sh.best)
	res.Objective = res.Solution.Length
	res.StopReason = solvers.Completed
	for _, s := range workers {
		switch s.budget.Stopped() {
		case mcts.Deadline:
			res.StopReason = solvers.TimeLimit
		case mcts.Canceled:
			res.StopReason = solvers.Canceled
		case mcts.Iterations:
			res.StopReason = solvers.IterationLimit
		}
		s.st.Iterations = s.budget.Iter()
		res.Stats.add(s.st)
	}
	res.Stats.Setup = setup
	res.Stats.Search = time.Since(start) - setup
	return res, nil
}

// solveRenumbered solves the Hilbert-renumbered instance and maps every tour
// back to the caller's node numbers.
func solveRenumbered(ctx context.Context, inst *instances.TSP, set Settings) (Result, error) {
	// Sorting 10^5 curve keys takes a while; the context must not wait for it.
	wctx := ctx
	if set.TimeLimit > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, set.TimeLimit)
		defer cancel()
	}
	start := time.Now()
	permCh := make(chan []int, 1)
	go func() { permCh <- hilbertOrder(inst) }()
	var perm []int
	select {
	case perm = <-permCh:
	case <-wctx.Done():
		res := Result{Bound: math.NaN(), Status: solvers.Feasible, StopReason: solvers.TimeLimit}
		if ctx.Err() == context.Canceled {
			res.StopReason = solvers.Canceled
		}
		order := make([]int32, inst.N())
		for i := range order {
			order[i] = int32(i)
		}
		res.Solution = solution(inst, order)
		res.Objective = res.Solution.Length
		return res, nil
	}
	if set.TimeLimit > 0 {
		set.TimeLimit -= time.Since(start)
		if set.TimeLimit <= 0 {
			set.TimeLimit = time.Nanosecond
		}
	}
	q, err := renumbered(inst, perm)
	if err != nil {
		return Result{}, err
	}
	if set.Heatmap != nil {
		if err := set.Heatmap.CheckSize(inst.N()); err != nil {
			return Result{}, err
		}
		if err := set.Heatmap.Validate(); err != nil {
			return Result{}, err
		}
		set.Heatmap = set.Heatmap.Permute(perm)
	}
	back := func(s Solution) Solution {
		t := make([]int, len(s.Tour))
		for k, v := range s.Tour {
			t[k] = perm[v]
		}
		return Solution{Tour: t, Length: s.Length}
	}
	if f := set.OnImprove; f != nil {
		set.OnImprove = func(s Solution) { f(back(s)) }
	}
	set.noRenumber = true
	res, err := Solve(ctx, q, set)
	if err != nil {
		return res, err
	}
	res.Solution = back(res.Solution)
	return res, nil
}

func (a *Stats) add(b Stats) {
	a.Iterations += b.Iterations
	a.Samples += b.Samples
	a.Executed += b.Executed
	a.Kicks += b.Kicks
	a.Accepted += b.Accepted
	a.Restarts += b.Restarts
	a.Moves += b.Moves
}

func solution(inst *instances.TSP, order []int32) Solution {
	t := make([]int, len(order))
	var l float64
	for i, v := range order {
		t[i] = int(v)
		l += inst.Dist(int(v), int(order[(i+1)%len(order)]))
	}
	return Solution{Tour: t, Length: l}
}

// shared is the best tour over all threads.
type shared struct {
	mu        sync.Mutex
	pubs      []*published
	best      []int32
	bestLen   float64
	onImprove func(Solution)
	inst      *instances.TSP
}

func (sh *shared) offer(order []int32, length float64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if length >= sh.bestLen-eps {
		return
	}
	sh.best = append(sh.best[:0], order...)
	sh.bestLen = length
	if sh.onImprove != nil {
		sh.onImprove(solution(sh.inst, sh.best))
	}
}

func newSearcher(inst *instances.TSP, set *Settings, nb *heatmap.Neighbors, st *mcts.Stats, b *mcts.Budget) *searcher {
	n := inst.N()
	maxCand := 0
	if st != nil {
		for i := 0; i < n; i++ {
			maxCand = max(maxCand, int(st.Start[i+1]-st.Start[i]))
		}
	}
	s := &searcher{
		inst: inst, n: int32(n), set: set, nb: nb, stats: st, budget: b,
		rng:         mcts.NewRand(set.Seed),
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
		pub:         &published{},
	}
	s.lkState = make([]kstate, s.lkDepth)
	if inst.Metric == instances.Euclidean {
		s.xs, s.ys = inst.X, inst.Y
	}
	return s
}

func (s *searcher) run(sh *shared) error {
	order := make([]int32, s.n)
	switch s.set.Method {
	case MCTS:
		s.runMCTS(sh, order)
	default:
		s.runHybrid(sh, order)
	}
	return nil
}

func (s *searcher) report(sh *shared) {
	sh.offer(s.t.order, s.length)
}

func (s *searcher) initTour(order []int32) {
	if s.t == nil {
		s.t = newTour(order)
		s.kp = newKpath(s.t, max(s.set.MaxDepth, s.lkDepth)+2)
	} else {
		s.t.setOrder(order)
	}
	s.length = s.tourLength()
}

func (s *searcher) runHybrid(sh *shared, _ []int32) {
	s.initTour(greedyTour(s, s.nb))
	s.pushAll()
	s.descend(true, true)
	s.report(sh)
	maxSeg := s.set.KickLength
	if maxSeg <= 0 {
		maxSeg = 50
	}
	for s.budget.Poll() {
		before := s.length
		for i := 0; i < s.set.Samples; i++ {
			g, a1, _, ok := s.simulateOne()
			if !ok {
				break
			}
			if g > eps {
				s.backprop(a1, g, s.length)
				s.execute(a1, s.best)
				s.length -= g
				s.st.Executed++
				s.push(a1)
				for _, a := range s.best {
					s.push(a)
				}
				s.descend(true, true)
			}
		}
		if s.length < before-eps {
			s.report(sh)
		}
		if !s.budget.Spend() {
			break
		}
		s.st.Kicks++
		before = s.length
		s.t.mark()
		var ends []int32
		if s.set.Kick == "walk" {
			ends = s.walkKick()
		} else {
			ends = s.segmentSwap(maxSeg)
		}
		for _, v := range ends {
			s.push(v)
		}
		s.descend(true, true)
		if s.length < before-eps {
			s.t.commit()
			s.st.Accepted++
			s.report(sh)
		} else if s.length > before+eps || len(s.t.journal) > 2*int(s.n) {
			s.t.rollback()
			s.length = before
		} else {
			s.t.commit()
		}
		if s.set.Threads > 1 && s.st.Kicks%adoptEvery == 0 {
			s.adoptBest(sh)
		}
		s.publish()
	}
}

// adoptEvery is how many kicks a thread runs between looks at the shared best:
// a thread that has fallen behind continues from the best tour, so the threads
// share what they find without locking in the inner loop.
const adoptEvery = 2000

func (s *searcher) adoptBest(sh *shared) {
	sh.mu.Lock()
	behind := sh.bestLen < s.length-eps
	if behind {
		copy(s.t.order, sh.best)
	}
	sh.mu.Unlock()
	if behind {
		s.t.setOrder(s.t.order)
		s.length = s.tourLength()
	}
}

// simulateOne draws one action from a random a1; the budget counts it.
func (s *searcher) simulateOne() (float64, int32, int, bool) {
	if !s.budget.Spend() {
		return 0, -1, 0, false
	}
	a1 := int32(s.rng.IntN(int(s.n)))
	g, k := s.sample(a1, s.set.MaxDepth)
	s.stats.M++
	s.st.Samples++
	if k > 0 {
		s.best = append(s.best[:0], s.cur[:k]...)
	}
	return g, a1, k, true
}

func (s *searcher) runMCTS(sh *shared, order []int32) {
	hn := max(int(s.set.H*float64(s.n)), 1)
	first := true
	for s.budget.Poll() {
		if s.set.Reference || s.n <= 5000 {
			order = weightedTour(s, order)
		} else if first {
			order = greedyTour(s, s.nb)
		} else {
			// At large n an O(n²) construction would eat the budget: restart
			// from the best tour with a burst of kicks instead.
			sh.mu.Lock()
			copy(order, sh.best)
			sh.mu.Unlock()
			s.initTour(order)
			for i := 0; i < int(s.n)/100+1; i++ {
				s.segmentSwap(50)
			}
			s.t.copyOrder(order[:0])
		}
		first = false
		s.initTour(order)
		s.st.Restarts++
		switch s.set.LocalSearch {
		case "2opt":
			s.refTwoOpt()
		case "2opt-oropt":
			s.pushAll()
			s.descend(true, false)
		default:
			s.pushAll()
			s.descend(true, true)
		}
		s.report(sh)
		for {
			before := s.length
			g, a1, _, ok := s.simulate(hn, s.set.MaxDepth)
			if !ok || !(g > eps) {
				break
			}
			s.backprop(a1, g, before)
			s.execute(a1, s.best)
			s.length -= g
			s.st.Executed++
			s.report(sh)
			s.publish()
		}
		s.publish()
	}
}

// refTwoOpt is the reference's 2-opt: passes over nodes in index order, the
// first improving candidate move per node, every evaluation counted in Q and
// M, every applied move rewarded on its two new edges.
func (s *searcher) refTwoOpt() {
	st := s.stats
	for improved := true; improved; {
		improved = false
		for i := int32(0); i < s.n; i++ {
			if !s.budget.Poll() {
				return
			}
			ip := s.t.next(i)
			for a := st.Start[i]; a < st.Start[i+1]; a++ {
				j := st.Adj[a]
				jp := s.t.next(j)
				if j == ip || jp == i {
					continue
				}
				st.Q[a]++
				st.Visit(ip, jp)
				st.Visit(j, i)
				st.Visit(jp, ip)
				st.M++
				delta := s.d(i, ip) + s.d(j, jp) - s.d(i, j) - s.d(ip, jp)
				if delta > eps {
					inc := st.Increase(s.set.Beta, delta, s.length)
					st.Reward(i, j, inc)
					st.Reward(j, i, inc)
					st.Reward(ip, jp, inc)
					st.Reward(jp, ip, inc)
					s.t.move2(i, ip, j, jp)
					s.length -= delta
					s.st.Moves++
					improved = true
					break
				}
			}
		}
	}
}
