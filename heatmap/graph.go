package heatmap

import (
	"math"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// graph is a sparse symmetric graph in CSR form: every undirected edge is
// stored in both rows, each row sorted by neighbour, with the edge's distance
// beside it. It is what the ascent computes 1-trees on and what α is computed
// for.
type graph struct {
	n     int
	start []int32
	adj   []int32
	d     []float64
}

func (g *graph) row(i int32) (lo, hi int32) { return g.start[i], g.start[i+1] }

// slot returns the position of edge (i, j) in row i, or -1.
func (g *graph) slot(i, j int32) int32 {
	lo, hi := g.row(i)
	k, ok := slices.BinarySearch(g.adj[lo:hi], j)
	if !ok {
		return -1
	}
	return lo + int32(k)
}

// owner returns the row a slot belongs to.
func (g *graph) owner(s int32) int32 {
	// The last row starting at or before s; empty rows share a start.
	i, _ := slices.BinarySearch(g.start, s+1)
	return int32(i - 1)
}

// edge is an undirected edge given by its end nodes.
type edge struct{ u, v int32 }

// buildGraph returns the symmetric graph on p's nodes holding, for every node
// i, the edges from i to the nodes rowOf emits, and the extra edges
// (duplicates and both orientations allowed). rowOf is called twice per node.
func buildGraph(p *instances.TSP, rowOf func(i int32, emit func(j int32)), extra []edge, pl *poller) (*graph, error) {
	n := p.N()
	start := make([]int32, n+2)
	var from int32
	countFrom := func(j int32) {
		start[from+2]++
		start[j+2]++
	}
	for from = 0; from < int32(n); from++ {
		if err := pl.tick(8); err != nil {
			return nil, err
		}
		rowOf(from, countFrom)
	}
	for _, e := range extra {
		start[e.u+2]++
		start[e.v+2]++
	}
	for i := 2; i < len(start); i++ {
		start[i] += start[i-1]
	}
	// start[i+1] is now where row i begins; filling advances it to where row
	// i ends, which is where row i+1 begins.
	adj := make([]int32, start[n+1])
	put := func(u, v int32) {
		adj[start[u+1]] = v
		start[u+1]++
		adj[start[v+1]] = u
		start[v+1]++
	}
	putFrom := func(j int32) { put(from, j) }
	for from = 0; from < int32(n); from++ {
		if err := pl.tick(8); err != nil {
			return nil, err
		}
		rowOf(from, putFrom)
	}
	for _, e := range extra {
		put(e.u, e.v)
	}
	start = start[:n+1]
	// Sort each row and drop duplicates (mutual neighbours appear twice),
	// compacting in place.
	w := int32(0)
	lo := int32(0)
	for i := 0; i < n; i++ {
		if err := pl.tick(int(start[i+1] - lo)); err != nil {
			return nil, err
		}
		row := adj[lo:start[i+1]]
		slices.Sort(row)
		lo = start[i+1]
		start[i] = w
		for k, j := range row {
			if k > 0 && row[k-1] == j {
				continue
			}
			adj[w] = j
			w++
		}
	}
	start[n] = w
	g := &graph{n: n, start: start, adj: slices.Clip(adj[:w]), d: make([]float64, w)}
	for i := 0; i < n; i++ {
		if err := pl.tick(int(start[i+1] - start[i])); err != nil {
			return nil, err
		}
		for s := start[i]; s < start[i+1]; s++ {
			g.d[s] = p.Dist(i, int(g.adj[s]))
		}
	}
	return g, nil
}

// knnGraph is the k-nearest-neighbour lists made symmetric.
func knnGraph(p *instances.TSP, nb *Neighbors, pl *poller) (*graph, error) {
	return buildGraph(p, func(i int32, emit func(j int32)) {
		for _, j := range nb.Of(int(i)) {
			emit(j)
		}
	}, nil, pl)
}

// withEdges returns g with the given edges added, g itself when it has them all.
func withEdges(p *instances.TSP, g *graph, extra []edge, pl *poller) (*graph, error) {
	var missing []edge
	for _, e := range extra {
		if err := pl.tick(4); err != nil {
			return nil, err
		}
		if g.slot(e.u, e.v) < 0 {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return g, nil
	}
	return buildGraph(p, func(i int32, emit func(j int32)) {
		lo, hi := g.row(i)
		for _, j := range g.adj[lo:hi] {
			if i < j {
				emit(j)
			}
		}
	}, missing, pl)
}

// penalised is the edge cost the ascent works with, d + π_u + π_v. The
// penalties are added first so the value does not depend on which end is u:
// α of a tree edge then comes out exactly 0.
func penalised(d, piU, piV float64) float64 { return d + (piU + piV) }

// neumaier is a compensated sum: the bound adds up 10^6 terms of both signs,
// and its validity should not hang on the rounding of a plain loop.
type neumaier struct{ sum, c float64 }

func (s *neumaier) add(x float64) {
	t := s.sum + x
	if math.Abs(s.sum) >= math.Abs(x) {
		s.c += (s.sum - t) + x
	} else {
		s.c += (x - t) + s.sum
	}
	s.sum = t
}

func (s *neumaier) value() float64 { return s.sum + s.c }
