package tsp

import (
	"context"
	"errors"
	"math"
	"sync"

	"github.com/cosolve/cosolve/instances"
)

// shared is the best tour over all threads.
type shared struct {
	mu        sync.Mutex
	pubs      []*published
	best      []int32
	bestLen   float64
	bestPhase string
	bestIter  int64
	onImprove func(Solution)
	ctx       context.Context // the run's: a cancelled one streams nothing more
	inst      *instances.TSP
	// proves, when set, tells whether a tour of a given length is proved
	// optimal (by the α heatmap's bound); stop then ends the search and
	// optimal records it.
	proves  func(length float64) bool
	stop    func()
	optimal bool
	bound   float64 // for Solution.Bound
}

// offer makes the tour that fill appends the best when it is shorter. fill
// runs under the lock: Solve's watchdog, which waits only a few milliseconds
// after a deadline, then waits for the tour it is writing (walking a
// two-level list of 10^6 nodes takes milliseconds).
func (sh *shared) offer(fill func(dst []int32) []int32, length float64, phase string, iter int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if length >= sh.bestLen-eps {
		return
	}
	sh.best = fill(sh.best)
	sh.bestLen, sh.bestPhase, sh.bestIter = length, phase, iter
	// Once the run is cancelled the caller waits for the result, which
	// carries this tour; building the streamed copy took 15–20 ms at n = 10^6
	// (a deadline's reserve covers it, a cancel has none).
	if sh.onImprove != nil && !errors.Is(sh.ctx.Err(), context.Canceled) {
		sh.onImprove(sh.solution())
	}
	// The running length carries the rounding of every applied gain, so it
	// only selects the candidates; the claim of optimality rests on the
	// tour's length summed afresh.
	if sh.proves != nil && !sh.optimal && sh.proves(length-1e-6*math.Abs(length)) && sh.proves(sh.solution().Length) {
		sh.optimal = true
		sh.stop()
	}
}

// solution is the best tour with what found it; the caller holds mu or the
// searchers have stopped.
func (sh *shared) solution() Solution {
	sol := solution(sh.inst, sh.best)
	sol.Phase, sol.Iteration, sol.Bound = sh.bestPhase, sh.bestIter, sh.bound
	return sol
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

// report offers the current tour to the shared best; phase names the step
// that produced it, for the search log. An offer costs O(n) (the copy, and
// the Solution OnImprove receives): at n = 10^5, with every improving kick
// offered, it was an eighth of the run time, and at 10^6 a cancel waited
// 20–30 ms for one to finish. So an improvement found within n/offerSpacing
// iterations of the previous offer is held back, and offered by the next
// report or by flush.
func (s *searcher) report(sh *shared, phase string) {
	iter := s.budget.Iter()
	if s.offered && iter-s.offeredAt < int64(s.n)/offerSpacing {
		s.held = heldImprovement{phase: phase, iter: iter, waiting: true}
		return
	}
	s.offer(sh, phase, iter)
}

// offerSpacing sets the iterations between offers to n/offerSpacing: every
// improvement is offered up to n = 256, and the offers stay a few percent of
// the run time above (measured at n = 10^5: 390 kicks, about 0.1 s, per
// offer of 1.7 ms).
const offerSpacing = 256

// heldImprovement is an improvement report held back that flush offers.
type heldImprovement struct {
	phase   string
	iter    int64
	waiting bool
}

func (s *searcher) offer(sh *shared, phase string, iter int64) {
	s.held.waiting = false
	s.offered, s.offeredAt = true, iter
	sh.offer(s.t.copyOrder, s.length, phase, iter)
}

// flush offers a held-back improvement; a run calls it before it leaves its
// current tour (a restart) and as it ends.
func (s *searcher) flush(sh *shared) {
	if s.held.waiting {
		s.offer(sh, s.held.phase, s.held.iter)
	}
}

func (s *searcher) initTour(order []int32) {
	if s.t == nil {
		s.t = newTour(order, s.twoLevelTour())
		s.kp = newKpath(s.t, max(s.set.MaxDepth, s.lkDepth)+2)
	} else {
		s.t.setOrder(order)
	}
	s.length = s.tourLength()
}
