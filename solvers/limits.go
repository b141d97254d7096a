package solvers

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidSettings is wrapped by every error about a solver's Settings; the
// message names the field that is wrong.
var ErrInvalidSettings = errors.New("invalid settings")

// InvalidSetting returns an error wrapping ErrInvalidSettings for field.
func InvalidSetting(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidSettings, field, fmt.Sprintf(format, args...))
}

// Limits bound a run; every solver's Settings embeds them. The zero value means
// no limit beyond the context, seed 0 and all cores.
type Limits struct {
	// TimeLimit bounds the whole run, setup included, together with the
	// context's deadline; 0 means none beyond the context.
	TimeLimit time.Duration
	// MaxIterations bounds the work in the solver's machine-independent unit
	// (each solver documents it); 0 means none. With Threads = 1 and a fixed
	// Seed it makes a run give the same result on every machine.
	MaxIterations int64
	// Seed drives every random choice; NewRand derives each thread's and each
	// phase's stream from it.
	Seed uint64
	// Threads is the number of search goroutines; 0 means GOMAXPROCS.
	Threads int
}

// Validate reports the first negative limit.
func (l Limits) Validate() error {
	switch {
	case l.TimeLimit < 0:
		return InvalidSetting("TimeLimit", "%v is negative", l.TimeLimit)
	case l.MaxIterations < 0:
		return InvalidSetting("MaxIterations", "%d is negative", l.MaxIterations)
	case l.Threads < 0:
		return InvalidSetting("Threads", "%d is negative (0 means all cores)", l.Threads)
	}
	return nil
}

// Context applies TimeLimit to ctx. Solve calls it once, first thing, so every
// phase below sees one deadline; the caller must call the cancel function.
func (l Limits) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.TimeLimit > 0 {
		return context.WithTimeout(ctx, l.TimeLimit)
	}
	return context.WithCancel(ctx)
}

// Bounded reports whether a run under ctx ends by itself: it has a deadline
// or an iteration budget.
func (l Limits) Bounded(ctx context.Context) bool {
	_, ok := ctx.Deadline()
	return ok || l.TimeLimit > 0 || l.MaxIterations > 0
}

// ContextStop is the StopReason for a context that has ended: TimeLimit for a
// passed deadline, Canceled otherwise. ok is false while ctx is live.
func ContextStop(ctx context.Context) (r StopReason, ok bool) {
	switch err := ctx.Err(); {
	case err == nil:
		return Completed, false
	case errors.Is(err, context.DeadlineExceeded):
		return TimeLimit, true
	default:
		return Canceled, true
	}
}
