package improve

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// ErrCycle reports machine sequences whose disjunctive graph has a cycle, i.e.
// sequences no schedule can realise.
var ErrCycle = errors.New("machine sequences contain a cycle")

const none = -1

// Graph is the disjunctive graph of a schedule: the job arcs of the instance and
// one operation sequence per machine. Operations are numbered job by job in
// processing order (operation k of job j is Offset(j)+k). Heads are the earliest
// starts, tails the longest path from an operation's end to the sink; after
// Update both are those of the semi-active schedule the sequences define.
type Graph struct {
	js     *instances.JobShop
	n      int     // operations
	offset []int32 // first operation of each job, plus the total
	job    []int32
	mach   []int32
	dur    []int32
	jPrev  []int32
	jNext  []int32

	seq   [][]int32 // per machine, the operations in processing order
	pos   []int32   // position of each operation in its machine's sequence
	mPrev []int32
	mNext []int32

	// fixed is the start every frozen operation keeps, -1 for the free ones;
	// nil when nothing is frozen. frozenLen is the length of each machine's
	// frozen prefix (nil likewise). Both are shared, read-only, by the clones.
	fixed     []int32
	frozenLen []int32
	// notBefore is the earliest start of the free operations when fixed is
	// set (re-planning at a time cannot start anything earlier).
	notBefore int32

	head  []int32
	tail  []int32
	order []int32 // a topological order of the operations (after Update)
	rank  []int32 // position of each operation in order
	indeg []int32
	// window is scratch of updateMoved: the re-sorted part of order.
	window []int32

	makespan int
	path     []int32 // critical path from the last CriticalPath call
	blocks   []int32 // block boundaries into path: block b is path[blocks[b]:blocks[b+1]]
}

// NewGraph builds the graph of an instance with the machine sequences of the
// given schedule (operations ordered by start, then end, then job and index,
// which is acyclic for every feasible schedule, zero durations included).
func NewGraph(js *instances.JobShop, starts [][]int) (*Graph, error) {
	if _, err := instances.CheckSchedule(js, starts); err != nil {
		return nil, err
	}
	g := newEmptyGraph(js)
	for m := range g.seq {
		s := g.seq[m]
		slices.SortFunc(s, func(a, b int32) int {
			ja, ka := g.job[a], a-g.offset[g.job[a]]
			jb, kb := g.job[b], b-g.offset[g.job[b]]
			sa, sb := starts[ja][ka], starts[jb][kb]
			if sa != sb {
				return sa - sb
			}
			if ea, eb := sa+int(g.dur[a]), sb+int(g.dur[b]); ea != eb {
				return ea - eb
			}
			return int(a - b) // a < b iff (job, index) is smaller
		})
	}
	g.linkMachines()
	if !g.Update() {
		return nil, fmt.Errorf("improve: %w (bug: a feasible schedule gave cyclic sequences)", ErrCycle)
	}
	return g, nil
}

// NewGraphFromSequences builds the graph from explicit machine sequences:
// seqs[m] lists (job, index-in-job) pairs encoded as operation numbers
// Offset(job)+index. It fails if the sequences are not permutations of each
// machine's operations or contain a cycle.
func NewGraphFromSequences(js *instances.JobShop, seqs [][]int) (*Graph, error) {
	if err := js.Validate(); err != nil {
		return nil, err
	}
	g := newEmptyGraph(js)
	if len(seqs) != js.Machines {
		return nil, fmt.Errorf("improve: %d machine sequences for %d machines", len(seqs), js.Machines)
	}
	seen := make([]bool, g.n)
	for m, s := range seqs {
		if len(s) != len(g.seq[m]) {
			return nil, fmt.Errorf("improve: machine %d: %d operations in sequence, instance has %d", m, len(s), len(g.seq[m]))
		}
		for i, op := range s {
			if op < 0 || op >= g.n || int(g.mach[op]) != m || seen[op] {
				return nil, fmt.Errorf("improve: machine %d position %d: operation %d is out of range, on another machine or repeated", m, i, op)
			}
			seen[op] = true
			g.seq[m][i] = int32(op)
		}
	}
	g.linkMachines()
	if !g.Update() {
		return nil, ErrCycle
	}
	return g, nil
}

func newEmptyGraph(js *instances.JobShop) *Graph {
	n := js.NumOperations()
	g := &Graph{js: js, n: n, offset: make([]int32, len(js.Jobs)+1)}
	ints := make([]int32, 13*n)
	take := func() []int32 { s := ints[:n:n]; ints = ints[n:]; return s }
	g.job, g.mach, g.dur, g.jPrev, g.jNext = take(), take(), take(), take(), take()
	g.pos, g.mPrev, g.mNext, g.head, g.tail, g.order = take(), take(), take(), take(), take(), take()
	g.rank, g.window = take(), take()
	g.indeg = make([]int32, n)
	count := make([]int, js.Machines)
	o := 0
	for j, ops := range js.Jobs {
		g.offset[j] = int32(o)
		for k, op := range ops {
			g.job[o], g.mach[o], g.dur[o] = int32(j), int32(op.Machine), int32(op.Duration)
			g.jPrev[o], g.jNext[o] = none, none
			if k > 0 {
				g.jPrev[o] = int32(o - 1)
			}
			if k < len(ops)-1 {
				g.jNext[o] = int32(o + 1)
			}
			count[op.Machine]++
			o++
		}
	}
	g.offset[len(js.Jobs)] = int32(o)
	backing := make([]int32, 0, n)
	g.seq = make([][]int32, js.Machines)
	for m := range g.seq {
		g.seq[m] = backing[len(backing) : len(backing) : len(backing)+count[m]]
		backing = backing[:len(backing)+count[m]]
	}
	for op := 0; op < n; op++ {
		m := g.mach[op]
		g.seq[m] = append(g.seq[m], int32(op))
	}
	g.path = make([]int32, 0, n)
	g.blocks = make([]int32, 0, n+1)
	return g
}

// linkMachines sets pos, mPrev and mNext from seq.
func (g *Graph) linkMachines() {
	for _, s := range g.seq {
		g.relink(s, 0, len(s)-1)
	}
}

// relink refreshes pos, mPrev and mNext for positions lo..hi of s.
func (g *Graph) relink(s []int32, lo, hi int) {
	for i := lo; i <= hi; i++ {
		op := s[i]
		g.pos[op] = int32(i)
		g.mPrev[op], g.mNext[op] = none, none
		if i > 0 {
			g.mPrev[op] = s[i-1]
		}
		if i < len(s)-1 {
			g.mNext[op] = s[i+1]
		}
	}
	if lo > 0 {
		g.mNext[s[lo-1]] = s[lo]
	}
	if hi < len(s)-1 {
		g.mPrev[s[hi+1]] = s[hi]
	}
}

// Update recomputes the topological order, heads, tails and makespan. It reports
// false (leaving heads and tails unspecified) when the graph has a cycle. It
// allocates nothing.
func (g *Graph) Update() bool {
	g.order = g.order[:g.n]
	for op := range g.order {
		g.order[op], g.rank[op] = int32(op), int32(op)
	}
	if !g.sortWindow(0, int32(g.n-1)) {
		return false
	}
	g.updateHeads(0)
	g.updateTails(g.n - 1)
	return true
}

// updateMoved recomputes the order, heads, tails and makespan after a move
// that reordered positions lo..hi of machine m's sequence. The move changes
// arcs among those operations only, and the one before and the one after them
// on the machine sit before and after all of them in the old order. So a new
// topological order differs from the old one only on the window of order
// between the first and the last of the moved operations, which is sorted
// again on its own; heads before the window and tails after it stay. On a
// cycle (which lies inside the window) it changes nothing and reports false.
func (g *Graph) updateMoved(m int32, lo, hi int) bool {
	first, last := int32(g.n), int32(-1)
	for _, op := range g.seq[m][lo : hi+1] {
		first, last = min(first, g.rank[op]), max(last, g.rank[op])
	}
	if !g.sortWindow(first, last) {
		return false
	}
	g.updateHeads(int(first))
	g.updateTails(int(last))
	return true
}

// sortWindow sorts order[first..last] topologically (Kahn's algorithm, ready
// operations in their current order), given that every predecessor of a window
// operation is in the window or before it. It reports false, changing
// nothing, when the window holds a cycle.
func (g *Graph) sortWindow(first, last int32) bool {
	win := g.order[first : last+1]
	sorted, indeg, rank := g.window[:0], g.indeg, g.rank
	for _, op := range win {
		d := int32(0)
		if p := g.jPrev[op]; p != none && rank[p] >= first {
			d++
		}
		if p := g.mPrev[op]; p != none && rank[p] >= first {
			d++
		}
		indeg[op] = d
		if d == 0 {
			sorted = append(sorted, op)
		}
	}
	for i := 0; i < len(sorted); i++ {
		op := sorted[i]
		if x := g.jNext[op]; x != none && rank[x] <= last {
			if indeg[x]--; indeg[x] == 0 {
				sorted = append(sorted, x)
			}
		}
		if x := g.mNext[op]; x != none && rank[x] <= last {
			if indeg[x]--; indeg[x] == 0 {
				sorted = append(sorted, x)
			}
		}
	}
	if len(sorted) < len(win) {
		return false
	}
	copy(win, sorted)
	for i, op := range win {
		rank[op] = first + int32(i)
	}
	return true
}

// updateHeads recomputes the heads of order[from:] (those before are current).
func (g *Graph) updateHeads(from int) {
	head, fixed := g.head, g.fixed
	for _, op := range g.order[from:] {
		h := int32(0)
		if p := g.jPrev[op]; p != none {
			h = head[p] + g.dur[p]
		}
		if p := g.mPrev[op]; p != none {
			h = max(h, head[p]+g.dur[p])
		}
		if fixed != nil {
			// A frozen operation's predecessors are frozen and end by its start.
			if f := fixed[op]; f != none {
				h = max(h, f)
			} else {
				h = max(h, g.notBefore)
			}
		}
		head[op] = h
	}
}

// updateTails recomputes the tails of order[:to+1] (those after are current)
// and the makespan, the latest end of a job's last operation.
func (g *Graph) updateTails(to int) {
	tail := g.tail
	for i := to; i >= 0; i-- {
		op := g.order[i]
		t := int32(0)
		if s := g.jNext[op]; s != none {
			t = g.dur[s] + tail[s]
		}
		if s := g.mNext[op]; s != none {
			t = max(t, g.dur[s]+tail[s])
		}
		tail[op] = t
	}
	ms := int32(0)
	for j := 1; j < len(g.offset); j++ {
		if last := g.offset[j] - 1; last >= g.offset[j-1] {
			ms = max(ms, g.head[last]+g.dur[last])
		}
	}
	g.makespan = int(ms)
}

// Makespan is the makespan of the semi-active schedule (after Update).
func (g *Graph) Makespan() int { return g.makespan }

// NumOps is the number of operations.
func (g *Graph) NumOps() int { return g.n }

// Offset is the number of the first operation of job j.
func (g *Graph) Offset(j int) int { return int(g.offset[j]) }

// Head is the earliest start of op (after Update).
func (g *Graph) Head(op int) int { return int(g.head[op]) }

// Tail is the length of the longest path from the end of op to the sink.
func (g *Graph) Tail(op int) int { return int(g.tail[op]) }

// Sequence is machine m's operation sequence; the slice belongs to the graph.
func (g *Graph) Sequence(m int) []int32 { return g.seq[m] }

// Starts returns the semi-active schedule (heads) as start times per job.
func (g *Graph) Starts() [][]int {
	out := make([][]int, len(g.js.Jobs))
	flat := make([]int, g.n)
	for j, ops := range g.js.Jobs {
		out[j] = flat[g.offset[j] : int(g.offset[j])+len(ops) : int(g.offset[j])+len(ops)]
		for k := range ops {
			out[j][k] = int(g.head[int(g.offset[j])+k])
		}
	}
	return out
}

// WriteStarts writes the heads into dst (shaped like the instance) without allocating.
func (g *Graph) WriteStarts(dst [][]int) {
	for j := range dst {
		o := int(g.offset[j])
		for k := range dst[j] {
			dst[j][k] = int(g.head[o+k])
		}
	}
}

// CriticalPath finds one longest path, source to sink, and splits it into
// critical blocks: maximal runs of consecutive operations of one machine. Among
// equal predecessors the machine predecessor is followed, which keeps blocks
// long. The returned slices belong to the graph and are valid until the next call.
func (g *Graph) CriticalPath() (path []int32, blocks []int32) {
	ms := int32(g.makespan)
	end := int32(none)
	// Tails do not grow along a job, so the operations with tail 0 are a
	// suffix of it; the path ends at the first such operation ending at ms.
	for j := 0; j+1 < len(g.offset) && end == none; j++ {
		for op := g.offset[j+1] - 1; op >= g.offset[j] && g.tail[op] == 0; op-- {
			if g.head[op]+g.dur[op] == ms {
				end = op
			}
		}
	}
	path = g.path[:0]
	for v := end; v != none; {
		path = append(path, v)
		h := g.head[v]
		next := int32(none)
		if p := g.mPrev[v]; p != none && g.head[p]+g.dur[p] == h {
			next = p
		} else if p := g.jPrev[v]; p != none && g.head[p]+g.dur[p] == h {
			next = p
		}
		v = next
	}
	slices.Reverse(path)
	blocks = g.blocks[:0]
	blocks = append(blocks, 0)
	for i := 1; i < len(path); i++ {
		if g.mNext[path[i-1]] != path[i] {
			blocks = append(blocks, int32(i))
		}
	}
	blocks = append(blocks, int32(len(path)))
	g.path, g.blocks = path, blocks
	return path, blocks
}

// copyFrom makes g's machine sequences and derived arrays equal to src's (same instance).
func (g *Graph) copyFrom(src *Graph) {
	for m := range g.seq {
		copy(g.seq[m], src.seq[m])
	}
	copy(g.pos, src.pos)
	copy(g.mPrev, src.mPrev)
	copy(g.mNext, src.mNext)
	copy(g.head, src.head)
	copy(g.tail, src.tail)
	g.order = g.order[:len(src.order)]
	copy(g.order, src.order)
	copy(g.rank, src.rank)
	g.makespan = src.makespan
}

// Clone returns an independent copy.
func (g *Graph) Clone() *Graph {
	c := newEmptyGraph(g.js)
	c.fixed, c.frozenLen, c.notBefore = g.fixed, g.frozenLen, g.notBefore
	c.copyFrom(g)
	return c
}

// freeze keeps the operations marked in frozen (shaped like the instance) at
// their starts in starts, the schedule g was built from, together with every
// operation before one of them in its job or on its machine, and updates the
// graph. The frozen operations then form a prefix of every job and of every
// machine sequence; the others start at notBefore or later. frozen may be
// nil when only notBefore applies. It returns how many operations are frozen.
func (g *Graph) freeze(starts [][]int, frozen [][]bool, notBefore int) int {
	fixed := make([]int32, g.n)
	for op := range fixed {
		fixed[op] = none
		if frozen != nil && frozen[g.job[op]][op-int(g.offset[g.job[op]])] {
			fixed[op] = 0 // marked; the start is set below
		}
	}
	// Predecessors come first in a topological order, so one backward pass
	// closes the set.
	count := 0
	for i := len(g.order) - 1; i >= 0; i-- {
		op := g.order[i]
		if fixed[op] == none {
			continue
		}
		count++
		fixed[op] = int32(starts[g.job[op]][op-g.offset[g.job[op]]])
		if p := g.jPrev[op]; p != none && fixed[p] == none {
			fixed[p] = 0
		}
		if p := g.mPrev[op]; p != none && fixed[p] == none {
			fixed[p] = 0
		}
	}
	if count == 0 && notBefore == 0 {
		return 0
	}
	g.fixed, g.notBefore = fixed, int32(notBefore)
	g.frozenLen = make([]int32, len(g.seq))
	for m, s := range g.seq {
		for _, op := range s {
			if fixed[op] == none {
				break
			}
			g.frozenLen[m]++
		}
	}
	g.Update()
	return count
}

// frozen reports whether op keeps its start.
func (g *Graph) frozen(op int32) bool { return g.fixed != nil && g.fixed[op] != none }

// applyAndUpdate performs mv and recomputes heads and tails. On a cycle it
// undoes the move and reports false.
func (g *Graph) applyAndUpdate(mv move) bool {
	g.apply(mv)
	lo, hi := int(min(mv.from, mv.to)), int(max(mv.from, mv.to))
	if g.updateMoved(mv.m, lo, hi) {
		return true
	}
	g.apply(mv.inverse())
	return false
}

// loadStarts replaces the machine sequences by the order of the given start
// times (indexed by operation) and updates the graph. It reports false if the
// starts order a cycle, which a feasible schedule never does.
func (g *Graph) loadStarts(start []int32) bool {
	for _, s := range g.seq {
		slices.SortFunc(s, func(a, b int32) int {
			// The frozen prefix stays first even where a zero-length free
			// operation starts with it.
			if fa, fb := g.frozen(a), g.frozen(b); fa != fb {
				if fa {
					return -1
				}
				return 1
			}
			if d := start[a] - start[b]; d != 0 {
				return int(d)
			}
			if d := (start[a] + g.dur[a]) - (start[b] + g.dur[b]); d != 0 {
				return int(d)
			}
			return int(a - b)
		})
	}
	g.linkMachines()
	return g.Update()
}
