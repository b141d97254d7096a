package milp

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Simplex is the pure-Go backend: continuous models only, converted to standard
// form and solved by a dense two-phase tableau simplex. Each pivot costs
// O(rows·columns); use it for LPs of a few hundred rows at most. (gonum's
// lp.Simplex was tried first: it reports singular bases on the degenerate
// cutting-plane LPs of the robust evaluation.)
type Simplex struct{}

func init() { backends = append([]Solver{Simplex{}}, backends...) }

// Name is "simplex".
func (Simplex) Name() string { return "simplex" }

// Solve solves a continuous model; models with integer variables give ErrUnsupported.
func (Simplex) Solve(ctx context.Context, m *Model, lim Limits) (Result, error) {
	start := time.Now()
	if err := m.Validate(); err != nil {
		return Result{}, err
	}
	if m.NumIntegers() > 0 {
		return Result{}, fmt.Errorf("%w: simplex solves continuous models only, this one has %d integer variables", ErrUnsupported, m.NumIntegers())
	}
	sf := toStandard(m)
	return runBounded(ctx, lim, start, func() (Result, error) { return sf.solve(m) })
}

// column maps a model variable onto standard-form columns: x = off + sign·col (+ the
// negative part neg for free variables).
type column struct {
	off       float64
	col, neg  int
	sign      float64
	fixedOnly bool
}

type standardForm struct {
	cols   []column
	c      []float64
	rows   [][]float64 // dense rows over the standard-form columns
	b      []float64
	ncol   int
	objOff float64
}

func toStandard(m *Model) *standardForm {
	sf := &standardForm{cols: make([]column, len(m.Vars))}
	newCol := func(cost float64) int {
		sf.c = append(sf.c, cost)
		sf.ncol++
		return sf.ncol - 1
	}
	sign := 1.0
	if m.Sense == Maximize {
		sign = -1
	}
	type pending struct {
		coef map[int]float64
		rhs  float64
	}
	var eqs []pending
	for j, v := range m.Vars {
		obj := sign * v.Obj
		lo, hi := v.Lower, v.Upper
		switch {
		case lo == hi:
			sf.cols[j] = column{off: lo, col: -1, neg: -1, fixedOnly: true}
		case !math.IsInf(lo, -1):
			k := newCol(obj)
			sf.cols[j] = column{off: lo, col: k, neg: -1, sign: 1}
			if !math.IsInf(hi, 1) {
				s := newCol(0)
				eqs = append(eqs, pending{map[int]float64{k: 1, s: 1}, hi - lo})
			}
		case !math.IsInf(hi, 1):
			sf.cols[j] = column{off: hi, col: newCol(-obj), neg: -1, sign: -1}
		default:
			sf.cols[j] = column{col: newCol(obj), neg: newCol(-obj), sign: 1}
		}
		sf.objOff += obj * sf.cols[j].off
	}
	for _, r := range m.Rows {
		coef := map[int]float64{}
		konst := 0.0
		for k, j := range r.Index {
			cj := sf.cols[j]
			a := r.Coef[k]
			konst += a * cj.off
			if cj.col >= 0 {
				coef[cj.col] += a * cj.sign
			}
			if cj.neg >= 0 {
				coef[cj.neg] -= a
			}
		}
		switch {
		case r.Lower == r.Upper:
			eqs = append(eqs, pending{coef, r.Lower - konst})
			continue
		case !math.IsInf(r.Lower, -1):
			c2 := clone(coef)
			c2[newCol(0)] = -1
			eqs = append(eqs, pending{c2, r.Lower - konst})
		}
		if !math.IsInf(r.Upper, 1) {
			c2 := clone(coef)
			c2[newCol(0)] = 1
			eqs = append(eqs, pending{c2, r.Upper - konst})
		}
	}
	for _, e := range eqs {
		row := make([]float64, sf.ncol)
		for k, a := range e.coef {
			row[k] = a
		}
		sf.rows = append(sf.rows, row)
		sf.b = append(sf.b, e.rhs)
	}
	return sf
}

func clone(m map[int]float64) map[int]float64 {
	c := make(map[int]float64, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (sf *standardForm) solve(m *Model) (Result, error) {
	// Columns that appear in no row sit at 0 when their cost is non-negative and make
	// the problem unbounded otherwise.
	used := make([]bool, sf.ncol)
	for _, row := range sf.rows {
		for k, a := range row {
			if a != 0 {
				used[k] = true
			}
		}
	}
	keep := make([]int, 0, sf.ncol)
	for k := 0; k < sf.ncol; k++ {
		if used[k] {
			keep = append(keep, k)
		} else if sf.c[k] < 0 {
			return Result{Status: Unbounded, Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1)}, nil
		}
	}
	x := make([]float64, len(m.Vars))
	var sol []float64
	if len(sf.rows) > 0 {
		nr, nc := len(sf.rows), len(keep)
		A := make([][]float64, nr)
		b := make([]float64, nr)
		c := make([]float64, nc)
		for i, row := range sf.rows {
			s := 1.0
			if sf.b[i] < 0 {
				s = -1
			}
			b[i] = s * sf.b[i]
			A[i] = make([]float64, nc)
			for kk, k := range keep {
				A[i][kk] = s * row[k]
			}
		}
		for kk, k := range keep {
			c[kk] = sf.c[k]
		}
		xs, out := solveTableau(A, b, c)
		switch out {
		case lpOptimal:
		case lpInfeasible:
			return Result{Status: Infeasible, Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1)}, nil
		case lpUnbounded:
			return Result{Status: Unbounded, Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1)}, nil
		default:
			return Result{}, fmt.Errorf("%w: simplex iteration limit", ErrNumerical)
		}
		sol = make([]float64, sf.ncol)
		for kk, k := range keep {
			sol[k] = xs[kk]
		}
	} else {
		sol = make([]float64, sf.ncol)
	}
	for j, cj := range sf.cols {
		x[j] = cj.off
		if cj.col >= 0 {
			x[j] += cj.sign * sol[cj.col]
		}
		if cj.neg >= 0 {
			x[j] -= sol[cj.neg]
		}
	}
	obj := m.Objective(x)
	return Result{Status: Optimal, X: x, Objective: obj, Bound: obj}, nil
}
