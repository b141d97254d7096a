package tsp

import (
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
	inst      *instances.TSP
	// proves, when set, tells whether a tour of a given length is proved
	// optimal (by the α heatmap's bound); stop then ends the search and
	// optimal records it.
	proves  func(length float64) bool
	stop    func()
	optimal bool
	bound   float64 // for Solution.Bound
}

func (sh *shared) offer(order []int32, length float64, phase string, iter int64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if length >= sh.bestLen-eps {
		return
	}
	sh.best = append(sh.best[:0], order...)
	sh.bestLen, sh.bestPhase, sh.bestIter = length, phase, iter
	if sh.onImprove != nil {
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
// that produced it, for the search log.
func (s *searcher) report(sh *shared, phase string) {
	sh.offer(s.t.order, s.length, phase, s.budget.Iter())
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
