package improve

import (
	"slices"

	"github.com/cosolve/cosolve/solvers"
)

// cpSearch is a constraint-programming branch and bound over machine rankings.
// Each operation has a window [est, lct) (earliest start, latest completion) under
// a makespan target; every machine's sequence is a ranked prefix, an unranked
// middle and a ranked suffix. Branching ranks one middle operation right after
// the prefix. Propagation runs to a fixpoint over job precedences, the ranked
// chains, and, on each middle, detectable precedences plus task-interval
// edge-finding and not-first/not-last. Fixing whole machines or the parts of
// sequences outside a time window (prefix/suffix) turns the same search into a
// large-neighbourhood search.
type cpSearch struct {
	g       *Graph // statics: durations, jobs, machines
	nm      int
	perm    [][]int32 // per machine: prefix perm[:lo], middle perm[lo:hi], suffix perm[hi:]
	lo, hi  []int32
	est     []int32
	lct     []int32
	headSum []int32 // sum of job predecessors' durations
	tailSum []int32 // sum of job successors' durations
	target  int32   // makespan sought: every operation must end by it

	// trail: one frame per depth
	estTrail, lctTrail, loTrail [][]int32

	longest  int       // operations on the busiest machine
	children [][]int32 // per depth: the operations to rank first, in order
	dirty    []bool    // machines whose windows changed since their last propagation
	nodes    int64
	maxNode  int64 // 0: no node limit
	work     int64 // propagation steps since the last solve began
	maxWork  int64 // 0: no work limit
	st       *solvers.Budget
	aborted  bool

	bestStarts []int32 // est of the last solution found
	found      bool
}

func newCP(g *Graph) *cpSearch {
	n, nm := g.n, g.js.Machines
	c := &cpSearch{g: g, nm: nm,
		perm: make([][]int32, nm), lo: make([]int32, nm), hi: make([]int32, nm),
		est: make([]int32, n), lct: make([]int32, n),
		headSum: make([]int32, n), tailSum: make([]int32, n),
		dirty: make([]bool, nm), bestStarts: make([]int32, n),
	}
	longest := 0
	for m := range c.perm {
		c.perm[m] = make([]int32, len(g.seq[m]))
		longest = max(longest, len(g.seq[m]))
	}
	c.longest = longest
	for j := range g.js.Jobs {
		a, b := g.offset[j], g.offset[j+1]
		s := int32(0)
		for op := a; op < b; op++ {
			c.headSum[op] = s
			s += g.dur[op]
		}
		s = 0
		for op := b - 1; op >= a; op-- {
			c.tailSum[op] = s
			s += g.dur[op]
		}
	}
	return c
}

// reset loads machine sequences from src and ranks, per machine, the operations
// outside the free window: relaxed[m] false fixes machine m entirely; for a
// relaxed machine, operations starting (in src) before t0 stay ranked first and
// those starting at or after t1 stay ranked last. Frozen operations always stay
// ranked first.
func (c *cpSearch) reset(src *Graph, relaxed []bool, t0, t1 int32) {
	for m := range c.perm {
		s := src.seq[m]
		copy(c.perm[m], s)
		if relaxed != nil && !relaxed[m] {
			c.lo[m], c.hi[m] = int32(len(s)), int32(len(s))
			continue
		}
		lo, hi := 0, len(s)
		if src.frozenLen != nil {
			lo = int(src.frozenLen[m])
		}
		for lo < len(s) && src.head[s[lo]] < t0 {
			lo++
		}
		for hi > lo && src.head[s[hi-1]] >= t1 {
			hi--
		}
		c.lo[m], c.hi[m] = int32(lo), int32(hi)
	}
}

// initWindows sets the windows for the current target from static job sums;
// a frozen operation's window is its fixed start and end. It reports false
// when a frozen operation and its job's remaining work cannot end by the
// target (propagation notices only the windows it changes).
func (c *cpSearch) initWindows() bool {
	for op := range c.est {
		c.est[op] = c.headSum[op]
		c.lct[op] = c.target - c.tailSum[op]
	}
	for m := range c.dirty {
		c.dirty[m] = true
	}
	ok := true
	if fixed := c.g.fixed; fixed != nil {
		for op, f := range fixed {
			if f != none {
				c.est[op] = max(c.est[op], f)
				c.lct[op] = min(c.lct[op], f+c.g.dur[op])
			} else {
				c.est[op] = max(c.est[op], c.g.notBefore)
			}
			ok = ok && c.est[op]+c.g.dur[op] <= c.lct[op]
		}
	}
	return ok
}

// propagate runs to a fixpoint; false means the node is infeasible, unless
// c.aborted is set (the budget ran out).
func (c *cpSearch) propagate() bool {
	for {
		changed := false
		if !c.jobPass(&changed) {
			return false
		}
		for m := 0; m < c.nm; m++ {
			if !c.dirty[m] {
				continue
			}
			c.dirty[m] = false
			if !c.machine(m, &changed) {
				return false
			}
			// One propagation of a large instance can take a while: honour the
			// clock and the work limit here too. An aborted propagation proves
			// nothing.
			if c.st != nil && !c.st.Check() || c.maxWork > 0 && c.work >= c.maxWork {
				c.aborted = true
				return false
			}
		}
		if !changed {
			return true
		}
	}
}

func (c *cpSearch) setEst(op, v int32, changed *bool) bool {
	if v <= c.est[op] {
		return true
	}
	c.est[op] = v
	*changed = true
	c.dirty[c.g.mach[op]] = true
	return v+c.g.dur[op] <= c.lct[op]
}

func (c *cpSearch) setLct(op, v int32, changed *bool) bool {
	if v >= c.lct[op] {
		return true
	}
	c.lct[op] = v
	*changed = true
	c.dirty[c.g.mach[op]] = true
	return c.est[op]+c.g.dur[op] <= v
}

func (c *cpSearch) jobPass(changed *bool) bool {
	g := c.g
	c.work += int64(g.n)
	for j := range g.js.Jobs {
		a, b := g.offset[j], g.offset[j+1]
		for op := a + 1; op < b; op++ {
			if !c.setEst(op, c.est[op-1]+g.dur[op-1], changed) {
				return false
			}
		}
		for op := b - 2; op >= a; op-- {
			if !c.setLct(op, c.lct[op+1]-g.dur[op+1], changed) {
				return false
			}
		}
	}
	return true
}

// machine propagates the disjunctive constraint of machine m.
func (c *cpSearch) machine(m int, changed *bool) bool {
	g := c.g
	p := c.perm[m]
	lo, hi := int(c.lo[m]), int(c.hi[m])
	dur, est, lct := g.dur, c.est, c.lct
	// Ranked chains: the prefix, then the middle as a block, then the suffix.
	for i := 1; i < lo; i++ {
		if !c.setEst(p[i], est[p[i-1]]+dur[p[i-1]], changed) {
			return false
		}
	}
	for i := len(p) - 1; i > hi; i-- {
		if !c.setLct(p[i-1], lct[p[i]]-dur[p[i]], changed) {
			return false
		}
	}
	mid := p[lo:hi]
	// The task-interval loops below are cubic in the middle's length: a
	// machine of a 1000×10 shop is 10⁹ steps, seconds of work, so a
	// propagation that would pass its work limit stops before it starts
	// (an aborted propagation proves nothing).
	work := int64(len(p) + len(mid)*len(mid)*len(mid))
	if c.maxWork > 0 && c.work+work > c.maxWork {
		c.aborted = true
		return false
	}
	c.work += work
	if len(mid) == 0 {
		if lo > 0 && hi < len(p) {
			if !c.setEst(p[hi], est[p[lo-1]]+dur[p[lo-1]], changed) || !c.setLct(p[lo-1], lct[p[hi]]-dur[p[hi]], changed) {
				return false
			}
		}
		for i := hi + 1; i < len(p); i++ {
			if !c.setEst(p[i], est[p[i-1]]+dur[p[i-1]], changed) {
				return false
			}
		}
		for i := lo - 2; i >= 0; i-- {
			if !c.setLct(p[i], lct[p[i+1]]-dur[p[i+1]], changed) {
				return false
			}
		}
		return true
	}
	if lo > 0 {
		last := p[lo-1]
		end := est[last] + dur[last]
		minLst, maxLct, sum := int32(1<<30), int32(-1<<30), int32(0)
		for _, j := range mid {
			if !c.setEst(j, end, changed) {
				return false
			}
			minLst = min(minLst, lct[j]-dur[j])
			maxLct = max(maxLct, lct[j])
			sum += dur[j]
		}
		if !c.setLct(last, min(minLst, maxLct-sum), changed) {
			return false
		}
	}
	if hi < len(p) {
		first := p[hi]
		start := lct[first] - dur[first]
		maxEct, minEst, sum := int32(-1<<30), int32(1<<30), int32(0)
		for _, j := range mid {
			if !c.setLct(j, start, changed) {
				return false
			}
			maxEct = max(maxEct, est[j]+dur[j])
			minEst = min(minEst, est[j])
			sum += dur[j]
		}
		if !c.setEst(first, max(maxEct, minEst+sum), changed) {
			return false
		}
	}
	// The chains again, now that the ends of the middle block may have moved.
	for i := lo - 2; i >= 0; i-- {
		if !c.setLct(p[i], lct[p[i+1]]-dur[p[i+1]], changed) {
			return false
		}
	}
	for i := hi + 1; i < len(p); i++ {
		if !c.setEst(p[i], est[p[i-1]]+dur[p[i-1]], changed) {
			return false
		}
	}
	if len(mid) == 1 {
		return true
	}
	// Detectable precedences: if i cannot end before j's latest start, j precedes i.
	for _, i := range mid {
		for _, j := range mid {
			if i == j || est[i]+dur[i] <= lct[j]-dur[j] {
				continue
			}
			if !c.setEst(i, est[j]+dur[j], changed) || !c.setLct(j, lct[i]-dur[i], changed) {
				return false
			}
		}
	}
	// Task intervals Ω = {j : est_j ≥ est_a, lct_j ≤ lct_b}: overload check,
	// edge-finding (i before or after all of Ω) and not-first/not-last.
	for ai, a := range mid {
		// A row is quadratic in the middle's length; on long machines the
		// clock is looked at every row so a deadline is met within
		// milliseconds.
		if ai%8 == 7 && len(mid) > 128 && c.st != nil && !c.st.Check() {
			c.aborted = true
			return false
		}
		ea := est[a]
		for _, b := range mid {
			lb := lct[b]
			sum, eO, lO := int32(0), int32(1<<30), int32(-1<<30)
			maxLst, minEct := int32(-1<<30), int32(1<<30)
			cnt := 0
			for _, j := range mid {
				if est[j] >= ea && lct[j] <= lb {
					sum += dur[j]
					eO, lO = min(eO, est[j]), max(lO, lct[j])
					maxLst, minEct = max(maxLst, lct[j]-dur[j]), min(minEct, est[j]+dur[j])
					cnt++
				}
			}
			if cnt == 0 {
				continue
			}
			if eO+sum > lO {
				return false
			}
			if cnt == len(mid) {
				continue
			}
			for _, i := range mid {
				if est[i] >= ea && lct[i] <= lb {
					continue
				}
				pi := dur[i]
				if min(eO, est[i])+sum+pi > lO {
					if !c.setEst(i, eO+sum, changed) {
						return false
					}
				} else if eO+sum > lct[i]-pi { // not last
					if !c.setLct(i, maxLst, changed) {
						return false
					}
				}
				if eO+sum+pi > max(lO, lct[i]) {
					if !c.setLct(i, lO-sum, changed) {
						return false
					}
				} else if lO-sum < est[i]+pi { // not first
					if !c.setEst(i, minEct, changed) {
						return false
					}
				}
			}
		}
	}
	return true
}

// frame saves the state at depth d.
func (c *cpSearch) save(d int) {
	if d >= len(c.estTrail) {
		c.estTrail = append(c.estTrail, make([]int32, len(c.est)))
		c.lctTrail = append(c.lctTrail, make([]int32, len(c.lct)))
		c.loTrail = append(c.loTrail, make([]int32, c.nm))
	}
	copy(c.estTrail[d], c.est)
	copy(c.lctTrail[d], c.lct)
	copy(c.loTrail[d], c.lo)
}

func (c *cpSearch) restore(d int) {
	copy(c.est, c.estTrail[d])
	copy(c.lct, c.lctTrail[d])
	copy(c.lo, c.loTrail[d])
}

// pick chooses the machine to branch on: the unranked middle with the least
// slack (window span minus work). It returns -1 when every machine is ranked.
func (c *cpSearch) pick() int {
	best, bestSlack := -1, int32(1<<30)
	for m := 0; m < c.nm; m++ {
		lo, hi := c.lo[m], c.hi[m]
		if lo == hi {
			continue
		}
		e, l, s := int32(1<<30), int32(-1<<30), int32(0)
		for _, j := range c.perm[m][lo:hi] {
			e, l, s = min(e, c.est[j]), max(l, c.lct[j]), s+c.g.dur[j]
		}
		if slack := l - e - s; slack < bestSlack {
			best, bestSlack = m, slack
		}
	}
	return best
}

// solve searches depth-first for a schedule ending by c.target, lowering the
// target below each solution found (branch and bound). It reports whether the
// tree was exhausted (false when a budget stopped it).
func (c *cpSearch) solve(onSolution func()) bool {
	c.aborted = false
	c.work = 0
	if !c.initWindows() {
		return true
	}
	c.dfs(0, onSolution)
	return !c.aborted
}

func (c *cpSearch) dfs(depth int, onSolution func()) {
	c.nodes++
	if c.st != nil && !c.st.Check() {
		c.aborted = true
	}
	if c.maxNode > 0 && c.nodes >= c.maxNode || c.maxWork > 0 && c.work >= c.maxWork {
		c.aborted = true
	}
	if c.aborted {
		return
	}
	// A node passes over the operations about six times outside propagation:
	// tightening, the branching choice, and saving and restoring the windows.
	c.work += 6 * int64(len(c.lct))
	// The target may have dropped since the parent: tighten deadlines.
	changed := false
	for op := range c.lct {
		if !c.setLct(int32(op), c.target-c.tailSum[op], &changed) {
			return
		}
	}
	if !c.propagate() {
		return
	}
	m := c.pick()
	if m < 0 {
		ms := int32(0)
		for op := range c.est {
			ms = max(ms, c.est[op]+c.g.dur[op])
		}
		copy(c.bestStarts, c.est)
		c.found = true
		c.target = ms - 1
		onSolution()
		return
	}
	c.save(depth)
	lo, hi := int(c.lo[m]), int(c.hi[m])
	// Children in order of earliest start, then latest completion: rank j first
	// in the middle. The middle of a machine stays the same set below this node,
	// only its order changes, so the children are listed here once.
	if depth >= len(c.children) {
		c.children = append(c.children, make([]int32, 0, c.longest))
	}
	kids := append(c.children[depth][:0], c.perm[m][lo:hi]...)
	c.children[depth] = kids
	slices.SortFunc(kids, func(a, b int32) int {
		if d := c.est[a] - c.est[b]; d != 0 {
			return int(d)
		}
		return int(c.lct[a] - c.lct[b])
	})
	for _, j := range kids {
		p := c.perm[m]
		// j can be first only if it ends before every other's latest start.
		ok := true
		for _, k := range p[lo:hi] {
			if k != j && c.est[j]+c.g.dur[j] > c.lct[k]-c.g.dur[k] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for i := lo; i < hi; i++ {
			if p[i] == j {
				p[lo], p[i] = p[i], p[lo]
				break
			}
		}
		c.lo[m]++
		c.dirty[m] = true
		c.dfs(depth+1, onSolution)
		if c.aborted {
			return
		}
		c.restore(depth)
		for mm := range c.dirty {
			c.dirty[mm] = true
		}
	}
}
