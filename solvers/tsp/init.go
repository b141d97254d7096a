package tsp

import (
	"math"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/internal/hugemem"
	"github.com/cosolve/cosolve/mcts"
)

// greedyTour is the greedy-edge construction on the neighbour graph: shortest
// candidate edges first, keeping degrees ≤ 2 and no cycles; the resulting
// paths are then chained, each to the nearest free end of another, O(n·k·log)
// plus the chaining of the F fragments (a few percent of n): a grid search
// on a planar metric, O(F²) otherwise. A budget that runs out while the edges
// are collected, sorted or linked gives nil (at n = 10^6 the construction
// takes seconds, which a deadline must not wait for).
func greedyTour(s *searcher, nb *heatmap.Neighbors) []int32 {
	n := int(s.n)
	stopped := func() bool { return s.budget != nil && !s.budget.Poll() }
	// Each candidate edge is collected once, from its lower end: at most
	// len(nb.Adj) of them.
	edgeSpace, releaseEdges := hugemem.Make[edge](len(nb.Adj))
	defer releaseEdges()
	sortSpace, releaseSort := hugemem.Make[edge](len(nb.Adj))
	defer releaseSort()
	edges := edgeSpace[:0]
	for i := 0; i < n; i++ {
		if stopped() {
			return nil
		}
		for _, j := range nb.Of(i) {
			if int32(i) < j {
				edges = append(edges, edge{s.d(int32(i), j), int32(i), j})
			}
		}
	}
	edges, ok := sortEdges(edges, sortSpace[:len(edges)], stopped)
	if !ok {
		return nil
	}
	adj := make([][2]int32, n)
	deg := make([]int8, n)
	uf := make([]int32, n)
	for i := range uf {
		uf[i] = int32(i)
		adj[i] = [2]int32{-1, -1}
	}
	find := func(x int32) int32 {
		for uf[x] != x {
			uf[x] = uf[uf[x]]
			x = uf[x]
		}
		return x
	}
	link := func(i, j int32) {
		adj[i][deg[i]] = j
		deg[i]++
		adj[j][deg[j]] = i
		deg[j]++
		uf[find(i)] = find(j)
	}
	for k, e := range edges {
		if k%64 == 0 && stopped() {
			return nil
		}
		if deg[e.i] < 2 && deg[e.j] < 2 && find(e.i) != find(e.j) {
			link(e.i, e.j)
		}
	}
	// Fragment ends: nodes of degree < 2 (isolated nodes are both ends).
	var ends []int32
	for i := 0; i < n; i++ {
		if deg[i] < 2 {
			ends = append(ends, int32(i))
		}
	}
	if len(ends) > 0 {
		alive := make([]bool, n)
		for _, e := range ends {
			alive[e] = true
		}
		// Walk to the other end of the fragment that starts at e.
		other := func(e int32) int32 {
			if deg[e] == 0 {
				return e
			}
			prev, cur := e, adj[e][0]
			for deg[cur] == 2 {
				nx := adj[cur][0]
				if nx == prev {
					nx = adj[cur][1]
				}
				prev, cur = cur, nx
			}
			return cur
		}
		start := ends[0]
		cur := other(start)
		alive[start], alive[cur] = false, false
		remaining := len(ends) - 1
		if start != cur {
			remaining--
		}
		// The nearest live end by a scan of all ends is quadratic in their
		// number (about 6 % of n: 13 s at n = 10^6), so on a planar metric a
		// grid finds the nearest in the plane (EUC_2D's rounding aside);
		// once the budget is out any live end will do.
		var grid *endGrid
		if s.inst.Planar() {
			grid = newEndGrid(s.inst.X, s.inst.Y, ends)
		}
		cursor := 0
		for remaining > 0 {
			best, bd := int32(-1), math.Inf(1)
			switch {
			case stopped():
				// Any live end, in list order: ends only die, so a cursor
				// finds the next one in amortised constant time.
				for !alive[ends[cursor]] {
					cursor++
				}
				best = ends[cursor]
			case grid != nil:
				best = grid.nearest(cur, alive)
			default:
				for _, e := range ends {
					if alive[e] {
						if d := s.d(cur, e); d < bd {
							best, bd = e, d
						}
					}
				}
			}
			o := other(best)
			link(cur, best)
			alive[best], alive[o] = false, false
			remaining--
			if o != best {
				remaining--
			}
			cur = o
		}
		adj[cur][deg[cur]] = start
		deg[cur]++
		adj[start][deg[start]] = cur
		deg[start]++
	}
	order := make([]int32, 0, n)
	prev, v := int32(-1), int32(0)
	for len(order) < n {
		order = append(order, v)
		nx := adj[v][0]
		if nx == prev {
			nx = adj[v][1]
		}
		prev, v = v, nx
	}
	return order
}

// edge is a candidate edge of the greedy construction.
type edge struct {
	d    float64
	i, j int32
}

// sortEdges orders edges by length, ties in the order given (greedyTour
// collects them by i, then j): a stable LSD radix sort, 16 bits a pass, on
// the lengths' bits mapped so that their unsigned order is the floats' order,
// through buf (as long as edges); the result is one of the two. At n = 10^6
// (3·10^6 edges) it takes a tenth of a comparison sort's 1.1 s, and it looks
// at stopped between passes; false means it stopped.
func sortEdges(edges, buf []edge, stopped func() bool) ([]edge, bool) {
	if len(edges) < 2 {
		return edges, true
	}
	key := func(d float64) uint64 {
		b := math.Float64bits(d)
		return b ^ (uint64(int64(b)>>63) | 1<<63)
	}
	count := make([]int, 1<<16)
	for shift := 0; shift < 64; shift += 16 {
		if stopped() {
			return nil, false
		}
		clear(count)
		for k, e := range edges {
			// A pass over 10^7 edges takes tens of milliseconds.
			if k&(1<<16-1) == 0 && stopped() {
				return nil, false
			}
			count[key(e.d)>>shift&0xffff]++
		}
		if count[key(edges[0].d)>>shift&0xffff] == len(edges) {
			continue // one digit value: the pass would move nothing
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for _, e := range edges {
			k := key(e.d) >> shift & 0xffff
			buf[count[k]] = e
			count[k]++
		}
		edges, buf = buf, edges
	}
	return edges, true
}

// endGrid buckets the fragment ends of the greedy construction by position,
// about two per cell, so the nearest live end is found by searching rings of
// cells outwards from the current one. Dead ends are dropped from their cell
// when a search meets them.
type endGrid struct {
	xs, ys       []float64
	minX, minY   float64
	inv, side    float64 // cells per unit of length, cell side
	cells        int     // per row
	start, count []int32 // cell c holds items[start[c] : start[c]+count[c]]
	items        []int32
}

func newEndGrid(xs, ys []float64, ends []int32) *endGrid {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, e := range ends {
		minX, maxX = min(minX, xs[e]), max(maxX, xs[e])
		minY, maxY = min(minY, ys[e]), max(maxY, ys[e])
	}
	cells := max(1, int(math.Sqrt(float64(len(ends))/2)))
	width := max(maxX-minX, maxY-minY)
	if !(width > 0) {
		width = 1
	}
	g := &endGrid{
		xs: xs, ys: ys, minX: minX, minY: minY,
		inv: float64(cells) / width, side: width / float64(cells), cells: cells,
		start: make([]int32, cells*cells+1), count: make([]int32, cells*cells), items: make([]int32, len(ends)),
	}
	for _, e := range ends {
		g.count[g.cellOf(e)]++
	}
	for c := range g.count {
		g.start[c+1] = g.start[c] + g.count[c]
		g.count[c] = 0
	}
	for _, e := range ends {
		c := g.cellOf(e)
		g.items[g.start[c]+g.count[c]] = e
		g.count[c]++
	}
	return g
}

func (g *endGrid) coord(v float64, lo float64) int {
	return min(max(int((v-lo)*g.inv), 0), g.cells-1)
}

func (g *endGrid) cellOf(v int32) int {
	return g.coord(g.ys[v], g.minY)*g.cells + g.coord(g.xs[v], g.minX)
}

// nearest is the live end nearest to v in the plane, −1 when none is left.
func (g *endGrid) nearest(v int32, alive []bool) int32 {
	cx, cy := g.coord(g.xs[v], g.minX), g.coord(g.ys[v], g.minY)
	best, bd := int32(-1), math.Inf(1) // bd: squared distance
	scan := func(x, y int) {
		if x < 0 || y < 0 || x >= g.cells || y >= g.cells {
			return
		}
		c := y*g.cells + x
		items := g.items[g.start[c]:]
		for k := int32(0); k < g.count[c]; {
			e := items[k]
			if !alive[e] {
				g.count[c]--
				items[k] = items[g.count[c]]
				continue
			}
			dx, dy := g.xs[e]-g.xs[v], g.ys[e]-g.ys[v]
			if d := dx*dx + dy*dy; d < bd || d == bd && e < best {
				best, bd = e, d
			}
			k++
		}
	}
	for r := 0; r <= g.cells; r++ {
		// Every point of ring r is at least (r−1) cell sides from v.
		if reach := float64(r-1) * g.side; best >= 0 && reach > 0 && reach*reach > bd {
			break
		}
		if r == 0 {
			scan(cx, cy)
			continue
		}
		for x := cx - r; x <= cx+r; x++ {
			scan(x, cy-r)
			scan(x, cy+r)
		}
		for y := cy - r + 1; y < cy+r; y++ {
			scan(cx-r, y)
			scan(cx+r, y)
		}
	}
	return best
}

// weightedTour is Fu et al.'s Generate_Initial_Solution: start at node 0 and
// repeatedly move to an unvisited node with probability ∝ E^W[cur][j] over all
// unvisited nodes. Arcs outside the candidate graph count with W = 0 (their
// prior is below 1e-4, so 100·H < 0.01 in the reference as well). O(n²).
func weightedTour(s *searcher, order []int32) []int32 {
	n := int(s.n)
	st := s.stats
	unvisited := make([]int32, 0, n)
	for i := 1; i < n; i++ {
		unvisited = append(unvisited, int32(i))
	}
	slot := make([]int32, n) // index in unvisited, −1 once visited
	for i := range slot {
		slot[i] = int32(i - 1)
	}
	wOf := make([]float64, n)
	weights := make([]float64, 0, n)
	thr := make([]int32, n)
	order = append(order[:0], 0)
	cur := int32(0)
	lnE := math.Log(st.E)
	for len(unvisited) > 0 {
		if !s.budget.Poll() {
			// Out of time: any valid tour will do.
			return append(order, unvisited...)
		}
		maxW := 0.0
		for a := st.Start[cur]; a < st.Start[cur+1]; a++ {
			j := st.Adj[a]
			if slot[j] >= 0 {
				wOf[j] = st.W[a]
				maxW = math.Max(maxW, st.W[a])
			}
		}
		weights = weights[:0]
		base := math.Exp(-lnE * maxW)
		for range unvisited {
			weights = append(weights, base)
		}
		for a := st.Start[cur]; a < st.Start[cur+1]; a++ {
			j := st.Adj[a]
			if slot[j] >= 0 {
				weights[slot[j]] = math.Exp(lnE * (wOf[j] - maxW))
			}
		}
		var k int
		if s.discretised {
			k = mcts.SampleDiscrete1000(s.rng, weights, thr)
		} else {
			k = mcts.SampleProportional(s.rng, weights)
		}
		if k < 0 {
			k = 0
		}
		next := unvisited[k]
		// Keep the unvisited list in node order, as the reference scans it.
		copy(unvisited[k:], unvisited[k+1:])
		unvisited = unvisited[:len(unvisited)-1]
		for i := k; i < len(unvisited); i++ {
			slot[unvisited[i]] = int32(i)
		}
		slot[next] = -1
		order = append(order, next)
		cur = next
	}
	return order
}

// bruteForce returns an optimal order for tiny instances (n ≤ 9) by fixing
// node 0 and trying every permutation of the rest.
func bruteForce(s *searcher) []int32 {
	n := int(s.n)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	best := append([]int32(nil), perm...)
	bestLen := math.Inf(1)
	var rec func(k int, l float64)
	rec = func(k int, l float64) {
		if l >= bestLen {
			return
		}
		if k == n {
			if t := l + s.d(perm[n-1], perm[0]); t < bestLen-eps {
				bestLen = t
				copy(best, perm)
			}
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k+1, l+s.d(perm[k-1], perm[k]))
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(1, 0)
	return best
}
