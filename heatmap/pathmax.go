package heatmap

import (
	"math"

	"github.com/cosolve/cosolve/instances"
)

// alphaValues returns α(i, j) for every slot of g: how much the minimum 1-tree
// grows when forced to contain (i, j) (Helsgaun 2000, §2). For the 1-tree's
// own edges it is 0; for the special leaf s it is c(s, j) minus the dearer of
// s's two 1-tree edges; otherwise c(i, j) minus the dearest edge on the tree
// path from i to j. The tree's edges and (s, q) must be edges of g.
//
// The path maxima come from Tarjan's offline lowest-common-ancestor method
// with a union-find that also keeps the largest edge on the way to each set's
// root: a query (i, j) waits at its common ancestor until that node's subtree
// is complete, then reads both halves of the path. Time O((n + m)·α(n)),
// memory O(n + m), against LKH's O(n) per node.
func alphaValues(p *instances.TSP, g *graph, pi []float64, t *exactTree, pl *poller) ([]float64, error) {
	n := g.n
	parent := t.parent
	// Children lists in CSR form, and each node's tree-edge cost.
	cstart := make([]int32, n+1)
	for _, u := range parent {
		if u >= 0 {
			cstart[u+1]++
		}
	}
	for i := 1; i <= n; i++ {
		cstart[i] += cstart[i-1]
	}
	children := make([]int32, n)
	fill := append([]int32(nil), cstart[:n]...)
	up := make([]float64, n)
	root := int32(-1)
	for v, u := range parent {
		if u < 0 {
			root = int32(v)
			continue
		}
		children[fill[u]] = int32(v)
		fill[u]++
		up[v] = penalised(p.Dist(v, int(u)), pi[v], pi[u])
	}
	// fill is spent; it becomes the DFS's per-node cursor into its children.
	copy(fill, cstart[:n])

	// Union-find over finished subtrees: link[x] points towards the root of
	// x's set (an ancestor of x), linkMax[x] is the largest tree edge between.
	link := make([]int32, n)
	linkMax := make([]float64, n)
	for i := range link {
		link[i] = int32(i)
	}
	var path []int32
	find := func(x int32) (int32, float64) {
		path = path[:0]
		for link[x] != x {
			path = append(path, x)
			x = link[x]
		}
		acc := math.Inf(-1)
		for k := len(path) - 1; k >= 0; k-- {
			y := path[k]
			acc = math.Max(acc, linkMax[y])
			link[y], linkMax[y] = x, acc
		}
		if len(path) == 0 {
			return x, math.Inf(-1)
		}
		return x, linkMax[path[0]]
	}

	s := t.special
	alpha := make([]float64, len(g.adj))
	finished := make([]bool, n)
	// Queries waiting at their common ancestor, as linked lists of slots.
	head := make([]int32, n)
	for i := range head {
		head[i] = -1
	}
	next := make([]int32, len(g.adj))
	setBoth := func(slot, i, j int32, a float64) {
		alpha[slot] = a
		alpha[g.slot(j, i)] = a
	}

	stack := []int32{root}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		if c := fill[x]; c < cstart[x+1] {
			fill[x]++
			stack = append(stack, children[c])
			continue
		}
		stack = stack[:len(stack)-1]
		finished[x] = true
		lo, hi := g.row(x)
		if err := pl.tick(int(hi-lo) + 1); err != nil {
			return nil, err
		}
		if x != s {
			// Every edge is queried once, when its second end finishes; the
			// first end's set root is then their common ancestor.
			for k := lo; k < hi; k++ {
				if y := g.adj[k]; y != s && finished[y] {
					a, _ := find(y)
					next[k] = head[a]
					head[a] = k
				}
			}
		}
		// x's subtree is complete: the paths of the queries waiting here run
		// through finished sets whose roots are x.
		for k := head[x]; k >= 0; k = next[k] {
			i, j := g.owner(k), g.adj[k]
			_, mi := find(i)
			_, mj := find(j)
			setBoth(k, i, j, penalised(g.d[k], pi[i], pi[j])-math.Max(mi, mj))
		}
		if u := parent[x]; u >= 0 {
			link[x], linkMax[x] = u, up[x]
		}
	}

	// The special leaf: its two 1-tree edges cost 0, the others the excess
	// over the dearer of the two.
	treeNb := parent[s]
	if treeNb < 0 {
		treeNb = children[cstart[s]]
	}
	lo, hi := g.row(s)
	c2 := penalised(p.Dist(int(s), int(t.second)), pi[s], pi[t.second])
	for k := lo; k < hi; k++ {
		j := g.adj[k]
		a := 0.0
		if j != treeNb && j != t.second {
			a = penalised(g.d[k], pi[s], pi[j]) - c2
		}
		setBoth(k, s, j, a)
	}
	return alpha, nil
}
