package solvers

import (
	"context"
	"time"
)

// pollEvery is how many Poll calls share one look at the clock and the
// context. Callers' units of work are microseconds, so this keeps the 50 ms
// promise while the clock costs nothing measurable.
const pollEvery = 64

// Budget is what every search loop asks before the next unit of work: the
// context (its deadline carries the run's TimeLimit), an iteration budget, and
// optionally a limit on another clock. It records why it ran out as a
// StopReason. A Budget is not safe for concurrent use: give each goroutine its
// own (they share the context).
type Budget struct {
	ctx     context.Context
	maxIter int64
	iter    int64
	polls   int
	stopped bool
	reason  StopReason
	clock   func() time.Duration
	limit   time.Duration
}

// NewBudget starts a budget under ctx; maxIter ≤ 0 means no iteration limit.
func NewBudget(ctx context.Context, maxIter int64) *Budget {
	return &Budget{ctx: ctx, maxIter: maxIter}
}

// WithClock makes the budget also stop once clock passes limit; measurements
// on a loaded machine use the thread's CPU time this way.
func (b *Budget) WithClock(clock func() time.Duration, limit time.Duration) *Budget {
	b.clock, b.limit = clock, limit
	return b
}

// Spend counts one iteration and reports whether the search may go on.
func (b *Budget) Spend() bool {
	if b.stopped {
		return false
	}
	if b.maxIter > 0 && b.iter >= b.maxIter {
		b.Stop(IterationLimit)
		return false
	}
	b.iter++
	return b.Poll()
}

// Progress records that iter units of work are done (for searches that count
// their own iterations) and reports whether the search may go on; it reads the
// clock on every call.
func (b *Budget) Progress(iter int64) bool {
	if b.stopped {
		return false
	}
	b.iter = iter
	if b.maxIter > 0 && iter >= b.maxIter {
		b.Stop(IterationLimit)
		return false
	}
	return b.Check()
}

// Poll reports whether the search may go on without counting an iteration; it
// looks at the clock only every few calls, so inner loops may call it freely.
func (b *Budget) Poll() bool {
	if b.stopped {
		return false
	}
	if b.polls++; b.polls < pollEvery {
		return true
	}
	b.polls = 0
	return b.Check()
}

// Check looks at the context and the clock now.
func (b *Budget) Check() bool {
	if b.stopped {
		return false
	}
	if r, ok := ContextStop(b.ctx); ok {
		b.Stop(r)
		return false
	}
	if b.clock != nil && b.clock() >= b.limit {
		b.Stop(TimeLimit)
		return false
	}
	return true
}

// Stop ends the budget with reason r (Completed when the search proved its
// result); the first reason given is kept.
func (b *Budget) Stop(r StopReason) {
	if !b.stopped {
		b.stopped, b.reason = true, r
	}
}

// Stopped reports whether the budget has run out.
func (b *Budget) Stopped() bool { return b.stopped }

// Reason is why the budget ran out (Completed while it has not).
func (b *Budget) Reason() StopReason { return b.reason }

// Iter is the number of iterations spent.
func (b *Budget) Iter() int64 { return b.iter }

// Context is the context the budget watches.
func (b *Budget) Context() context.Context { return b.ctx }

// Remaining is the time left before the context's deadline, or a very long
// duration when there is none.
func (b *Budget) Remaining() time.Duration {
	d, ok := b.ctx.Deadline()
	if !ok {
		return time.Duration(1<<62 - 1)
	}
	return time.Until(d)
}

// Merge combines the stop reasons of several budgets (threads or phases) into
// the run's: a limit that was hit wins over completion, and cancellation over
// everything, so a run never claims to have finished when a limit cut it short.
func Merge(reasons ...StopReason) StopReason {
	rank := [...]int{Completed: 0, IterationLimit: 1, TimeLimit: 2, Canceled: 3}
	out := Completed
	for _, r := range reasons {
		if rank[r] > rank[out] {
			out = r
		}
	}
	return out
}
