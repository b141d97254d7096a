package instances

import (
	"cmp"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestCheckTour(t *testing.T) {
	// A 3-4-5 right triangle plus a node at the far corner of a 3×4 rectangle.
	p, err := NewCoordTSP("rect", Euclidean, []float64{0, 3, 3, 0}, []float64{0, 0, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tour []int
		want float64
		viol *TourViolation
	}{
		{[]int{0, 1, 2, 3}, 14, nil},
		{[]int{2, 1, 0, 3}, 14, nil},
		{[]int{0, 2, 1, 3}, 5 + 4 + 5 + 4, nil},
		{[]int{0, 1, 2, 4}, 0, &TourViolation{Kind: TourOutOfRange, Node: 4, Position: 3, First: -1, Len: 4, N: 4}},
		{[]int{-1, 1, 2, 3}, 0, &TourViolation{Kind: TourOutOfRange, Node: -1, Position: 0, First: -1, Len: 4, N: 4}},
		{[]int{0, 1, 1, 3}, 0, &TourViolation{Kind: TourDuplicate, Node: 1, Position: 2, First: 1, Len: 4, N: 4}},
		{[]int{0, 1, 2, 3, 0}, 0, &TourViolation{Kind: TourDuplicate, Node: 0, Position: 4, First: 0, Len: 5, N: 4}},
		{[]int{0, 1, 3}, 0, &TourViolation{Kind: TourMissing, Node: 2, Position: -1, First: -1, Len: 3, N: 4}},
		{nil, 0, &TourViolation{Kind: TourMissing, Node: 0, Position: -1, First: -1, Len: 0, N: 4}},
	}
	for _, tc := range cases {
		got, err := CheckTour(p, tc.tour)
		if tc.viol == nil {
			if err != nil || got != tc.want {
				t.Errorf("%v: length %v err %v, want %v", tc.tour, got, err, tc.want)
			}
			continue
		}
		var v *TourViolation
		if !errors.As(err, &v) || !errors.Is(err, ErrInvalidSolution) {
			t.Errorf("%v: error %v is not a TourViolation wrapping ErrInvalidSolution", tc.tour, err)
			continue
		}
		if *v != *tc.viol {
			t.Errorf("%v: violation %+v, want %+v", tc.tour, *v, *tc.viol)
		}
		if v.Error() == "" || v.Kind.String() == "" {
			t.Errorf("empty message")
		}
	}
	if _, err := CheckTour(nil, []int{0}); !errors.Is(err, ErrInvalidSolution) {
		t.Errorf("nil instance: %v", err)
	}
}

func TestCheckTourIntegralSumIsExact(t *testing.T) {
	// Distances of 2^52 + 1 and friends: any rounding in the sum would show.
	const big = 1 << 40
	lower := []float64{big + 1, big + 3, 7} // d(1,0), d(2,0), d(2,1)
	p, err := NewExplicitTSP("exact", 3, lower)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CheckTour(p, []int{0, 1, 2})
	if err != nil || got != 2*big+11 {
		t.Fatalf("length %v (%v), want %v", got, err, float64(2*big+11))
	}
}

// Coordinates or distances of 1e308 were accepted and made tour lengths +Inf.
func TestTSPValuesMustKeepDistancesFinite(t *testing.T) {
	for _, tc := range []struct {
		name string
		load func() (*TSP, error)
		want string
	}{
		{"coordinates", func() (*TSP, error) {
			return NewCoordTSP("far", Euclidean, []float64{0, 1e308, 0}, []float64{0, 0, 1})
		}, "node 2: coordinates (1e+308, 0) must be finite and within ±1e+15"},
		{"matrix", func() (*TSP, error) { return NewExplicitTSP("far", 3, []float64{1, 1e308, 1}) }, "matrix entry 1 is 1e+308"},
		{"TSPLIB", func() (*TSP, error) {
			p, _, err := ReadTSP(strings.NewReader("DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 -1e308 0\n3 0 1\n"), "far.tsp", 0)
			return p, err
		}, "far.tsp:5: node 2: x coordinate: \"-1e308\" is not a number within ±1e+15"},
		{"line format", func() (*TSP, error) {
			p, _, err := ReadTSP(strings.NewReader("0 0 1e308 0 0 1\n"), "far.txt", 0)
			return p, err
		}, "far.txt:1: token 3: \"1e308\" is not a number within ±1e+15"},
	} {
		p, err := tc.load()
		if !errors.Is(err, ErrInvalidInstance) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (instance %v), want ErrInvalidInstance with %q", tc.name, err, p != nil, tc.want)
		}
	}
	// The checker does not trust the instance either: coordinates changed after
	// construction must not give an infinite length.
	p, err := NewCoordTSP("tri", Euclidean, []float64{0, 1, 0}, []float64{0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	p.X[1] = 1e308
	if length, err := CheckTour(p, []int{0, 1, 2}); !errors.Is(err, ErrInvalidInstance) {
		t.Errorf("CheckTour: length %v, error %v; want ErrInvalidInstance", length, err)
	}
}

// TestTourLengthIsTheSameOnAnyMachine: past parallelTourNodes the length is
// summed in fixed pieces, so it does not depend on the number of cores; with
// an integral metric it equals the plain sum exactly, with Euclidean it stays
// within rounding of it.
func TestTourLengthIsTheSameOnAnyMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("two instances of 2^17+3 nodes")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, metric := range []Metric{Euclidean, Euc2D} {
		p, err := GenerateUniform(parallelTourNodes+3, 5)
		if err != nil {
			t.Fatal(err)
		}
		if p.Metric = metric; metric == Euc2D {
			for i := range p.X {
				p.X[i], p.Y[i] = 1e6*p.X[i], 1e6*p.Y[i]
			}
		}
		tour := spatialTour(p)
		plain := pathLength(p, tour, tour[len(tour)-1])
		var lengths []float64
		for _, procs := range []int{1, 2, 3, 16} {
			runtime.GOMAXPROCS(procs)
			lengths = append(lengths, TourLength(p, tour))
		}
		for _, l := range lengths[1:] {
			if l != lengths[0] {
				t.Errorf("%v: lengths %v differ with the number of cores", metric, lengths)
			}
		}
		if metric == Euc2D && lengths[0] != plain || math.Abs(lengths[0]-plain) > 1e-9*plain {
			t.Errorf("%v: %v, the plain sum %v", metric, lengths[0], plain)
		}
	}
}

// spatialTour visits p's nodes strip by strip, alternating direction, as a
// good tour does: neighbours on the tour are near in the plane but far apart
// in memory.
func spatialTour(p *TSP) []int {
	n := p.N()
	strips := int(math.Sqrt(float64(n) / 2))
	tour := make([]int, n)
	for i := range tour {
		tour[i] = i
	}
	maxY := slices.Max(p.Y) + 1e-9
	strip := func(v int) int { return int(p.Y[v] / maxY * float64(strips)) }
	slices.SortFunc(tour, func(a, b int) int {
		sa, sb := strip(a), strip(b)
		if sa != sb {
			return sa - sb
		}
		if sa%2 == 1 {
			return cmp.Compare(p.X[b], p.X[a])
		}
		return cmp.Compare(p.X[a], p.X[b])
	})
	return tour
}

// BenchmarkCheckTour1M checks a strip tour of 10^6 uniform points, the
// epilogue every 10^6-node solve pays after its deadline.
func BenchmarkCheckTour1M(b *testing.B) {
	p, err := GenerateUniform(1_000_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	tour := spatialTour(p)
	for b.Loop() {
		if _, err := CheckTour(p, tour); err != nil {
			b.Fatal(err)
		}
	}
}
