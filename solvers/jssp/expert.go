package jssp

import (
	"cmp"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// activeSchedule moves every operation that is not frozen into the earliest
// gap of its machine that fits it, taking the operations in order of their
// start in starts. No start moves later: an operation's slot in starts stays
// free of everything placed before it, so the gap found is at or before it.
// The result is active, and its makespan is at most that of starts.
//
// The improver returns semi-active schedules: each machine's sequence is
// fixed and only idle time before an operation is removed. Replayed in the
// chronological environment, an operation that could have filled an earlier
// gap becomes a No-Op the policy must learn to take; on generated 15×15 and
// 30×20 shops a fifth to a third of the expert's No-Ops are of that kind.
// Free operations start no earlier than notBefore (the branch point's time).
func activeSchedule(js *instances.JobShop, starts [][]int, frozen [][]bool, notBefore int) [][]int {
	type interval struct{ start, end int }
	type op struct{ job, index, start int }
	busy := make([][]interval, js.Machines) // each machine's placed operations, by start
	out := make([][]int, len(starts))
	var free []op
	for j, job := range js.Jobs {
		out[j] = slices.Clone(starts[j])
		for k, o := range job {
			if frozen != nil && frozen[j][k] {
				busy[o.Machine] = append(busy[o.Machine], interval{starts[j][k], starts[j][k] + o.Duration})
				continue
			}
			free = append(free, op{j, k, starts[j][k]})
		}
	}
	byStart := func(a, b interval) int { return cmp.Compare(a.start, b.start) }
	for _, b := range busy {
		slices.SortFunc(b, byStart)
	}
	slices.SortStableFunc(free, func(a, b op) int { return cmp.Compare(a.start, b.start) })
	for _, f := range free {
		o := js.Jobs[f.job][f.index]
		t := notBefore
		if f.index > 0 {
			prev := js.Jobs[f.job][f.index-1]
			t = max(t, out[f.job][f.index-1]+prev.Duration)
		}
		b := busy[o.Machine]
		at := 0 // where the operation goes in b
		for ; at < len(b); at++ {
			if b[at].end <= t {
				continue
			}
			if b[at].start >= t+o.Duration {
				break
			}
			t = b[at].end
		}
		out[f.job][f.index] = t
		busy[o.Machine] = slices.Insert(b, at, interval{t, t + o.Duration})
	}
	return out
}
