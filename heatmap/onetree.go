package heatmap

import (
	"math"
)

// Node states in oneTree.pos besides a heap position.
const (
	unseen int32 = -1
	inTree int32 = -2
)

// oneTree computes minimum 1-trees of a sparse graph under node penalties π,
// reusing its buffers so the ascent allocates nothing per iteration.
//
// The 1-tree is LKH's variant: a minimum spanning tree of all nodes plus, at a
// leaf s, the cheapest edge (s, q) other than its tree edge. Removing a leaf
// from a minimum spanning tree leaves one of the other nodes, so this is the
// minimum 1-tree with special node s; s is the leaf whose second edge costs
// most, which gives the largest such bound.
type oneTree struct {
	g    *graph
	node []primNode
	heap []heapItem // binary min-heap by key, then node
	deg  []int32    // degree in the 1-tree

	special, second int32   // s and q
	w               float64 // W(π) = cost of the 1-tree − 2Σπ
}

// primNode keeps together what Prim's inner loop reads about a neighbour, so
// that one cache line serves it.
type primNode struct {
	key    float64 // cheapest known edge into the tree
	pi     float64
	pos    int32 // heap position, unseen or inTree
	parent int32 // tree parent, -1 at the root
}

type heapItem struct {
	key float64
	v   int32
}

func (a heapItem) less(b heapItem) bool { return a.key < b.key || (a.key == b.key && a.v < b.v) }

func newOneTree(g *graph) *oneTree {
	return &oneTree{g: g, node: make([]primNode, g.n), heap: make([]heapItem, 0, g.n), deg: make([]int32, g.n)}
}

// compute builds the minimum 1-tree for penalties pi and sets w and deg.
// Prim's algorithm with a binary heap: O(m log n) on m edges.
func (t *oneTree) compute(pi []float64, pl *poller) error {
	g := t.g
	nodes := t.node
	for i := range nodes {
		nodes[i] = primNode{key: math.Inf(1), pi: pi[i], pos: unseen}
		t.deg[i] = 0
	}
	t.heap = t.heap[:0]
	nodes[0].parent = -1
	nodes[0].key = 0
	t.push(0, 0)
	var cost float64
	for len(t.heap) > 0 {
		u := t.pop()
		nu := &nodes[u]
		nu.pos = inTree
		cost += nu.key
		pu := nu.pi
		lo, hi := g.row(u)
		if err := pl.tick(int(hi - lo)); err != nil {
			return err
		}
		for s := lo; s < hi; s++ {
			v := g.adj[s]
			nv := &nodes[v]
			if nv.pos == inTree {
				continue
			}
			if c := penalised(g.d[s], pu, nv.pi); c < nv.key {
				nv.key = c
				nv.parent = u
				if nv.pos == unseen {
					t.push(v, c)
				} else {
					t.heap[nv.pos].key = c
					t.up(nv.pos)
				}
			}
		}
	}
	for v := range nodes {
		if v != 0 {
			t.deg[v]++
			t.deg[nodes[v].parent]++
		}
	}
	// The special leaf: the one whose second-cheapest edge is dearest.
	best := math.Inf(-1)
	t.special, t.second = -1, -1
	for v := range t.deg {
		if t.deg[v] != 1 {
			continue
		}
		if err := pl.tick(8); err != nil {
			return err
		}
		treeNb := nodes[v].parent
		if v == 0 {
			treeNb = t.onlyChild(0)
		}
		lo, hi := g.row(int32(v))
		c2, q := math.Inf(1), int32(-1)
		for s := lo; s < hi; s++ {
			j := g.adj[s]
			if j == treeNb {
				continue
			}
			if c := penalised(g.d[s], pi[v], pi[j]); c < c2 {
				c2, q = c, j
			}
		}
		if q >= 0 && c2 > best {
			best, t.special, t.second = c2, int32(v), q
		}
	}
	var sumPi float64
	for _, p := range pi {
		sumPi += p
	}
	t.deg[t.special]++
	t.deg[t.second]++
	t.w = cost + best - 2*sumPi
	return nil
}

// onlyChild is the tree neighbour of a root that is a leaf.
func (t *oneTree) onlyChild(root int32) int32 {
	lo, hi := t.g.row(root)
	for s := lo; s < hi; s++ {
		if j := t.g.adj[s]; t.node[j].parent == root {
			return j
		}
	}
	return -1
}

func (t *oneTree) push(v int32, key float64) {
	t.heap = append(t.heap, heapItem{key, v})
	t.up(int32(len(t.heap) - 1))
}

func (t *oneTree) up(i int32) {
	h := t.heap
	it := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !it.less(h[p]) {
			break
		}
		h[i] = h[p]
		t.node[h[i].v].pos = i
		i = p
	}
	h[i] = it
	t.node[it.v].pos = i
}

func (t *oneTree) pop() int32 {
	h := t.heap
	top := h[0].v
	last := h[len(h)-1]
	h = h[:len(h)-1]
	t.heap = h
	if len(h) == 0 {
		return top
	}
	i, m := int32(0), int32(len(h))
	for {
		c := 2*i + 1
		if c >= m {
			break
		}
		if c+1 < m && h[c+1].less(h[c]) {
			c++
		}
		if !h[c].less(last) {
			break
		}
		h[i] = h[c]
		t.node[h[i].v].pos = i
		i = c
	}
	h[i] = last
	t.node[last.v].pos = i
	return top
}

// ascentSchedule holds the parameters of the subgradient ascent.
type ascentSchedule struct {
	initialPeriod int
	maxIterations int // 0 = until the schedule ends
	// certify recomputes the minimum 1-tree at pi over the complete graph,
	// adds to the sparse graph the edges it lacked, and returns the exact W
	// and whether it beats every W certified before (starting with π = 0's).
	certify func(pi []float64) (w float64, better bool, err error)
}

// ascentResult is what the ascent found.
type ascentResult struct {
	pi         []float64 // the penalties of the best W
	w          float64   // the best W(π), certified
	iterations int       // 1-trees computed after the first
}

// ascent maximises W(π) by subgradient optimisation as Helsgaun (2000, §4.1)
// describes it for LKH: π moves along 0.7·v + 0.3·v_prev, v = degree − 2;
// the step is constant within a period; the first period doubles the step
// while W improves; every period halves both step and period, and a period
// whose last iteration still improves W is doubled (up to the initial
// period). It stops when the period, the step or v becomes zero, or at the
// cap; LKH's integral step becomes zero a hundredth below its start, and so
// does ours.
//
// A sparse graph can flatter W: a 1-tree that cannot use a cheap missing
// edge is dearer than the true minimum, and the ascent, which maximises W,
// drifts towards such π. So the best π is certified at the end of every
// period and of the ascent: its 1-tree is recomputed over the complete graph,
// the missing edges join the sparse graph, and the best W becomes the exact
// value, or, if that is below an earlier certified W, the best π goes back to
// that one. The first 1-tree, at π = 0, is exact already: the graph holds the
// minimum spanning tree and every node's two nearest neighbours.
func ascent(t *oneTree, sched ascentSchedule, pl *poller) (ascentResult, error) {
	n := t.g.n
	pi := make([]float64, n)
	best := ascentResult{pi: make([]float64, n)}
	lastV := make([]int32, n)
	if err := t.compute(pi, pl); err != nil {
		return best, err
	}
	best.w = t.w
	stop := false
	certPi, certW := make([]float64, n), t.w
	uncertified := false
	certify := func() error {
		if !uncertified {
			return nil
		}
		uncertified = false
		w, better, err := sched.certify(best.pi)
		if err != nil {
			return err
		}
		if better {
			copy(certPi, best.pi)
			certW = w
		} else {
			copy(best.pi, certPi)
		}
		best.w = certW
		return nil
	}
	// The first step is a hundredth of the mean 1-tree edge: small enough that
	// doubling, not halving, finds the working scale, and independent of the
	// instance's units.
	step := math.Abs(t.w) / float64(n) / 100
	if step == 0 {
		step = 1
	}
	minStep := step / 100
	period := sched.initialPeriod
	initial := true
	capped := func() bool { return sched.maxIterations > 0 && best.iterations >= sched.maxIterations }
	for ; period > 0 && step >= minStep && !stop && !capped(); period, step = period/2, step/2 {
		for p := 1; p <= period && !capped(); p++ {
			moved := false
			for i, d := range t.deg {
				v := d - 2
				moved = moved || v != 0
				if v != 0 || lastV[i] != 0 {
					// The conversions forbid fused multiply-adds, which some
					// platforms would use and others not: results must not
					// depend on the machine.
					dir := float64(0.7*float64(v)) + float64(0.3*float64(lastV[i]))
					pi[i] += float64(step * dir)
				}
				lastV[i] = v
			}
			if !moved {
				// The last 1-tree is a tour: no step can raise W any more.
				stop = true
				break
			}
			if err := t.compute(pi, pl); err != nil {
				return best, err
			}
			best.iterations++
			if t.w > best.w {
				best.w = t.w
				copy(best.pi, pi)
				uncertified = true
				if initial {
					step *= 2
				}
				if p == period {
					period = min(2*period, sched.initialPeriod)
				}
			} else if initial && p > period/2 {
				// Doubling overshot: settle on a slightly smaller step and
				// start the period afresh.
				initial = false
				p = 0
				step *= 0.75
			}
		}
		if err := certify(); err != nil {
			return best, err
		}
	}
	return best, certify()
}
