package improve

import (
	"context"
	"time"

	"github.com/cosolve/cosolve/solvers"
)

// stopper decides when a search ends: context, deadline, iteration budget.
// Searches call poll every few dozen iterations; one poll costs a clock read.
type stopper struct {
	ctx     context.Context
	limit   time.Duration // 0: none beyond the context
	begin   time.Time
	clock   func() time.Duration // elapsed time; nil means the wall clock since begin
	maxIter int64                // 0: unbounded
	reason  solvers.StopReason
	stopped bool
}

func newStopper(ctx context.Context, limit time.Duration, maxIter int64, clock func() time.Duration) *stopper {
	return &stopper{ctx: ctx, limit: limit, begin: time.Now(), clock: clock, maxIter: maxIter}
}

func (s *stopper) elapsed() time.Duration {
	if s.clock != nil {
		return s.clock()
	}
	return time.Since(s.begin)
}

// poll reports whether the search must stop after iter iterations.
func (s *stopper) poll(iter int64) bool {
	if s.stopped {
		return true
	}
	switch err := s.ctx.Err(); {
	case err == context.DeadlineExceeded:
		s.stop(solvers.TimeLimit)
	case err != nil:
		s.stop(solvers.Canceled)
	case s.maxIter > 0 && iter >= s.maxIter:
		s.stop(solvers.IterationLimit)
	case s.limit > 0 && s.elapsed() >= s.limit:
		s.stop(solvers.TimeLimit)
	}
	return s.stopped
}

func (s *stopper) stop(r solvers.StopReason) {
	if !s.stopped {
		s.stopped, s.reason = true, r
	}
}
