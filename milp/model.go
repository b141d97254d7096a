package milp

import (
	"errors"
	"fmt"
	"math"
)

// Inf is an infinite bound.
var Inf = math.Inf(1)

// ErrInvalidModel reports a malformed model (wrong lengths, crossed bounds, NaN).
var ErrInvalidModel = errors.New("milp: invalid model")

// ErrUnsupported reports a model a backend cannot solve (integers on an LP backend).
var ErrUnsupported = errors.New("milp: unsupported by this backend")

// ErrNumerical reports a backend that failed for numerical reasons.
var ErrNumerical = errors.New("milp: numerical failure")

// Sense is the optimisation direction.
type Sense int

const (
	Minimize Sense = iota
	Maximize
)

// Var is one column: bounds (±Inf allowed), objective coefficient and integrality.
type Var struct {
	Lower, Upper float64
	Obj          float64
	Integer      bool
	Name         string
}

// Row is one sparse constraint Lower ≤ Σ Coef[k]·x[Index[k]] ≤ Upper (±Inf allowed).
type Row struct {
	Index        []int
	Coef         []float64
	Lower, Upper float64
	Name         string
}

// Model is a mixed-integer linear programme: optimise Σ Obj_j x_j + Offset.
type Model struct {
	Sense  Sense
	Vars   []Var
	Rows   []Row
	Offset float64
	// Start, when non-nil, is a MIP start: a value for every variable. Backends may
	// use it as their first incumbent; it need not be feasible.
	Start []float64
}

// AddVar appends a variable and returns its index.
func (m *Model) AddVar(lower, upper, obj float64, integer bool, name string) int {
	m.Vars = append(m.Vars, Var{Lower: lower, Upper: upper, Obj: obj, Integer: integer, Name: name})
	return len(m.Vars) - 1
}

// AddBinary appends a 0/1 variable and returns its index.
func (m *Model) AddBinary(obj float64, name string) int { return m.AddVar(0, 1, obj, true, name) }

// AddRow appends lower ≤ Σ coef·x[index] ≤ upper and returns its index. The slices are
// kept, not copied.
func (m *Model) AddRow(index []int, coef []float64, lower, upper float64, name string) int {
	m.Rows = append(m.Rows, Row{Index: index, Coef: coef, Lower: lower, Upper: upper, Name: name})
	return len(m.Rows) - 1
}

// NumIntegers counts the integer variables.
func (m *Model) NumIntegers() int {
	c := 0
	for _, v := range m.Vars {
		if v.Integer {
			c++
		}
	}
	return c
}

// Validate checks lengths, indices, bounds and finiteness.
func (m *Model) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidModel, fmt.Sprintf(format, a...))
	}
	if m.Sense != Minimize && m.Sense != Maximize {
		return bad("sense %d", m.Sense)
	}
	if !finite(m.Offset) {
		return bad("objective offset %v", m.Offset)
	}
	for j, v := range m.Vars {
		if math.IsNaN(v.Lower) || math.IsNaN(v.Upper) || v.Lower > v.Upper || v.Lower == Inf || v.Upper == -Inf {
			return bad("variable %d (%s): bounds [%v, %v]", j, v.Name, v.Lower, v.Upper)
		}
		if !finite(v.Obj) {
			return bad("variable %d (%s): objective %v", j, v.Name, v.Obj)
		}
	}
	for i, r := range m.Rows {
		if len(r.Index) != len(r.Coef) {
			return bad("row %d (%s): %d indices, %d coefficients", i, r.Name, len(r.Index), len(r.Coef))
		}
		if math.IsNaN(r.Lower) || math.IsNaN(r.Upper) || r.Lower > r.Upper || r.Lower == Inf || r.Upper == -Inf {
			return bad("row %d (%s): bounds [%v, %v]", i, r.Name, r.Lower, r.Upper)
		}
		for k, j := range r.Index {
			if j < 0 || j >= len(m.Vars) {
				return bad("row %d (%s): variable index %d out of range", i, r.Name, j)
			}
			if !finite(r.Coef[k]) {
				return bad("row %d (%s): coefficient %v", i, r.Name, r.Coef[k])
			}
		}
	}
	if m.Start != nil && len(m.Start) != len(m.Vars) {
		return bad("MIP start has %d values for %d variables", len(m.Start), len(m.Vars))
	}
	return nil
}

// Objective evaluates the objective, offset included, at x.
func (m *Model) Objective(x []float64) float64 {
	s := m.Offset
	for j, v := range m.Vars {
		s += v.Obj * x[j]
	}
	return s
}

// Violation is the largest violation at x of a bound, a row or integrality; a
// backend's answer can be checked with it independently of the backend.
func (m *Model) Violation(x []float64) float64 {
	if len(x) != len(m.Vars) {
		return Inf
	}
	worst := 0.0
	for j, v := range m.Vars {
		worst = math.Max(worst, math.Max(v.Lower-x[j], x[j]-v.Upper))
		if v.Integer {
			worst = math.Max(worst, math.Abs(x[j]-math.Round(x[j])))
		}
	}
	for _, r := range m.Rows {
		a := 0.0
		for k, j := range r.Index {
			a += r.Coef[k] * x[j]
		}
		worst = math.Max(worst, math.Max(r.Lower-a, a-r.Upper))
	}
	return worst
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
