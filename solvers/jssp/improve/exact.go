package improve

import "github.com/cosolve/cosolve/solvers"

// failsAt reports whether root propagation alone proves that no schedule of src's
// instance ends by target.
func (c *cpSearch) failsAt(src *Graph, target int) bool {
	c.reset(src, nil, -1<<30, 1<<30)
	c.target = int32(target)
	return !c.initWindows() || !c.propagate() && !c.aborted
}

// rootBound is a destructive lower bound: the smallest makespan in [lb, ub] that
// root propagation does not refute. Each refuted value is a proof, so the
// result is a valid bound even where propagation is not monotone. The search
// gallops up from lb before it bisects: the bound is usually a few units above
// lb and far below ub (a schedule's makespan), and refuting a value near it is
// cheaper than failing to refute one far above, which runs propagation to its
// fixpoint.
func (c *cpSearch) rootBound(src *Graph, lb, ub int) int {
	c.aborted = false
	for step := 1; lb < ub && !c.aborted; step *= 2 {
		t := min(lb+step-1, ub-1)
		if !c.failsAt(src, t) {
			ub = t
			break
		}
		lb = t + 1
	}
	for lb < ub && !c.aborted {
		mid := lb + (ub-lb)/2
		if c.failsAt(src, mid) {
			lb = mid + 1
		} else {
			ub = mid
		}
	}
	return lb
}

// runExact runs the branch and bound on the whole instance below the shared
// best. It returns the search counts, the proved lower bound and whether the
// shared best was proved optimal.
func runExact(sh *shared, st *solvers.Budget, maxNodes int64) (Stats, int, bool) {
	g := sh.clone()
	c := newCP(g)
	c.st, c.maxNode = st, maxNodes
	bound := c.rootBound(g, int(sh.bound.Load()), g.makespan)
	if bound >= g.makespan {
		return Stats{Nodes: c.nodes}, g.makespan, true
	}
	c.reset(g, nil, -1<<30, 1<<30)
	c.target = int32(g.makespan - 1)
	sol := g.Clone()
	complete := c.solve(func() {
		if sol.loadStarts(c.bestStarts) {
			sh.offer(sol, "exact", c.nodes)
		}
	})
	if complete {
		return Stats{Nodes: c.nodes}, sh.makespan(), true
	}
	return Stats{Nodes: c.nodes}, bound, false
}
