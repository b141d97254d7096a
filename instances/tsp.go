package instances

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInstance is wrapped by every error that rejects instance data.
var ErrInvalidInstance = errors.New("invalid instance")

// ErrInvalidSolution is wrapped by every error a checker returns for a bad solution.
var ErrInvalidSolution = errors.New("invalid solution")

// Bounds on TSP data, checked by the constructors and the readers.
const (
	// MaxTSPValue bounds the absolute value of coordinates and of explicit
	// distances: every distance is then below 3·10^15 and a tour of MaxTSPNodes
	// nodes below 3·10^22, far from float64 overflow (coordinates of 10^308 made
	// distances +Inf).
	MaxTSPValue = 1e15
	// MaxTSPNodes bounds the node count, so that a DIMENSION or a line far beyond
	// any real instance is refused where it is read.
	MaxTSPNodes = 10_000_000
)

// Metric is the distance function of a TSP instance.
type Metric int

const (
	// Euclidean is the unrounded Euclidean distance used by the TSP-500/1000/10000
	// test sets and by generated instances.
	Euclidean Metric = iota
	Euc2D            // TSPLIB EUC_2D: nint of the Euclidean distance
	Ceil2D           // TSPLIB CEIL_2D: ceiling of the Euclidean distance
	Att              // TSPLIB ATT: pseudo-Euclidean distance
	Geo              // TSPLIB GEO: geographical distance on TSPLIB's idealised sphere
	Man2D            // TSPLIB MAN_2D: nint of the Manhattan distance
	Max2D            // TSPLIB MAX_2D: nint of the maximum-coordinate distance
	Explicit         // TSPLIB EXPLICIT: a stored matrix
)

var metricNames = [...]string{"EUCLIDEAN", "EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D", "EXPLICIT"}

func (m Metric) String() string {
	if m < 0 || int(m) >= len(metricNames) {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

// ParseMetric maps a TSPLIB EDGE_WEIGHT_TYPE (or "EUCLIDEAN") to a Metric.
func ParseMetric(s string) (Metric, bool) {
	for i, name := range metricNames {
		if name == s {
			return Metric(i), true
		}
	}
	return 0, false
}

// Integral reports whether distances of this metric are whole numbers.
func (m Metric) Integral() bool { return m != Euclidean }

// TSP is a symmetric travelling-salesman instance. Nodes are numbered 0…N()-1.
// Coordinate instances keep X and Y; explicit instances keep a packed lower
// triangle, so memory is O(n) for coordinates and n(n-1)/2 for a matrix.
type TSP struct {
	Name    string
	Comment string
	Metric  Metric
	// X and Y are the coordinates (nil for Explicit). For Geo they hold the TSPLIB
	// DDD.MM values as read; the distance converts them.
	X, Y []float64
	// Fixed are edges every tour must use (TSPLIB's FIXED_EDGES_SECTION), 0-based.
	// CheckTour enforces them; they form paths (or one tour through all nodes).
	Fixed [][2]int

	n     int
	lower []float64 // Explicit: d(i,j) for i > j at i*(i-1)/2 + j
	lat   []float64 // Geo: radians, precomputed
	lon   []float64
}

// NewCoordTSP builds an instance from coordinates in the given metric.
func NewCoordTSP(name string, metric Metric, x, y []float64) (*TSP, error) {
	if metric == Explicit {
		return nil, fmt.Errorf("%w: %s: EXPLICIT needs a matrix, not coordinates", ErrInvalidInstance, name)
	}
	if len(x) != len(y) {
		return nil, fmt.Errorf("%w: %s: %d x and %d y coordinates", ErrInvalidInstance, name, len(x), len(y))
	}
	if len(x) < 3 || len(x) > MaxTSPNodes {
		return nil, fmt.Errorf("%w: %s: %d nodes, need 3 to %d", ErrInvalidInstance, name, len(x), MaxTSPNodes)
	}
	for i := range x {
		if !tspValueOK(x[i]) || !tspValueOK(y[i]) {
			return nil, fmt.Errorf("%w: %s: node %d: coordinates (%v, %v) must be finite and within ±%g", ErrInvalidInstance, name, i+1, x[i], y[i], MaxTSPValue)
		}
	}
	p := &TSP{Name: name, Metric: metric, X: x, Y: y, n: len(x)}
	if metric == Geo {
		p.lat = make([]float64, p.n)
		p.lon = make([]float64, p.n)
		for i := range x {
			p.lat[i] = geoRadians(x[i])
			p.lon[i] = geoRadians(y[i])
		}
	}
	return p, nil
}

// NewExplicitTSP builds an instance from a packed lower triangle: lower[i*(i-1)/2+j]
// is the distance between i and j for i > j. The slice is kept, not copied.
func NewExplicitTSP(name string, n int, lower []float64) (*TSP, error) {
	if n < 3 || n > MaxTSPNodes {
		return nil, fmt.Errorf("%w: %s: %d nodes, need 3 to %d", ErrInvalidInstance, name, n, MaxTSPNodes)
	}
	if len(lower) != n*(n-1)/2 {
		return nil, fmt.Errorf("%w: %s: %d matrix entries for %d nodes, want %d", ErrInvalidInstance, name, len(lower), n, n*(n-1)/2)
	}
	for k, d := range lower {
		if !tspValueOK(d) || d < 0 {
			return nil, fmt.Errorf("%w: %s: matrix entry %d is %v, want a number in [0, %g]", ErrInvalidInstance, name, k, d, MaxTSPValue)
		}
	}
	return &TSP{Name: name, Metric: Explicit, n: n, lower: lower}, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// tspValueOK reports whether v is a coordinate or distance within ±MaxTSPValue
// (which excludes NaN and the infinities).
func tspValueOK(v float64) bool { return v >= -MaxTSPValue && v <= MaxTSPValue }

// N is the number of nodes.
func (p *TSP) N() int { return p.n }

// HasCoords reports whether the instance has planar coordinates a geometric
// algorithm (k-d tree, space-filling curve, plot) may use. GEO coordinates are
// angles, so they count only as a rough layout.
func (p *TSP) HasCoords() bool { return p.X != nil }

// Planar reports whether nearest nodes can be found geometrically: the metric
// grows with the Euclidean distance of the coordinates.
func (p *TSP) Planar() bool {
	switch p.Metric {
	case Euclidean, Euc2D, Ceil2D, Att:
		return p.HasCoords()
	}
	return false
}

// Dist is the distance between nodes i and j in the instance's own metric, exactly
// as TSPLIB 95 defines it (nint rounding, GEO and ATT formulas).
func (p *TSP) Dist(i, j int) float64 {
	switch p.Metric {
	case Euclidean:
		dx, dy := p.X[i]-p.X[j], p.Y[i]-p.Y[j]
		return math.Sqrt(dx*dx + dy*dy)
	case Euc2D:
		dx, dy := p.X[i]-p.X[j], p.Y[i]-p.Y[j]
		return nint(math.Sqrt(dx*dx + dy*dy))
	case Ceil2D:
		dx, dy := p.X[i]-p.X[j], p.Y[i]-p.Y[j]
		return math.Ceil(math.Sqrt(dx*dx + dy*dy))
	case Att:
		dx, dy := p.X[i]-p.X[j], p.Y[i]-p.Y[j]
		r := math.Sqrt((dx*dx + dy*dy) / 10)
		t := nint(r)
		if t < r {
			return t + 1
		}
		return t
	case Geo:
		if i == j {
			return 0
		}
		q1 := math.Cos(p.lon[i] - p.lon[j])
		q2 := math.Cos(p.lat[i] - p.lat[j])
		q3 := math.Cos(p.lat[i] + p.lat[j])
		// Clamped because rounding can push the argument just past ±1 for nearly
		// coincident or antipodal points, where acos would return NaN.
		c := math.Max(-1, math.Min(1, 0.5*((1+q1)*q2-(1-q1)*q3)))
		return math.Floor(geoRadius*math.Acos(c) + 1)
	case Man2D:
		return nint(math.Abs(p.X[i]-p.X[j]) + math.Abs(p.Y[i]-p.Y[j]))
	case Max2D:
		return math.Max(nint(math.Abs(p.X[i]-p.X[j])), nint(math.Abs(p.Y[i]-p.Y[j])))
	case Explicit:
		if i == j {
			return 0
		}
		if i < j {
			i, j = j, i
		}
		return p.lower[i*(i-1)/2+j]
	}
	panic("instances: unknown metric " + p.Metric.String())
}

// nint is TSPLIB's (int)(x + 0.5) for the non-negative values distances take.
func nint(x float64) float64 { return math.Floor(x + 0.5) }

// TSPLIB 95's constants: PI to six decimals and the idealised Earth radius.
const (
	geoPi     = 3.141592
	geoRadius = 6378.388
)

// geoRadians converts TSPLIB's DDD.MM notation to radians the way TSPLIB 95 does:
// the integer part is degrees (truncated toward zero), the rest minutes.
func geoRadians(v float64) float64 {
	deg := math.Trunc(v)
	min := v - deg
	return geoPi * (deg + 5.0*min/3.0) / 180.0
}
