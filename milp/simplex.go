package milp

import "math"

// tableau is a dense two-phase primal simplex on a standard-form LP
// min cᵀx s.t. Ax = b, x ≥ 0 with b ≥ 0. Dantzig's rule picks the entering column
// until a run of degenerate pivots, then Bland's rule, which cannot cycle, takes over.
type tableau struct {
	m, n  int         // rows, structural columns
	t     [][]float64 // m rows of n+m+1 entries: structural, artificial, right-hand side
	z     []float64   // reduced costs, same width; z[rhs] is −objective
	basis []int
}

const (
	pivotTol = 1e-9
	costTol  = 1e-9
)

type lpOutcome int

const (
	lpOptimal lpOutcome = iota
	lpInfeasible
	lpUnbounded
	lpIterationLimit
)

func solveTableau(A [][]float64, b, c []float64) ([]float64, lpOutcome) {
	m, n := len(A), len(c)
	w := n + m + 1
	tb := &tableau{m: m, n: n, t: make([][]float64, m), z: make([]float64, w), basis: make([]int, m)}
	for i := 0; i < m; i++ {
		row := make([]float64, w)
		copy(row, A[i])
		row[n+i] = 1
		row[w-1] = b[i]
		tb.t[i] = row
		tb.basis[i] = n + i
		// Phase 1 minimises the sum of artificials.
		for j := 0; j < n; j++ {
			tb.z[j] -= row[j]
		}
		tb.z[w-1] -= b[i]
	}
	if out := tb.run(n + m); out != lpOptimal {
		return nil, out
	}
	if -tb.z[w-1] > 1e-7*math.Max(1, maxAbs(b)) {
		return nil, lpInfeasible
	}
	// Drive the remaining (zero-valued) artificials out of the basis; a row where no
	// structural column can replace one is redundant and keeps its artificial at 0.
	for i := 0; i < m; i++ {
		if tb.basis[i] < n {
			continue
		}
		for j := 0; j < n; j++ {
			if math.Abs(tb.t[i][j]) > 1e-7 {
				tb.pivot(i, j)
				break
			}
		}
	}
	// Phase 2 reduced costs; artificial columns may no longer enter.
	clear(tb.z)
	copy(tb.z, c)
	for i := 0; i < m; i++ {
		cb := 0.0
		if bj := tb.basis[i]; bj < n {
			cb = c[bj]
		}
		if cb == 0 {
			continue
		}
		for j, v := range tb.t[i] {
			tb.z[j] -= cb * v
		}
	}
	if out := tb.run(n); out != lpOptimal {
		return nil, out
	}
	x := make([]float64, n)
	for i, bj := range tb.basis {
		if bj < n {
			x[bj] = math.Max(0, tb.t[i][w-1])
		}
	}
	return x, lpOptimal
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// run pivots until no column among the first `enter` has a negative reduced cost.
func (tb *tableau) run(enter int) lpOutcome {
	rhs := tb.n + tb.m
	degenerate := 0
	limit := 50 * (tb.m + tb.n + 10)
	for it := 0; it < limit; it++ {
		col := -1
		if degenerate < 50 {
			best := -costTol
			for j := 0; j < enter; j++ {
				if tb.z[j] < best {
					best, col = tb.z[j], j
				}
			}
		} else {
			for j := 0; j < enter; j++ {
				if tb.z[j] < -costTol {
					col = j
					break
				}
			}
		}
		if col < 0 {
			return lpOptimal
		}
		row := -1
		ratio := math.Inf(1)
		for i := 0; i < tb.m; i++ {
			a := tb.t[i][col]
			if a <= pivotTol {
				continue
			}
			r := tb.t[i][rhs] / a
			if r < ratio-1e-12 || (r <= ratio+1e-12 && row >= 0 && tb.basis[i] < tb.basis[row]) {
				ratio, row = r, i
			}
		}
		if row < 0 {
			return lpUnbounded
		}
		if ratio <= 1e-12 {
			degenerate++
		} else {
			degenerate = 0
		}
		tb.pivot(row, col)
	}
	return lpIterationLimit
}

func (tb *tableau) pivot(row, col int) {
	pr := tb.t[row]
	inv := 1 / pr[col]
	for j := range pr {
		pr[j] *= inv
	}
	pr[col] = 1
	for i, r := range tb.t {
		if i == row {
			continue
		}
		if f := r[col]; f != 0 {
			for j, v := range pr {
				r[j] -= f * v
			}
			r[col] = 0
		}
	}
	if f := tb.z[col]; f != 0 {
		for j, v := range pr {
			tb.z[j] -= f * v
		}
		tb.z[col] = 0
	}
	tb.basis[row] = col
}
