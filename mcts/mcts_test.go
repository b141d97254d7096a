package mcts

import (
	"fmt"
	"math"
	"testing"

	"github.com/cosolve/cosolve/solvers"
)

// A 3-node graph: 0→{1,2}, 1→{0}, 2→{0,1}.
func tiny(t *testing.T, alpha, e float64) *Stats {
	t.Helper()
	start := []int32{0, 2, 3, 5}
	adj := []int32{1, 2, 0, 0, 1}
	prior := []float64{0.5, 0.25, 0.5, 0.25, 0.125}
	s, err := NewStats(start, adj, prior, []float64{1, 0.6, 0.5}, 100, alpha, e)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInitialWeightsAre100TimesPrior(t *testing.T) {
	s := tiny(t, 1, 2.718)
	want := []float64{50, 25, 50, 25, 12.5}
	for a, w := range want {
		if s.W[a] != w || s.Q[a] != 0 {
			t.Errorf("arc %d: W %v Q %d, want W %v Q 0", a, s.W[a], s.Q[a], w)
		}
	}
	// Ω uses the full row prior (candidate or not) over n−1 = 2 nodes.
	if got := s.Omega(0); got != 50 {
		t.Errorf("Ω_0 = %v, want 100·1/2 = 50", got)
	}
	if got := s.Omega(1); math.Abs(got-30) > 1e-12 {
		t.Errorf("Ω_1 = %v, want 30", got)
	}
}

func TestZMatchesReferenceFormula(t *testing.T) {
	s := tiny(t, 1, 2.718)
	s.M = 7
	s.Q[0] = 3
	omega := s.Omega(0)
	// Reference: W/Ω + α·sqrt(ln(M+1) / (ln(2.718)·(Q+1))).
	want := 50.0/50 + math.Sqrt(math.Log(8)/(math.Log(2.718)*4))
	if got := s.Z(0, omega); math.Abs(got-want) > 1e-12 {
		t.Errorf("Z = %v, want %v", got, want)
	}
	s.Alpha = 0
	if got := s.Z(1, omega); got != 0.5 {
		t.Errorf("Z without exploration = %v, want 0.5", got)
	}
	// With e = math.E the exploration term uses ln e = 1.
	s2 := tiny(t, 2, math.E)
	if got, want := s2.Z(1, s2.Omega(0)), 0.5+2*math.Sqrt(math.Log(1)/1); got != want {
		t.Errorf("Z(M=0) = %v, want %v", got, want)
	}
}

func TestIncreaseUses2718(t *testing.T) {
	s := tiny(t, 0, 2.718)
	got := s.Increase(10, 3, 100)
	want := 10 * (math.Pow(2.718, 0.03) - 1)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("increase %v, want %v", got, want)
	}
}

func TestRewardKeepsOmegaIncremental(t *testing.T) {
	s := tiny(t, 0, math.E)
	s.Reward(0, 1, 3)   // candidate arc
	s.Reward(1, 2, 1.5) // not a candidate of 1: only the row sum moves
	if s.W[0] != 53 {
		t.Errorf("W(0→1) = %v, want 53", s.W[0])
	}
	if got, want := s.Omega(0), (100.0+3)/2; got != want {
		t.Errorf("Ω_0 = %v, want %v", got, want)
	}
	if got, want := s.Omega(1), (60.0+1.5)/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("Ω_1 = %v, want %v", got, want)
	}
	s.Visit(2, 1)
	s.Visit(1, 2)
	if s.Q[4] != 1 {
		t.Errorf("Q(2→1) = %d, want 1", s.Q[4])
	}
}

func TestBadGraphs(t *testing.T) {
	if _, err := NewStats([]int32{0}, nil, nil, nil, 100, 1, math.E); err == nil {
		t.Error("accepted an empty graph")
	}
	if _, err := NewStats([]int32{0, 1, 1}, []int32{1}, nil, nil, 100, 1, math.E); err == nil {
		t.Error("accepted a prior of the wrong length")
	}
	if _, err := NewStats([]int32{0, 1, 1}, []int32{1}, []float64{1}, nil, 100, 1, 1); err == nil {
		t.Error("accepted base 1")
	}
}

func TestSampleDiscrete1000Thresholds(t *testing.T) {
	rng := solvers.NewRand(1, "test", 0)
	scratch := make([]int32, 4)
	SampleDiscrete1000(rng, []float64{1, 1, 1}, scratch)
	if scratch[0] != 333 || scratch[1] != 666 || scratch[2] != 1000 {
		t.Errorf("thresholds %v, want [333 666 1000]", scratch[:3])
	}
	// A share below one thousandth truncates to an empty interval: never drawn
	// unless it is last.
	for i := 0; i < 5000; i++ {
		if k := SampleDiscrete1000(rng, []float64{0.0009, 1}, scratch); k != 1 {
			t.Fatalf("drew the item with a truncated share of 0")
		}
	}
	last := 0
	for i := 0; i < 5000; i++ {
		if SampleDiscrete1000(rng, []float64{1, 0.0009}, scratch) == 1 {
			last++
		}
	}
	if last == 0 {
		t.Error("the last item keeps the rounding remainder (1000 − 999) but was never drawn")
	}
	if SampleDiscrete1000(rng, nil, scratch) != -1 {
		t.Error("empty weights must give -1")
	}
}

func TestSampleProportional(t *testing.T) {
	rng := solvers.NewRand(2, "test", 0)
	counts := [3]int{}
	for i := 0; i < 30000; i++ {
		counts[SampleProportional(rng, []float64{1, 0, 2})]++
	}
	if counts[1] != 0 || math.Abs(float64(counts[2])/float64(counts[0])-2) > 0.15 {
		t.Errorf("counts %v, want about 1:0:2", counts)
	}
	if SampleProportional(rng, []float64{0, 0}) != -1 {
		t.Error("all-zero weights must give -1")
	}
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	s := tiny(t, 1, math.E)
	rng := solvers.NewRand(3, "test", 0)
	w := []float64{1, 2, 3}
	scratch := make([]int32, 3)
	allocs := testing.AllocsPerRun(1000, func() {
		om := s.Omega(0)
		_ = s.Z(0, om)
		s.Visit(0, 1)
		s.Reward(0, 2, 0.1)
		SampleDiscrete1000(rng, w, scratch)
		SampleProportional(rng, w)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}

func ExampleStats() {
	// Node 0 has candidates 1 and 2; nodes 1 and 2 have node 0.
	start := []int32{0, 2, 3, 4}
	adj := []int32{1, 2, 0, 0}
	prior := []float64{0.6, 0.4, 0.6, 0.4}
	s, _ := NewStats(start, adj, prior, nil, 100, 0, math.E)
	om := s.Omega(0)
	fmt.Printf("Z(0→1) = %.2f, Z(0→2) = %.2f\n", s.Z(0, om), s.Z(1, om))
	// Output: Z(0→1) = 1.20, Z(0→2) = 0.80
}
