package solvers

import "math"

// Result is what every Solve returns. Solution is the solver's own solution
// type (a tour, a schedule, a first stage), checked by the instances checker
// before it is returned; Objective is its value. Bound is a bound on the
// optimum that our own search proved (NaN when it proved none); published
// references are reported apart from it. Stats are the solver's JSON-tagged
// counts, marshalled as they are into benchmark lines.
type Result[S, St any] struct {
	Solution   S
	Objective  float64
	Bound      float64
	Status     Status
	StopReason StopReason
	Stats      St
}

// HasBound reports whether the search proved a bound.
func (r Result[S, St]) HasBound() bool { return !math.IsNaN(r.Bound) }
