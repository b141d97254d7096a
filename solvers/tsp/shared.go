package tsp

import (
	"sync"

	"github.com/cosolve/cosolve/instances"
)

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
