package robust

import (
	"context"
	"errors"
	"math"
	"slices"
	"unsafe"

	"github.com/cosolve/cosolve/instances"
)

// SecondStage solves the second stage of a robust knapsack exactly: with x and ξ
// fixed, each selected item is outsourced (profit p̄−f), produced (p̄−p̂ξ, weight c)
// or repaired (p̄, weight c+t) within the capacity. This is a multiple-choice
// knapsack with integer weights, solved by dynamic programming over capacity in
// O(|x|·C') time, C' = min(C, Σ_{i∈x} c_i+t_i), while its table fits in 64 MiB.
// Larger capacities (weights of 10^10 would need terabytes) go to a sparse DP over
// the weights actually reachable, pruned by the LP bound, in at most 64 MiB of
// states, and past that to a branch and bound in O(|x|) memory. All three are
// exact; the last takes exponential time in the worst case, which SolveContext
// bounds by a context.
//
// A SecondStage keeps its buffers between calls, so repeated solves allocate
// nothing once the largest problem has been seen. It is not safe for concurrent use.
type SecondStage struct {
	k          *instances.RobustKnapsack
	maxDPBytes int       // largest DP table (choices and values) indexed by capacity
	maxStates  int       // most states of the sparse DP before the branch and bound takes over
	best       []float64 // best[w]: largest saving over outsourcing everything within capacity w
	choice     []uint8   // choice[j*(cap+1)+w]: option of the j-th selected item at capacity w
	items      []int
	large      mckp
}

// Second-stage options of one selected item.
const (
	optOutsource uint8 = iota
	optProduce
	optRepair
)

// maxTableBytes bounds the memory of the DP over capacity (the published
// instances need at most 3 MB) and that of the sparse DP's states.
const maxTableBytes = 64 << 20

// NewSecondStage prepares a solver for k.
func NewSecondStage(k *instances.RobustKnapsack) *SecondStage {
	return &SecondStage{k: k, maxDPBytes: maxTableBytes, maxStates: maxTableBytes / int(unsafe.Sizeof(mcState{}))}
}

// Solve returns the best total profit of the first stage x under scenario ξ (the
// first-stage profit included), and writes the optimal recourse into y (produced)
// and r (repaired) when they are non-nil. x, ξ, y and r have one entry per item.
func (s *SecondStage) Solve(x []bool, xi []float64, y, r []bool) float64 {
	v, _ := s.SolveContext(context.Background(), x, xi, y, r)
	return v
}

// SolveContext is Solve that gives up with ctx's error when ctx ends first: the
// DP over capacity checks it once per item, the others every 1024 states or nodes.
// After an error the value and recourse mean nothing.
func (s *SecondStage) SolveContext(ctx context.Context, x []bool, xi []float64, y, r []bool) (float64, error) {
	k := s.k
	s.items = s.items[:0]
	base, total := 0.0, 0
	for i, in := range x {
		if !in {
			continue
		}
		s.items = append(s.items, i)
		base += k.Profit[i] - k.Outsource[i]
		total += k.Weight[i] + k.RepairWeight[i]
	}
	capacity := min(k.Capacity, total)
	clear(y)
	clear(r)
	var saving float64
	var err error
	if dpFits(len(s.items), capacity, s.maxDPBytes) {
		saving, err = s.dp(ctx, capacity, xi, y, r)
	} else {
		saving, err = s.large.solve(ctx, k, s.items, capacity, xi, y, r, s.maxStates)
	}
	return base + saving, err
}

// dpFits reports whether the DP's table for m items and capacity c, (m+8)·(c+1)
// bytes, fits in limit bytes; it avoids the overflow the product could reach.
func dpFits(m, c, limit int) bool {
	width := c + 1
	if width > limit/8 {
		return false
	}
	return m <= (limit-8*width)/width
}

// dp solves the multiple-choice knapsack by DP over capacity and returns the
// saving over outsourcing every selected item.
func (s *SecondStage) dp(ctx context.Context, capacity int, xi []float64, y, r []bool) (float64, error) {
	k := s.k
	if cap(s.best) < capacity+1 {
		s.best = make([]float64, capacity+1)
	}
	best := s.best[:capacity+1]
	clear(best)
	width := capacity + 1
	need := len(s.items) * width
	if cap(s.choice) < need {
		s.choice = make([]uint8, need)
	}
	choice := s.choice[:need]
	for j, i := range s.items {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		c1 := k.Weight[i]
		c2 := c1 + k.RepairWeight[i]
		save1 := k.Outsource[i] - k.Degradation[i]*xi[i]
		save2 := k.Outsource[i]
		row := choice[j*width : (j+1)*width]
		// Descending capacities read best[w−c] before this item updates it, the
		// usual in-place 0/1 order; each item contributes at most one option. The
		// loop is split by capacity so the hot part has no bound tests.
		w := capacity
		if save1 > 0 {
			for ; w >= c2 && w >= c1; w-- {
				v, o := best[w], optOutsource
				if p := best[w-c1] + save1; p > v {
					v, o = p, optProduce
				}
				if p := best[w-c2] + save2; p > v {
					v, o = p, optRepair
				}
				best[w] = v
				row[w] = o
			}
			for ; w >= c1; w-- {
				if p := best[w-c1] + save1; p > best[w] {
					best[w], row[w] = p, optProduce
				} else {
					row[w] = optOutsource
				}
			}
		} else {
			for ; w >= c2; w-- {
				if p := best[w-c2] + save2; p > best[w] {
					best[w], row[w] = p, optRepair
				} else {
					row[w] = optOutsource
				}
			}
		}
		for ; w >= 0; w-- {
			row[w] = optOutsource
		}
	}
	if y != nil || r != nil {
		w := capacity
		for j := len(s.items) - 1; j >= 0; j-- {
			i := s.items[j]
			o := choice[j*width+w]
			setRecourse(y, r, i, o)
			switch o {
			case optProduce:
				w -= k.Weight[i]
			case optRepair:
				w -= k.Weight[i] + k.RepairWeight[i]
			}
		}
	}
	return best[capacity], nil
}

// setRecourse records option kind of item i in y (produced) and r (repaired).
func setRecourse(y, r []bool, i int, kind uint8) {
	switch kind {
	case optProduce:
		setTrue(y, i)
	case optRepair:
		setTrue(y, i)
		setTrue(r, i)
	}
}

func setTrue(b []bool, i int) {
	if b != nil {
		b[i] = true
	}
}

// SolveJoint chooses the first stage too: it maximises the total profit under the
// fixed scenario ξ over x, y and r together (each item is left out, outsourced,
// produced or repaired), writes the decisions into x, y and r and returns the profit.
// It is the exact deterministic counterpart of the robust problem for one scenario.
func (s *SecondStage) SolveJoint(xi []float64, x, y, r []bool) float64 {
	v, _ := s.SolveJointContext(context.Background(), xi, x, y, r)
	return v
}

// SolveJointContext is SolveJoint that gives up with ctx's error when ctx ends
// first (see SolveContext).
func (s *SecondStage) SolveJointContext(ctx context.Context, xi []float64, x, y, r []bool) (float64, error) {
	k := s.k
	all := make([]bool, k.N())
	for i := range all {
		all[i] = true
	}
	// With every item selected, the DP's "outsource" option is worth p̄−f; an item
	// whose outsourced profit is negative is better left out, which only raises the
	// zero-weight option, so solve with f' = min(f, p̄) and map back.
	capped := *k
	capped.Outsource = make([]float64, len(k.Outsource))
	for i, f := range k.Outsource {
		capped.Outsource[i] = math.Min(f, k.Profit[i])
	}
	inner := &SecondStage{k: &capped, maxDPBytes: s.maxDPBytes, maxStates: s.maxStates, best: s.best, choice: s.choice, items: s.items, large: s.large}
	v, err := inner.SolveContext(ctx, all, xi, y, r)
	s.best, s.choice, s.items, s.large = inner.best, inner.choice, inner.items, inner.large
	for i := range x {
		x[i] = y[i] || k.Profit[i] > k.Outsource[i]
	}
	return v, err
}

// mckp is the second stage as a multiple-choice knapsack for capacities too
// large to index: the selected items with the options worth trying, searched by a
// sparse DP over the weights actually reachable, or by branch and bound when that
// DP grows past its state budget. Both are exact. Its buffers are kept.
type mckp struct {
	items, sorted []mcItem
	segs          []mcSegment
	order, pos    []int
	capacity      int
	best          []int // option taken at each depth in the best solution found

	states     []mcState // the sparse DP's stages, one after another
	stageStart []int

	next, taken  []int
	room         []int     // room[d]: capacity left at depth d
	value, bound []float64 // value[d]: saving of the options taken above depth d; bound[d]: the LP bound below
}

// mcOption is one way to handle an item: its weight and its saving over the
// item's floor, the option every other one is measured from.
type mcOption struct {
	w    int
	v    float64
	kind uint8
}

// mcItem is a selected item with its options worth trying, most saving first,
// ending with the floor (weight and saving 0).
type mcItem struct {
	item int
	opts [3]mcOption
	n    int
	eff  float64 // saving per unit weight of its first hull segment: the item order
}

// mcSegment is one segment of an item's upper concave hull of options in
// (weight, saving): the LP relaxation takes segments by decreasing efficiency.
type mcSegment struct {
	depth int // the item's position in the item order
	w     int
	v     float64
	eff   float64
}

// mcState is a Pareto-optimal partial solution of the sparse DP: weight and
// saving of the items up to its stage, and how it extends its parent.
type mcState struct {
	w      int
	v      float64
	parent int32 // index of the state it extends
	opt    uint8
}

// mcPollEvery is how many states or nodes pass between context checks; each
// costs O(items), so a poll comes within milliseconds even for thousands of items.
const mcPollEvery = 1024

// errTooManyStates stops the sparse DP at its state budget.
var errTooManyStates = errors.New("sparse DP over its state budget")

// solve returns the largest saving over outsourcing all of items within
// capacity and writes the recourse into y and r (cleared by the caller). The
// sparse DP may hold maxStates states; past that the branch and bound takes over.
func (m *mckp) solve(ctx context.Context, k *instances.RobustKnapsack, items []int, capacity int, xi []float64, y, r []bool, maxStates int) (float64, error) {
	free := m.prepare(k, items, capacity, xi, y, r)
	best, err := m.sparseDP(ctx, maxStates)
	if errors.Is(err, errTooManyStates) {
		best, err = m.branchAndBound(ctx)
	}
	if err != nil {
		return 0, err
	}
	for d := range m.items {
		it := &m.items[d]
		setRecourse(y, r, it.item, it.opts[m.best[d]].kind)
	}
	return free + best, nil
}

// prepare builds the items' options and hull segments, items in decreasing order
// of efficiency, and returns the saving of the options that weigh nothing, which
// are taken outright (and recorded in y and r when nothing better remains).
func (m *mckp) prepare(k *instances.RobustKnapsack, items []int, capacity int, xi []float64, y, r []bool) float64 {
	m.capacity = capacity
	free := 0.0
	m.items, m.segs = m.items[:0], m.segs[:0]
	for _, i := range items {
		p := mcOption{k.Weight[i], k.Outsource[i] - k.Degradation[i]*xi[i], optProduce}
		q := mcOption{k.Weight[i] + k.RepairWeight[i], k.Outsource[i], optRepair}
		keepP, keepQ := p.w <= capacity && p.v > 0, q.w <= capacity && q.v > 0
		if keepP && keepQ {
			if p.w <= q.w && p.v >= q.v {
				keepQ = false
			} else if q.w <= p.w && q.v >= p.v {
				keepP = false
			}
		}
		it := mcItem{item: i}
		floor := mcOption{0, 0, optOutsource}
		for _, o := range [2]struct {
			opt  mcOption
			keep bool
		}{{p, keepP}, {q, keepQ}} {
			if !o.keep {
				continue
			}
			if o.opt.w == 0 { // beats outsourcing at no cost: the new floor
				floor = o.opt
				continue
			}
			it.opts[it.n] = o.opt
			it.n++
		}
		free += floor.v
		if it.n == 0 {
			setRecourse(y, r, i, floor.kind)
			continue
		}
		// Undominated, the heavier option saves more, also over the floor.
		for o := range it.n {
			it.opts[o].v -= floor.v
		}
		if it.n == 2 && it.opts[0].v < it.opts[1].v {
			it.opts[0], it.opts[1] = it.opts[1], it.opts[0]
		}
		it.opts[it.n] = mcOption{0, 0, floor.kind}
		it.n++
		// Hull from the floor: with two options the lighter is a vertex when its
		// efficiency beats that of the step on to the heavier.
		depth := len(m.items)
		hi := it.opts[0]
		it.eff = hi.v / float64(hi.w)
		if it.n == 3 {
			lo := it.opts[1]
			if lo.v*float64(hi.w-lo.w) > (hi.v-lo.v)*float64(lo.w) {
				it.eff = lo.v / float64(lo.w)
				m.segs = append(m.segs, mcSegment{depth, lo.w, lo.v, it.eff})
				hi = mcOption{hi.w - lo.w, hi.v - lo.v, hi.kind}
			}
		}
		m.segs = append(m.segs, mcSegment{depth, hi.w, hi.v, hi.v / float64(hi.w)})
		m.items = append(m.items, it)
	}
	// Most efficient items first; the LP bound reads segments by decreasing
	// efficiency (an item's own segments come in hull order, as their efficiency
	// decreases) and skips those of items already decided.
	n := len(m.items)
	m.order, m.pos = grow(m.order, n), grow(m.pos, n)
	for i := range m.order {
		m.order[i] = i
	}
	slices.SortStableFunc(m.order, func(p, q int) int { return cmpFloat(m.items[q].eff, m.items[p].eff) })
	if cap(m.sorted) < n {
		m.sorted = make([]mcItem, n)
	}
	m.sorted = m.sorted[:n]
	for d, idx := range m.order {
		m.pos[idx] = d
		m.sorted[d] = m.items[idx]
	}
	m.items, m.sorted = m.sorted, m.items
	for s := range m.segs {
		m.segs[s].depth = m.pos[m.segs[s].depth]
	}
	slices.SortStableFunc(m.segs, func(p, q mcSegment) int { return cmpFloat(q.eff, p.eff) })
	m.best = grow(m.best, n)
	for d := range n {
		m.best[d] = m.items[d].n - 1 // every floor: saving 0
	}
	return free
}

// lpBound is the LP relaxation's saving from the items at depth ≥ d within room.
func (m *mckp) lpBound(d, room int) float64 {
	sum := 0.0
	for _, s := range m.segs {
		if s.depth < d {
			continue
		}
		if s.w <= room {
			room -= s.w
			sum += s.v
			continue
		}
		return sum + s.v*float64(room)/float64(s.w)
	}
	return sum
}

// sparseDP keeps, item by item, the Pareto-optimal (weight, saving) pairs of the
// items so far, dropping those whose LP bound cannot beat the best saving found
// (every state is feasible: the later items can take their floors). Identical or
// scaled weights collapse into few states, where the branch and bound would
// enumerate their permutations.
func (m *mckp) sparseDP(ctx context.Context, maxStates int) (float64, error) {
	n := len(m.items)
	m.states = append(m.states[:0], mcState{})
	m.stageStart = append(m.stageStart[:0], 0)
	best, bestStage, bestState := 0.0, 0, 0
	var idx [3]int
	merged := 0
	for d := range n {
		it := &m.items[d]
		begin := len(m.states)
		m.stageStart = append(m.stageStart, begin)
		prev := m.states[m.stageStart[d]:begin]
		clear(idx[:])
		lastV := math.Inf(-1)
		for {
			// Merge the previous stage shifted by each option, by weight and then
			// saving descending, keeping the states no lighter one beats.
			o, w, v := -1, 0, 0.0
			for c := range it.n {
				if idx[c] == len(prev) {
					continue
				}
				cw, cv := prev[idx[c]].w+it.opts[c].w, prev[idx[c]].v+it.opts[c].v
				if o < 0 || cw < w || cw == w && cv > v {
					o, w, v = c, cw, cv
				}
			}
			if o < 0 {
				break
			}
			if merged++; merged%mcPollEvery == 0 {
				if err := ctx.Err(); err != nil {
					return 0, err
				}
			}
			parent := m.stageStart[d] + idx[o]
			idx[o]++
			if w > m.capacity { // and so are the rest of this option's states
				idx[o] = len(prev)
				continue
			}
			if v <= lastV {
				continue
			}
			lastV = v
			if v+m.lpBound(d+1, m.capacity-w) <= best {
				continue
			}
			if len(m.states) >= maxStates {
				return 0, errTooManyStates
			}
			m.states = append(m.states, mcState{w: w, v: v, parent: int32(parent), opt: uint8(o)})
			if v > best {
				best, bestStage, bestState = v, d+1, len(m.states)-1
			}
		}
	}
	for d := bestStage - 1; d >= 0; d-- {
		st := m.states[bestState]
		m.best[d] = int(st.opt)
		bestState = int(st.parent)
	}
	return best, nil
}

// branchAndBound searches the items' options depth first, most saving first,
// pruned by the LP bound. Its memory is O(items); its time is exponential in the
// worst case, which only the context bounds.
func (m *mckp) branchAndBound(ctx context.Context) (float64, error) {
	n := len(m.items)
	m.next, m.taken, m.room = grow(m.next, n+1), grow(m.taken, n+1), grow(m.room, n+1)
	m.value, m.bound = growFloat(m.value, n+1), growFloat(m.bound, n+1)
	best := 0.0
	m.room[0], m.value[0], m.next[0] = m.capacity, 0, 0
	nodes := 0
	for d := 0; d >= 0; {
		if d == n {
			if m.value[n] > best {
				best = m.value[n]
				copy(m.best, m.taken[:n])
			}
			d--
			continue
		}
		if m.next[d] == 0 { // first visit
			if nodes++; nodes%mcPollEvery == 0 {
				if err := ctx.Err(); err != nil {
					return 0, err
				}
			}
			m.bound[d] = m.lpBound(d, m.room[d])
		}
		it := &m.items[d]
		o := m.next[d]
		for o < it.n && it.opts[o].w > m.room[d] {
			o++
		}
		// The bound is rechecked on every return: best may have risen below.
		if o == it.n || m.value[d]+m.bound[d] <= best {
			d--
			continue
		}
		m.next[d] = o + 1
		m.taken[d] = o
		m.room[d+1] = m.room[d] - it.opts[o].w
		m.value[d+1] = m.value[d] + it.opts[o].v
		d++
		m.next[d] = 0
	}
	return best, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func grow(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func growFloat(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
