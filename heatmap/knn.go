package heatmap

import (
	"context"
	"math"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// Neighbors is a CSR list of each node's k nearest other nodes, nearest first.
type Neighbors struct {
	Start []int32
	Adj   []int32
}

// Of returns node i's neighbours.
func (nb *Neighbors) Of(i int) []int32 { return nb.Adj[nb.Start[i]:nb.Start[i+1]] }

// KNearest returns each node's k nearest other nodes (k is capped at n−1), ties
// broken by node number. Planar instances use a uniform grid (about two points
// per cell), O(n·k) expected time for spread-out points; other metrics (GEO,
// MAN_2D, MAX_2D, EXPLICIT) scan all pairs with the instance's distance, O(n²).
func KNearest(p *instances.TSP, k int) *Neighbors {
	nb, _ := kNearest(p, k, nil)
	return nb
}

// KNearestContext is KNearest that gives up with the context's error once it
// is done (about a second of work at n = 10^6).
func KNearestContext(ctx context.Context, p *instances.TSP, k int) (*Neighbors, error) {
	return kNearest(p, k, newPoller(ctx))
}

// kNearest is KNearest that gives up with the context's error when pl says so.
func kNearest(p *instances.TSP, k int, pl *poller) (*Neighbors, error) {
	n := p.N()
	if k > n-1 {
		k = n - 1
	}
	if k < 0 {
		k = 0
	}
	nb := &Neighbors{Start: make([]int32, n+1), Adj: make([]int32, n*k)}
	for i := 0; i <= n; i++ {
		nb.Start[i] = int32(i * k)
	}
	if k == 0 {
		return nb, nil
	}
	if p.Planar() {
		return nb, gridKNN(p, k, nb, pl)
	}
	return nb, bruteKNN(p, k, nb, pl)
}

type cand struct {
	d float64
	j int32
}

func less(a, b cand) bool { return a.d < b.d || (a.d == b.d && a.j < b.j) }

func compareCand(a, b cand) int {
	switch {
	case less(a, b):
		return -1
	case less(b, a):
		return 1
	}
	return 0
}

// insert keeps best (capacity k) sorted ascending.
func insert(best []cand, c cand, k int) []cand {
	if len(best) == k && !less(c, best[k-1]) {
		return best
	}
	if len(best) < k {
		best = append(best, c)
	} else {
		best[k-1] = c
	}
	for i := len(best) - 1; i > 0 && less(best[i], best[i-1]); i-- {
		best[i], best[i-1] = best[i-1], best[i]
	}
	return best
}

func bruteKNN(p *instances.TSP, k int, nb *Neighbors, pl *poller) error {
	n := p.N()
	best := make([]cand, 0, k)
	for i := 0; i < n; i++ {
		if err := pl.tick(n); err != nil {
			return err
		}
		best = best[:0]
		for j := 0; j < n; j++ {
			if j != i {
				best = insert(best, cand{p.Dist(i, j), int32(j)}, k)
			}
		}
		for r, c := range best {
			nb.Adj[i*k+r] = c.j
		}
	}
	return nil
}

// gridKNN searches rings of grid cells around each point until the ring is
// farther than the k-th best found. It ranks by Euclidean distance of the
// coordinates, then re-sorts by the instance metric (equal up to rounding).
func gridKNN(p *instances.TSP, k int, nb *Neighbors, pl *poller) error {
	n := p.N()
	minX, maxX, minY, maxY := p.X[0], p.X[0], p.Y[0], p.Y[0]
	for i := 1; i < n; i++ {
		minX, maxX = math.Min(minX, p.X[i]), math.Max(maxX, p.X[i])
		minY, maxY = math.Min(minY, p.Y[i]), math.Max(maxY, p.Y[i])
	}
	w, h := maxX-minX, maxY-minY
	// About two points per cell; the second term keeps thin (collinear) layouts
	// from producing an enormous grid.
	side := math.Max(math.Sqrt(w*h/(float64(n)/2)), math.Max(w, h)/float64(n))
	if !(side > 0) || math.IsInf(side, 0) {
		side = 1
	}
	gx := int(w/side) + 1
	gy := int(h/side) + 1
	cellOf := func(i int) (int, int) {
		cx := int((p.X[i] - minX) / side)
		cy := int((p.Y[i] - minY) / side)
		return min(cx, gx-1), min(cy, gy-1)
	}
	head := make([]int32, gx*gy+1)
	for i := 0; i < n; i++ {
		cx, cy := cellOf(i)
		head[cy*gx+cx+1]++
	}
	for c := 1; c < len(head); c++ {
		head[c] += head[c-1]
	}
	items := make([]int32, n)
	fill := append([]int32(nil), head[:gx*gy]...)
	for i := 0; i < n; i++ {
		cx, cy := cellOf(i)
		c := cy*gx + cx
		items[fill[c]] = int32(i)
		fill[c]++
	}
	best := make([]cand, 0, k)
	for i := 0; i < n; i++ {
		// About 4k points are looked at per node.
		if err := pl.tick(4 * k); err != nil {
			return err
		}
		best = best[:0]
		cx, cy := cellOf(i)
		xi, yi := p.X[i], p.Y[i]
		for r := 0; ; r++ {
			for y := cy - r; y <= cy+r; y++ {
				if y < 0 || y >= gy {
					continue
				}
				step := 1
				if y != cy-r && y != cy+r {
					step = 2 * r
				}
				for x := cx - r; x <= cx+r; x += max(step, 1) {
					if x < 0 || x >= gx {
						continue
					}
					c := y*gx + x
					for _, j := range items[head[c]:head[c+1]] {
						if int(j) == i {
							continue
						}
						dx, dy := p.X[j]-xi, p.Y[j]-yi
						best = insert(best, cand{dx*dx + dy*dy, j}, k)
					}
				}
			}
			if len(best) == k {
				// Every point outside ring r is at least r·side away.
				reach := float64(r) * side
				if reach*reach >= best[k-1].d {
					break
				}
			}
			if r > gx && r > gy {
				break
			}
		}
		for r := range best {
			best[r].d = p.Dist(i, int(best[r].j))
		}
		slices.SortStableFunc(best, compareCand)
		for r, c := range best {
			nb.Adj[i*k+r] = c.j
		}
	}
	return nil
}
