package jssp

import "github.com/cosolve/cosolve/solvers"

// ruleSim completes a schedule from an environment's state with a rule,
// non-delay, without the constraint store. From a state reached by
// chronological dispatching every unscheduled operation has a start lower
// bound at least the current time, and every dispatched one starts at or
// before it, so the environment's NoOverlap can only push an operation past
// the interval running on its machine: the next operation of a job can start
// at the later of the time its job allows (the environment's lower bound,
// which includes No-Op waits) and the end of its machine's last operation.
// Dispatching on those two numbers gives exactly the environment's schedule
// (a test replays it through the environment) at a fraction of the cost,
// which is what tree search spends its time on.
type ruleSim struct {
	rule    Rule
	tables  *ruleTables
	ready   []int   // per job: earliest start of its next operation on the job's side
	prevEnd []int   // per job: end of its previous operation (FIFO's key)
	next    []int32 // per job: its next operation's index
	machEnd []int
	starts  []int // per operation
}

func newRuleSim(e *Env, r Rule, t *ruleTables) *ruleSim {
	return &ruleSim{
		rule: r, tables: t,
		ready: make([]int, e.J), prevEnd: make([]int, e.J), next: make([]int32, e.J),
		machEnd: make([]int, e.M), starts: make([]int, e.total),
	}
}

// run dispatches from e's state (which it leaves unchanged) to the end,
// appending each dispatched job to *trail, and returns the makespan; the
// starts of every operation are left in r.starts. It checks b every 256
// dispatches and returns complete = false when b has run out.
func (r *ruleSim) run(e *Env, trail *[]int32, b *solvers.Budget) (makespan int, complete bool) {
	for m := range r.machEnd {
		r.machEnd[m] = 0
	}
	left := 0
	for j := 0; j < e.J; j++ {
		d := e.done[j]
		off := e.off[j]
		for k := int32(0); k < d; k++ {
			op := off + k
			s := e.lb[op]
			r.starts[op] = s
			m := e.mach[op]
			r.machEnd[m] = max(r.machEnd[m], s+e.dur[op])
			makespan = max(makespan, s+e.dur[op])
		}
		r.next[j] = d
		r.prevEnd[j] = 0
		if d > 0 {
			r.prevEnd[j] = r.starts[off+d-1] + e.dur[off+d-1]
		}
		if d < e.nops[j] {
			r.ready[j] = e.lb[off+d]
			left += int(e.nops[j] - d)
		}
	}
	for n := 1; left > 0; n++ {
		if n&255 == 0 && !b.Check() {
			return makespan, false
		}
		best, t := -1, 0
		var bestKey float64
		for j := 0; j < e.J; j++ {
			k := r.next[j]
			if k == e.nops[j] {
				continue
			}
			op := e.off[j] + k
			lb := max(r.ready[j], r.machEnd[e.mach[op]])
			switch {
			case best < 0 || lb < t:
				best, t, bestKey = j, lb, r.rule.keyAt(e, r.tables, j, k, r.prevEnd[j])
			case lb == t:
				if key := r.rule.keyAt(e, r.tables, j, k, r.prevEnd[j]); key < bestKey {
					best, bestKey = j, key
				}
			}
		}
		op := e.off[best] + r.next[best]
		end := t + e.dur[op]
		r.starts[op] = t
		r.ready[best], r.prevEnd[best] = end, end
		r.machEnd[e.mach[op]] = end
		r.next[best]++
		makespan = max(makespan, end)
		*trail = append(*trail, int32(best))
		left--
	}
	return makespan, true
}
