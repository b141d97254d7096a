package mcts

import (
	"context"
	"time"
)

// Stop says why a Budget ran out.
type Stop int

const (
	NotStopped Stop = iota // the budget still has room
	Deadline               // the time limit or the context deadline passed
	Iterations             // the iteration budget was used up
	Canceled               // the context was cancelled
)

// pollEvery is how many Poll calls share one clock read. The callers' units of
// work are microseconds, so this keeps the deadline well within 50 ms while the
// clock costs nothing measurable.
const pollEvery = 64

// Budget bounds a search by wall time, a context and an iteration count. It is
// not safe for concurrent use; give each goroutine its own (they may share the
// context and deadline).
type Budget struct {
	ctx      context.Context
	deadline time.Time
	timed    bool
	maxIter  int64
	iter     int64
	polls    int
	stop     Stop
}

// NewBudget starts a budget now. timeLimit ≤ 0 and maxIter ≤ 0 mean no limit of
// that kind; the context's own deadline always applies.
func NewBudget(ctx context.Context, timeLimit time.Duration, maxIter int64) *Budget {
	b := &Budget{ctx: ctx, maxIter: maxIter}
	if timeLimit > 0 {
		b.deadline, b.timed = time.Now().Add(timeLimit), true
	}
	if d, ok := ctx.Deadline(); ok && (!b.timed || d.Before(b.deadline)) {
		b.deadline, b.timed = d, true
	}
	return b
}

// Spend counts one iteration and reports whether the search may go on.
func (b *Budget) Spend() bool {
	b.iter++
	if b.maxIter > 0 && b.iter > b.maxIter {
		b.iter = b.maxIter
		if b.stop == NotStopped {
			b.stop = Iterations
		}
		return false
	}
	return b.Poll()
}

// Poll reports whether the search may go on without counting an iteration; it
// reads the clock only every few calls, so inner loops may call it freely.
func (b *Budget) Poll() bool {
	if b.stop != NotStopped {
		return false
	}
	b.polls++
	if b.polls < pollEvery {
		return true
	}
	b.polls = 0
	return b.Check()
}

// Check reads the clock and the context now.
func (b *Budget) Check() bool {
	if b.stop != NotStopped {
		return false
	}
	if err := b.ctx.Err(); err != nil {
		if err == context.DeadlineExceeded {
			b.stop = Deadline
		} else {
			b.stop = Canceled
		}
		return false
	}
	if b.timed && !time.Now().Before(b.deadline) {
		b.stop = Deadline
		return false
	}
	return true
}

// Iter is the number of iterations spent.
func (b *Budget) Iter() int64 { return b.iter }

// Stopped is why the budget ran out (NotStopped while it has room).
func (b *Budget) Stopped() Stop { return b.stop }

// Remaining is the time left before the deadline, or a very long duration when
// there is none.
func (b *Budget) Remaining() time.Duration {
	if !b.timed {
		return time.Duration(1<<62 - 1)
	}
	return time.Until(b.deadline)
}
