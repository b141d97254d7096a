package heatmap

import (
	"math"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// exactTree is a minimum 1-tree of the complete graph under penalties π,
// which is what makes its W(π) a lower bound on every tour: a tour is a
// 1-tree, and the penalties add 2Σπ to every tour alike.
type exactTree struct {
	parent          []int32 // the spanning tree, rooted at node 0 (parent −1)
	special, second int32   // the 1-tree's extra edge (s, q) at leaf s
	leafEdges       []edge  // every leaf's extra edge, had it been special
	w               float64 // W(π), summed with compensation
	magnitude       float64 // Σ|terms| of that sum, the scale of its rounding
}

// exactOneTree finds the minimum 1-tree of the complete graph. Planar metrics
// use Borůvka's algorithm with a spatial tree: the cheapest edge leaving each
// component is first sought among the sparse graph's edges, and that cost then
// prunes a search over all nodes, so the result is exact while the work stays
// near the sparse graph's. Other metrics (GEO, MAN_2D, MAX_2D, EXPLICIT) have
// no such geometry and use Prim's algorithm on the complete graph, O(n²) time
// and O(n) memory, as their k-nearest lists already cost.
func exactOneTree(p *instances.TSP, g *graph, reach, pi []float64, pl *poller) (*exactTree, error) {
	var t *exactTree
	var err error
	if p.Planar() {
		t, err = boruvkaOneTree(p, g, reach, pi, pl)
	} else {
		t, err = denseOneTree(p, pi, pl)
	}
	if err != nil {
		return nil, err
	}
	var w, mag neumaier
	for v, u := range t.parent {
		if u >= 0 {
			c := penalised(p.Dist(v, int(u)), pi[v], pi[u])
			w.add(c)
			mag.add(math.Abs(c))
		}
	}
	c := penalised(p.Dist(int(t.special), int(t.second)), pi[t.special], pi[t.second])
	w.add(c)
	mag.add(math.Abs(c))
	for _, x := range pi {
		w.add(-2 * x)
		mag.add(2 * math.Abs(x))
	}
	t.w, t.magnitude = w.value(), mag.value()
	return t, nil
}

// bestEdge is a candidate edge; edges compare by cost, then by their end nodes
// (smaller first), a total order, which Borůvka's algorithm needs to never
// close a cycle when costs tie.
type bestEdge struct {
	cost float64
	u, v int32
}

func (a bestEdge) less(b bestEdge) bool {
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	a1, a2 := min(a.u, a.v), max(a.u, a.v)
	b1, b2 := min(b.u, b.v), max(b.u, b.v)
	return a1 < b1 || (a1 == b1 && a2 < b2)
}

var noEdge = bestEdge{cost: math.Inf(1), u: -1, v: -1}

// offer puts e into best, a list sorted by less, if it beats the last entry
// and is not in the list already (a search finds the edges it was seeded with).
func offer(best []bestEdge, e bestEdge) {
	k := len(best) - 1
	if !e.less(best[k]) {
		return
	}
	for _, b := range best {
		if !b.less(e) && !e.less(b) {
			return
		}
	}
	for k > 0 && e.less(best[k-1]) {
		best[k] = best[k-1]
		k--
	}
	best[k] = e
}

// leafSize is how many consecutive nodes a leaf of the spatial tree holds.
const leafSize = 8

// spatialTree is a complete binary tree over runs of leafSize consecutive
// nodes, each tree node holding the bounding box of its nodes and their
// smallest penalty. On nodes in Hilbert order the boxes are compact (a packed
// Hilbert R-tree), with no partitioning step to build.
type spatialTree struct {
	p                      *instances.TSP
	leaves                 int // a power of two; tree node 1 is the root, leaf b is leaves+b
	minX, maxX, minY, maxY []float64
	minPi                  []float64
	comp                   []int32 // the one component of all the node's points, or mixed
	stack                  []queryItem
}

// Marks in spatialTree.comp besides a component.
const (
	mixed int32 = -1
	empty int32 = -2
)

type queryItem struct {
	node int32
	lb   float64
}

func newSpatialTree(p *instances.TSP, pi []float64) *spatialTree {
	n := p.N()
	leaves := 1
	for leaves*leafSize < n {
		leaves *= 2
	}
	t := &spatialTree{
		p: p, leaves: leaves,
		minX: make([]float64, 2*leaves), maxX: make([]float64, 2*leaves),
		minY: make([]float64, 2*leaves), maxY: make([]float64, 2*leaves),
		minPi: make([]float64, 2*leaves), comp: make([]int32, 2*leaves),
	}
	for b := 0; b < leaves; b++ {
		k := leaves + b
		t.minX[k], t.minY[k], t.minPi[k] = math.Inf(1), math.Inf(1), math.Inf(1)
		t.maxX[k], t.maxY[k] = math.Inf(-1), math.Inf(-1)
		for v := b * leafSize; v < min(n, (b+1)*leafSize); v++ {
			t.minX[k], t.maxX[k] = math.Min(t.minX[k], p.X[v]), math.Max(t.maxX[k], p.X[v])
			t.minY[k], t.maxY[k] = math.Min(t.minY[k], p.Y[v]), math.Max(t.maxY[k], p.Y[v])
			t.minPi[k] = math.Min(t.minPi[k], pi[v])
		}
	}
	for k := leaves - 1; k >= 1; k-- {
		l, r := 2*k, 2*k+1
		t.minX[k], t.maxX[k] = math.Min(t.minX[l], t.minX[r]), math.Max(t.maxX[l], t.maxX[r])
		t.minY[k], t.maxY[k] = math.Min(t.minY[l], t.minY[r]), math.Max(t.maxY[l], t.maxY[r])
		t.minPi[k] = math.Min(t.minPi[l], t.minPi[r])
	}
	return t
}

// setComponents records, per tree node, the component all its points share.
func (t *spatialTree) setComponents(comp []int32) {
	n := len(comp)
	for b := 0; b < t.leaves; b++ {
		c := empty
		for v := b * leafSize; v < min(n, (b+1)*leafSize); v++ {
			if c == empty {
				c = comp[v]
			} else if c != comp[v] {
				c = mixed
			}
		}
		t.comp[t.leaves+b] = c
	}
	for k := t.leaves - 1; k >= 1; k-- {
		l, r := t.comp[2*k], t.comp[2*k+1]
		switch {
		case l == empty:
			t.comp[k] = r
		case r == empty || l == r:
			t.comp[k] = l
		default:
			t.comp[k] = mixed
		}
	}
}

// lowerBound is a cost no edge from u into tree node k can undercut: the
// metric is a non-decreasing function of the squared Euclidean distance, and
// floating-point subtraction, squaring and addition are monotone, so the
// box's distance rounds to at most any of its points' distance.
func (t *spatialTree) lowerBound(u int32, piU float64, k int32) float64 {
	x, y := t.p.X[u], t.p.Y[u]
	var dx, dy float64
	if x < t.minX[k] {
		dx = t.minX[k] - x
	} else if x > t.maxX[k] {
		dx = x - t.maxX[k]
	}
	if y < t.minY[k] {
		dy = t.minY[k] - y
	} else if y > t.maxY[k] {
		dy = y - t.maxY[k]
	}
	// No fused multiply-add: it would round differently from the distance.
	return penalised(metricOfSquare(t.p.Metric, float64(dx*dx)+float64(dy*dy)), piU, t.minPi[k])
}

// metricOfSquare is the planar metric as a function of the squared Euclidean
// distance s, the formulas of instances.TSP.Dist; each is non-decreasing in s.
func metricOfSquare(m instances.Metric, s float64) float64 {
	switch m {
	case instances.Euc2D:
		return math.Floor(math.Sqrt(s) + 0.5)
	case instances.Ceil2D:
		return math.Ceil(math.Sqrt(s))
	case instances.Att:
		r := math.Sqrt(s / 10)
		if t := math.Floor(r + 0.5); t >= r {
			return t
		} else {
			return t + 1
		}
	}
	return math.Sqrt(s)
}

// outside is a cost no edge from u to a node outside u's row of g can
// undercut: such a node is farther than u's k-th nearest neighbour, at
// distance reach[u]. When the edges already known beat it, there is nothing to
// search for.
func outside(reach, pi []float64, piMin float64, u int32) float64 {
	return penalised(reach[u], pi[u], piMin)
}

// nearest improves best (sorted, length 1 or 2) with the cheapest edges from
// u to nodes outside u's component (comp nil: to any node but u), exploring
// only tree nodes whose lower bound does not exceed the current last entry.
func (t *spatialTree) nearest(u int32, pi []float64, comp []int32, best []bestEdge) {
	cu := mixed
	if comp != nil {
		cu = comp[u]
	}
	piU := pi[u]
	n := int32(len(pi))
	last := len(best) - 1
	stack := append(t.stack[:0], queryItem{node: 1, lb: math.Inf(-1)})
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.lb > best[last].cost {
			continue
		}
		k := it.node
		if int(k) >= t.leaves {
			lo := (k - int32(t.leaves)) * leafSize
			for v := lo; v < min(n, lo+leafSize); v++ {
				if v == u || (comp != nil && comp[v] == cu) {
					continue
				}
				c := penalised(t.p.Dist(int(u), int(v)), piU, pi[v])
				if c <= best[last].cost {
					offer(best, bestEdge{c, u, v})
				}
			}
			continue
		}
		l, r := 2*k, 2*k+1
		var lbL, lbR = math.Inf(1), math.Inf(1)
		if c := t.comp[l]; c != empty && (cu == mixed || c != cu) {
			lbL = t.lowerBound(u, piU, l)
		}
		if c := t.comp[r]; c != empty && (cu == mixed || c != cu) {
			lbR = t.lowerBound(u, piU, r)
		}
		// The nearer child goes on top, to be searched first.
		if lbL < lbR {
			l, r, lbL, lbR = r, l, lbR, lbL
		}
		if lbL <= best[last].cost {
			stack = append(stack, queryItem{l, lbL})
		}
		if lbR <= best[last].cost {
			stack = append(stack, queryItem{r, lbR})
		}
	}
	t.stack = stack
}

// boruvkaOneTree is exactOneTree for planar metrics.
func boruvkaOneTree(p *instances.TSP, g *graph, reach, pi []float64, pl *poller) (*exactTree, error) {
	n := p.N()
	piMin := slices.Min(pi)
	st := newSpatialTree(p, pi)
	dsu := make([]int32, n)
	for i := range dsu {
		dsu[i] = int32(i)
	}
	find := func(x int32) int32 {
		r := x
		for dsu[r] != r {
			r = dsu[r]
		}
		for dsu[x] != r {
			dsu[x], x = r, dsu[x]
		}
		return r
	}
	comp := make([]int32, n)
	best := make([]bestEdge, n)
	edges := make([]edge, 0, n-1)
	for len(edges) < n-1 {
		for i := range comp {
			if err := pl.tick(4); err != nil {
				return nil, err
			}
			comp[i] = find(int32(i))
			best[i] = noEdge
		}
		st.setComponents(comp)
		// The sparse graph's edges give each component a good first bound...
		for u := int32(0); u < int32(n); u++ {
			cu := comp[u]
			lo, hi := g.row(u)
			if err := pl.tick(int(hi - lo)); err != nil {
				return nil, err
			}
			for s := lo; s < hi; s++ {
				if v := g.adj[s]; comp[v] != cu {
					if e := (bestEdge{penalised(g.d[s], pi[u], pi[v]), u, v}); e.less(best[cu]) {
						best[cu] = e
					}
				}
			}
		}
		// ...which the search over all nodes then only has to confirm.
		for u := int32(0); u < int32(n); u++ {
			if err := pl.tick(64); err != nil {
				return nil, err
			}
			cu := comp[u]
			if outside(reach, pi, piMin, u) <= best[cu].cost {
				st.nearest(u, pi, comp, best[cu:cu+1])
			}
		}
		for r := int32(0); r < int32(n); r++ {
			if comp[r] != r || best[r].u < 0 {
				continue
			}
			e := best[r]
			a, b := find(e.u), find(e.v)
			if a != b {
				dsu[a] = b
				edges = append(edges, edge{e.u, e.v})
			}
		}
	}
	parent := rootTree(n, edges)
	// The special leaf: the largest second-cheapest edge over all nodes. For a
	// leaf, other holds its one tree neighbour.
	deg := make([]int32, n)
	other := make([]int32, n)
	for _, e := range edges {
		deg[e.u]++
		deg[e.v]++
		other[e.u], other[e.v] = e.v, e.u
	}
	t := &exactTree{parent: parent, special: -1}
	top := make([]bestEdge, 2)
	bestC2 := math.Inf(-1)
	for s := int32(0); s < int32(n); s++ {
		if deg[s] != 1 {
			continue
		}
		if err := pl.tick(64); err != nil {
			return nil, err
		}
		top[0], top[1] = noEdge, noEdge
		lo, hi := g.row(s)
		for k := lo; k < hi; k++ {
			offer(top, bestEdge{penalised(g.d[k], pi[s], pi[g.adj[k]]), s, g.adj[k]})
		}
		if outside(reach, pi, piMin, s) <= top[1].cost {
			st.nearest(s, pi, nil, top)
		}
		// A leaf's tree edge is its cheapest, so of the two cheapest the one
		// that is not the tree edge is the extra edge (equal costs aside).
		q := top[1].v
		if q == other[s] {
			q = top[0].v
		}
		t.leafEdges = append(t.leafEdges, edge{s, q})
		if top[1].cost > bestC2 {
			bestC2, t.special, t.second = top[1].cost, s, q
		}
	}
	return t, nil
}

// rootTree turns the edges of a spanning tree into parent links from node 0.
func rootTree(n int, edges []edge) []int32 {
	start := make([]int32, n+1)
	for _, e := range edges {
		start[e.u+1]++
		start[e.v+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	adj := make([]int32, 2*len(edges))
	fill := append([]int32(nil), start[:n]...)
	for _, e := range edges {
		adj[fill[e.u]] = e.v
		fill[e.u]++
		adj[fill[e.v]] = e.u
		fill[e.v]++
	}
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = -2
	}
	parent[0] = -1
	queue := fill[:0] // reused: every node is queued once
	queue = append(queue, 0)
	for h := 0; h < len(queue); h++ {
		u := queue[h]
		for _, v := range adj[start[u]:start[u+1]] {
			if parent[v] == -2 {
				parent[v] = u
				queue = append(queue, v)
			}
		}
	}
	return parent
}

// denseOneTree is exactOneTree for metrics without planar geometry: Prim's
// algorithm over all pairs, then each leaf's second-cheapest edge by a scan.
func denseOneTree(p *instances.TSP, pi []float64, pl *poller) (*exactTree, error) {
	n := p.N()
	key := make([]float64, n)
	parent := make([]int32, n)
	done := make([]bool, n)
	for i := range key {
		key[i] = math.Inf(1)
	}
	key[0], parent[0] = 0, -1
	for range n {
		if err := pl.tick(n); err != nil {
			return nil, err
		}
		u := -1
		for v := range key {
			if !done[v] && (u < 0 || key[v] < key[u]) {
				u = v
			}
		}
		done[u] = true
		for v := range key {
			if !done[v] {
				if c := penalised(p.Dist(u, v), pi[u], pi[v]); c < key[v] {
					key[v], parent[v] = c, int32(u)
				}
			}
		}
	}
	deg := make([]int32, n)
	for v, u := range parent {
		if u >= 0 {
			deg[v]++
			deg[u]++
		}
	}
	t := &exactTree{parent: parent, special: -1}
	bestC2 := math.Inf(-1)
	for s := range n {
		if deg[s] != 1 {
			continue
		}
		if err := pl.tick(n); err != nil {
			return nil, err
		}
		tn := parent[s]
		if tn < 0 {
			for v, u := range parent {
				if u == int32(s) {
					tn = int32(v)
				}
			}
		}
		c2, q := math.Inf(1), int32(-1)
		for v := range n {
			if v != s && int32(v) != tn {
				if c := penalised(p.Dist(s, v), pi[s], pi[v]); c < c2 {
					c2, q = c, int32(v)
				}
			}
		}
		t.leafEdges = append(t.leafEdges, edge{int32(s), q})
		if c2 > bestC2 {
			bestC2, t.special, t.second = c2, int32(s), q
		}
	}
	return t, nil
}
