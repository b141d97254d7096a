package heatmap

import "context"

// pollEvery is how many units of work (an edge relaxation, a distance, a tree
// node visited: 5–50 ns each) pass between two looks at the context, so a
// cancelled context is noticed within a few hundred microseconds of work while
// the look itself stays out of the profile.
const pollEvery = 1 << 14

// poller lets long loops honour a context without paying for a channel
// operation per step. A nil poller never stops anything.
type poller struct {
	ctx  context.Context
	work int
}

func newPoller(ctx context.Context) *poller { return &poller{ctx: ctx} }

// tick counts w units of work and returns the context's error once it is done.
func (p *poller) tick(w int) error {
	if p == nil {
		return nil
	}
	p.work += w
	if p.work < pollEvery {
		return nil
	}
	p.work = 0
	select {
	case <-p.ctx.Done():
		return p.ctx.Err()
	default:
		return nil
	}
}
