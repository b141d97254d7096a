package instances

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// TourViolationKind says how a tour fails to be a permutation of the nodes.
type TourViolationKind int

const (
	TourOutOfRange TourViolationKind = iota // a node outside 0…N-1
	TourDuplicate                           // a node visited twice
	TourMissing                             // a node never visited
	TourFixedEdge                           // a fixed edge (TSPLIB FIXED_EDGES_SECTION) not on the tour
)

func (k TourViolationKind) String() string {
	switch k {
	case TourOutOfRange:
		return "out-of-range"
	case TourDuplicate:
		return "duplicate"
	case TourMissing:
		return "missing"
	case TourFixedEdge:
		return "fixed-edge"
	}
	return fmt.Sprintf("TourViolationKind(%d)", int(k))
}

// TourViolation describes the first reason a tour is not a valid tour of the
// instance: not a permutation of its nodes, or missing one of its fixed edges.
// It wraps ErrInvalidSolution. Nodes and positions are 0-based.
type TourViolation struct {
	Kind     TourViolationKind
	Node     int // the offending node (as given, for TourOutOfRange; one end of the edge for TourFixedEdge)
	Position int // index in the tour where it was found; -1 for TourMissing
	First    int // TourDuplicate: index of its first visit; otherwise -1
	Other    int // TourFixedEdge: the other end of the fixed edge
	Len      int // length of the tour
	N        int // number of nodes of the instance
}

func (v *TourViolation) Error() string {
	// Nodes and positions count from 1 here, as in TSPLIB files and tours;
	// the fields count from 0, as tours do in Go.
	switch v.Kind {
	case TourOutOfRange:
		return fmt.Sprintf("invalid tour: node %d at position %d is out of range 1…%d", v.Node+1, v.Position+1, v.N)
	case TourDuplicate:
		return fmt.Sprintf("invalid tour: node %d at position %d was already visited at position %d", v.Node+1, v.Position+1, v.First+1)
	case TourFixedEdge:
		return fmt.Sprintf("invalid tour: the fixed edge %d–%d is not on the tour", v.Node+1, v.Other+1)
	default:
		return fmt.Sprintf("invalid tour: node %d is missing (tour has %d entries for %d nodes)", v.Node+1, v.Len, v.N)
	}
}

func (v *TourViolation) Unwrap() error { return ErrInvalidSolution }

// tspCheckPermutation returns a *TourViolation unless tour is a permutation of 0…n-1.
// Out-of-range entries and duplicates are reported first, in tour order, because
// they point at a place in the tour; a missing node only says something is absent.
func tspCheckPermutation(tour []int, n int) error {
	// A bit per node: at n = 10^6 it stays in cache where a position per node
	// (8 MB) cost a third of the check. Positions are looked up only to
	// describe a violation.
	seen := make([]uint64, (n+63)/64)
	for pos, v := range tour {
		if v < 0 || v >= n {
			return &TourViolation{Kind: TourOutOfRange, Node: v, Position: pos, First: -1, Len: len(tour), N: n}
		}
		if seen[v/64]&(1<<(v%64)) != 0 {
			return &TourViolation{Kind: TourDuplicate, Node: v, Position: pos, First: slices.Index(tour, v), Len: len(tour), N: n}
		}
		seen[v/64] |= 1 << (v % 64)
	}
	for v := range n {
		if seen[v/64]&(1<<(v%64)) == 0 {
			return &TourViolation{Kind: TourMissing, Node: v, Position: -1, First: -1, Len: len(tour), N: n}
		}
	}
	return nil
}

// CheckTour verifies that tour (0-based) visits every node of p exactly once,
// using every fixed edge of p, and returns the length of the closed tour in p's own metric, summed in float64 (exact
// for the integral TSPLIB metrics while the total stays below 2^53). A bad tour
// gives a *TourViolation, which wraps ErrInvalidSolution. A length that is not
// finite is refused with an error wrapping ErrInvalidInstance: the constructors
// keep distances finite, so the instance's data was changed after them.
func CheckTour(p *TSP, tour []int) (float64, error) {
	if p == nil {
		return 0, fmt.Errorf("%w: CheckTour: nil instance", ErrInvalidSolution)
	}
	if err := tspCheckPermutation(tour, p.N()); err != nil {
		return 0, err
	}
	if len(p.Fixed) > 0 {
		if err := checkTourFixed(p, tour); err != nil {
			return 0, err
		}
	}
	length := TourLength(p, tour)
	if !finite(length) {
		return 0, fmt.Errorf("%w: %s: tour length %v is not finite (coordinates or distances beyond ±%g)", ErrInvalidInstance, p.Name, length, MaxTSPValue)
	}
	return length, nil
}

// TourLength is the length of the closed tour without validation; tour must hold
// valid node indices. Use CheckTour for anything that did not come from a checked
// source.
//
// From parallelTourNodes nodes the tour is summed in tourChunks fixed pieces on
// up to GOMAXPROCS goroutines and the pieces added in order, so the result does
// not depend on the machine: at n = 10^6 each edge's coordinates are a cache
// miss, and a deadline's epilogue waits on this sum (22–26 ms on one core).
func TourLength(p *TSP, tour []int) float64 {
	n := len(tour)
	if n == 0 {
		return 0
	}
	if n < parallelTourNodes {
		return pathLength(p, tour, tour[n-1])
	}
	var parts [tourChunks]float64
	workers := min(runtime.GOMAXPROCS(0), tourChunks)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int(next.Add(1) - 1); c < tourChunks; c = int(next.Add(1) - 1) {
				lo, hi := c*n/tourChunks, (c+1)*n/tourChunks
				prev := tour[(lo+n-1)%n]
				parts[c] = pathLength(p, tour[lo:hi], prev)
			}
		}()
	}
	wg.Wait()
	var sum float64
	for _, part := range parts {
		sum += part
	}
	return sum
}

const (
	parallelTourNodes = 1 << 17
	tourChunks        = 8
)

// pathLength is the length of the path prev, path[0], path[1], …. The two
// metrics of the large instances get their own loop, the distance inlined:
// per edge the time goes to fetching coordinates, and a call per edge keeps
// fewer of those fetches in flight.
func pathLength(p *TSP, path []int, prev int) float64 {
	var sum float64
	x, y := p.X, p.Y
	switch p.Metric {
	case Euclidean:
		for _, v := range path {
			dx, dy := x[prev]-x[v], y[prev]-y[v]
			sum += math.Sqrt(dx*dx + dy*dy)
			prev = v
		}
	case Euc2D:
		for _, v := range path {
			dx, dy := x[prev]-x[v], y[prev]-y[v]
			sum += nint(math.Sqrt(dx*dx + dy*dy))
			prev = v
		}
	default:
		for _, v := range path {
			sum += p.Dist(prev, v)
			prev = v
		}
	}
	return sum
}
