package improve

import (
	"container/heap"
	"slices"

	"github.com/cosolve/cosolve/solvers"
)

// rootWork caps the propagation work of the root bound that Run computes
// before the search, in the units of cpSearch.work (some 7 ns each, from the
// LNS measurement on ta01): about 0.1 s. The propagation is cubic in the
// operations per machine, so 15–30 jobs per machine finish the whole search for
// the bound well within it, while on 100 jobs per machine it is cut after one
// or two passes and the one-machine bound stands.
const rootWork = 15_000_000

// provedBound is the lower bound Run starts from: the trivial bound, the
// one-machine preemptive bound, and then root propagation (edge-finding,
// not-first/not-last, job precedences) refuting makespans above them, within
// rootWork and st. g supplies the instance and an upper bound (its makespan).
func provedBound(g *Graph, st *solvers.Budget) int {
	lb := max(TrivialBound(g.js), jacksonBound(g))
	if lb >= g.makespan {
		return lb
	}
	c := newCP(g)
	c.st, c.maxWork, c.work = st, rootWork, 0
	return c.rootBound(g, lb, g.makespan)
}

// jacksonBound is the largest one-machine bound over the machines: every
// operation of a machine gets as head the work of its job predecessors and as
// tail that of its successors, and the machine is scheduled preemptively by
// Jackson's rule (at every release or completion, run the available operation
// with the longest tail). That schedule minimises max(end + tail) over
// preemptive schedules (Carlier 1982), a relaxation of the job shop, and it is
// never below the machine's load plus its least head and least tail.
func jacksonBound(g *Graph) int {
	head, tail := jobHeadsAndTails(g)
	rem := make([]int32, g.n)
	copy(rem, g.dur)
	// ready is a max-heap on tail: a scan for the longest tail made the bound
	// quadratic in a machine's operations, 10–30 ms on a 1000×10 shop, which
	// a cancel arriving as the improvement starts waited for.
	var ops []int32
	var ready tailHeap
	ready.tail = tail
	lb := int32(0)
	for _, s := range g.seq {
		ops = append(ops[:0], s...)
		slices.SortFunc(ops, func(a, b int32) int { return int(head[a] - head[b]) })
		ready.ops = ready.ops[:0]
		t, next := int32(0), 0
		for next < len(ops) || len(ready.ops) > 0 {
			if len(ready.ops) == 0 {
				t = max(t, head[ops[next]])
			}
			for next < len(ops) && head[ops[next]] <= t {
				heap.Push(&ready, ops[next])
				next++
			}
			op := ready.ops[0]
			// Run op until it ends or the next release may pre-empt it.
			run := rem[op]
			if next < len(ops) {
				run = min(run, head[ops[next]]-t)
			}
			t += run
			if rem[op] -= run; rem[op] == 0 {
				lb = max(lb, t+tail[op])
				heap.Pop(&ready)
			}
		}
	}
	return int(lb)
}

// jobHeadsAndTails gives every operation the work of its job predecessors
// (head) and of its successors (tail).
func jobHeadsAndTails(g *Graph) (head, tail []int32) {
	head, tail = make([]int32, g.n), make([]int32, g.n)
	for j := range g.js.Jobs {
		a, b := g.offset[j], g.offset[j+1]
		for op := a + 1; op < b; op++ {
			head[op] = head[op-1] + g.dur[op-1]
		}
		for op := b - 2; op >= a; op-- {
			tail[op] = tail[op+1] + g.dur[op+1]
		}
	}
	return head, tail
}

// tailHeap holds operations with the longest tail on top (container/heap).
// Ties may come out in any order: the preemptive schedule's value is the same
// for all of them.
type tailHeap struct {
	ops  []int32
	tail []int32
}

func (h *tailHeap) Len() int           { return len(h.ops) }
func (h *tailHeap) Less(a, b int) bool { return h.tail[h.ops[a]] > h.tail[h.ops[b]] }
func (h *tailHeap) Swap(a, b int)      { h.ops[a], h.ops[b] = h.ops[b], h.ops[a] }
func (h *tailHeap) Push(x any)         { h.ops = append(h.ops, x.(int32)) }
func (h *tailHeap) Pop() any {
	last := h.ops[len(h.ops)-1]
	h.ops = h.ops[:len(h.ops)-1]
	return last
}
