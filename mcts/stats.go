package mcts

import (
	"fmt"
	"math"
)

// Ln2718 is ln(2.718): Fu et al.'s code writes e as the constant 2.718, both in
// the exploration term and in the back-propagation, and the reference preset
// keeps it.
var Ln2718 = math.Log(2.718)

// Stats holds the bandit statistics of Fu et al. on a sparse directed graph of
// candidate arcs in CSR form: weight W and visit count Q per arc, the total
// number of simulations M, and per node the sum of W over all its arcs —
// including the arcs outside the candidate graph, whose weight only ever
// enters that sum — so Ω_i = rowW_i/(n−1) costs O(1) instead of O(n).
type Stats struct {
	Start []int32 // arcs of node i are Adj[Start[i]:Start[i+1]]
	Adj   []int32
	W     []float64
	Q     []int32
	rowW  []float64
	M     int64
	// Alpha weighs exploration in Z.
	Alpha float64
	// E is the base used in Z's logarithm and by callers' exp-like formulas:
	// math.E normally, 2.718 for the reference.
	E      float64
	lnE    float64
	invNm1 float64
}

// NewStats builds statistics over the CSR graph (start has n+1 entries). W
// starts at scale·prior per arc, and node i's weight sum at scale·rowPrior[i]
// (the prior summed over every arc of i, candidate or not; nil = the sum over
// the candidate arcs).
func NewStats(start, adj []int32, prior []float64, rowPrior []float64, scale, alpha, e float64) (*Stats, error) {
	n := len(start) - 1
	if n < 2 {
		return nil, fmt.Errorf("mcts: graph with %d nodes", n)
	}
	if int(start[n]) != len(adj) || len(prior) != len(adj) {
		return nil, fmt.Errorf("mcts: CSR sizes disagree: start ends at %d, %d arcs, %d priors", start[n], len(adj), len(prior))
	}
	if rowPrior != nil && len(rowPrior) != n {
		return nil, fmt.Errorf("mcts: %d row sums for %d nodes", len(rowPrior), n)
	}
	if !(e > 1) {
		return nil, fmt.Errorf("mcts: base %v must exceed 1", e)
	}
	s := &Stats{
		Start: start, Adj: adj,
		W:     make([]float64, len(adj)),
		Q:     make([]int32, len(adj)),
		rowW:  make([]float64, n),
		Alpha: alpha, E: e, lnE: math.Log(e),
		invNm1: 1 / float64(n-1),
	}
	s.Reset(prior, rowPrior, scale)
	return s, nil
}

// Reset puts the statistics back to their start: W = scale·prior, Q = 0, M = 0.
func (s *Stats) Reset(prior, rowPrior []float64, scale float64) {
	for a, p := range prior {
		s.W[a] = scale * p
		s.Q[a] = 0
	}
	n := len(s.rowW)
	for i := 0; i < n; i++ {
		if rowPrior != nil {
			s.rowW[i] = scale * rowPrior[i]
			continue
		}
		var sum float64
		for a := s.Start[i]; a < s.Start[i+1]; a++ {
			sum += s.W[a]
		}
		s.rowW[i] = sum
	}
	s.M = 0
}

// N is the number of nodes.
func (s *Stats) N() int { return len(s.rowW) }

// Arc returns the index of arc i→j, or -1 when j is not a candidate of i.
func (s *Stats) Arc(i, j int32) int32 {
	for a := s.Start[i]; a < s.Start[i+1]; a++ {
		if s.Adj[a] == j {
			return a
		}
	}
	return -1
}

// Omega is Ω_i, the mean weight of node i's arcs over all n−1 other nodes.
func (s *Stats) Omega(i int32) float64 { return s.rowW[i] * s.invNm1 }

// Z is the selection score of arc a out of node i given Ω_i:
// W/Ω + α·sqrt(ln(M+1) / (ln(E)·(Q+1))).
func (s *Stats) Z(a int32, omega float64) float64 {
	return s.ZWith(a, omega, s.Explore())
}

// Explore is α·sqrt(ln(M+1)/ln(E)), the part of Z's exploration term shared by
// all arcs while M is unchanged; ZWith takes it so a caller scoring many arcs
// pays for one logarithm.
func (s *Stats) Explore() float64 {
	if s.Alpha == 0 {
		return 0
	}
	return s.Alpha * math.Sqrt(math.Log(float64(s.M)+1)/s.lnE)
}

// ZWith is Z given Explore().
func (s *Stats) ZWith(a int32, omega, explore float64) float64 {
	z := s.W[a] / omega
	if explore != 0 {
		z += explore / math.Sqrt(float64(s.Q[a]+1))
	}
	return z
}

// Visit counts one choice of arc i→j (nothing when it is not a candidate arc).
func (s *Stats) Visit(i, j int32) {
	if a := s.Arc(i, j); a >= 0 {
		s.Q[a]++
	}
}

// Reward adds delta to the weight of i→j; the node sum always moves, the arc's
// own weight only when it is a candidate.
func (s *Stats) Reward(i, j int32, delta float64) {
	s.rowW[i] += delta
	if a := s.Arc(i, j); a >= 0 {
		s.W[a] += delta
	}
}

// Increase is Fu et al.'s back-propagated reward β·(E^{gain/length} − 1).
func (s *Stats) Increase(beta, gain, length float64) float64 {
	return beta * (math.Exp(s.lnE*gain/length) - 1)
}
