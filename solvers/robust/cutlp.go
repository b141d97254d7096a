package robust

import (
	"errors"
	"math"
)

// cutLP solves the cutting-plane LP of Evaluate through its dual, so that adding a
// cut is adding a column and the previous optimal basis stays feasible: each round
// then costs a few pivots of a revised primal simplex instead of a fresh solve.
//
// Primal: min t s.t. t + d_kᵀξ ≥ F_k (cuts), Σξ ≤ Γ, 0 ≤ ξ ≤ 1, t ≥ 0.
// Dual:   max Σ F_k λ_k − Γμ − Σ ν_i s.t. Σλ ≤ 1, Σ_k d_ki λ_k − μ − ν_i ≤ 0,
// λ, μ, ν ≥ 0. The primal (t, ξ) are the dual LP's row prices.
type cutLP struct {
	m     int         // rows: 1 + active items
	binv  [][]float64 // inverse of the basis
	basis []int
	xB    []float64
	a     [][]float64 // columns: slacks, μ, ν_i, then one per cut
	c     []float64
	since int // pivots since the last refactorisation
	pi    []float64
	dir   []float64
	scale float64
}

var errCutLP = errors.New("robust: cutting-plane LP failed")

func newCutLP(active int, gamma float64) *cutLP {
	m := 1 + active
	lp := &cutLP{m: m, binv: make([][]float64, m), basis: make([]int, m), xB: make([]float64, m),
		pi: make([]float64, m), dir: make([]float64, m), scale: 1}
	for r := 0; r < m; r++ {
		col := make([]float64, m)
		col[r] = 1
		lp.a = append(lp.a, col)
		lp.c = append(lp.c, 0)
		lp.binv[r] = make([]float64, m)
		lp.binv[r][r] = 1
		lp.basis[r] = r
	}
	lp.xB[0] = 1
	mu := make([]float64, m)
	for r := 1; r < m; r++ {
		mu[r] = -1
	}
	lp.a = append(lp.a, mu)
	lp.c = append(lp.c, -gamma)
	for r := 1; r < m; r++ {
		nu := make([]float64, m)
		nu[r] = -1
		lp.a = append(lp.a, nu)
		lp.c = append(lp.c, -1)
	}
	return lp
}

// addCut adds t + slopeᵀξ ≥ constant.
func (lp *cutLP) addCut(constant float64, slope []float64) {
	col := make([]float64, lp.m)
	col[0] = 1
	copy(col[1:], slope)
	lp.a = append(lp.a, col)
	lp.c = append(lp.c, constant)
	lp.scale = math.Max(lp.scale, math.Abs(constant))
}

// solve re-optimises and returns the LP value t and the prices (t, ξ…) in lp.pi.
func (lp *cutLP) solve() (float64, error) {
	m := lp.m
	degenerate := 0
	for it := 0; it < 50*(len(lp.a)+m)+1000; it++ {
		if lp.since >= 64 {
			if err := lp.refactor(); err != nil {
				return 0, err
			}
		}
		for r := 0; r < m; r++ {
			s := 0.0
			for i := 0; i < m; i++ {
				s += lp.c[lp.basis[i]] * lp.binv[i][r]
			}
			lp.pi[r] = s
		}
		tol := 1e-10 * lp.scale
		enter, best := -1, tol
		for j, col := range lp.a {
			rc := lp.c[j]
			for r, v := range col {
				if v != 0 {
					rc -= lp.pi[r] * v
				}
			}
			if rc > best {
				enter, best = j, rc
				if degenerate > 20 {
					break // Bland's rule: the first improving column
				}
			}
		}
		if enter < 0 {
			obj := 0.0
			for i := 0; i < m; i++ {
				obj += lp.c[lp.basis[i]] * lp.xB[i]
			}
			return obj, nil
		}
		col := lp.a[enter]
		for i := 0; i < m; i++ {
			s := 0.0
			for r, v := range col {
				if v != 0 {
					s += lp.binv[i][r] * v
				}
			}
			lp.dir[i] = s
		}
		leave := -1
		ratio := math.Inf(1)
		for i := 0; i < m; i++ {
			if lp.dir[i] > 1e-11 {
				q := lp.xB[i] / lp.dir[i]
				if q < ratio-1e-14 || (q <= ratio+1e-14 && leave >= 0 && lp.basis[i] < lp.basis[leave]) {
					ratio, leave = q, i
				}
			}
		}
		if leave < 0 {
			return 0, errCutLP
		}
		if ratio <= 1e-14 {
			degenerate++
		} else {
			degenerate = 0
		}
		lp.pivot(leave, enter)
	}
	return 0, errCutLP
}

func (lp *cutLP) pivot(r, enter int) {
	d := lp.dir
	inv := 1 / d[r]
	row := lp.binv[r]
	for j := range row {
		row[j] *= inv
	}
	lp.xB[r] *= inv
	for i := 0; i < lp.m; i++ {
		if i == r || d[i] == 0 {
			continue
		}
		f := d[i]
		bi := lp.binv[i]
		for j, v := range row {
			bi[j] -= f * v
		}
		lp.xB[i] -= f * lp.xB[r]
	}
	lp.basis[r] = enter
	lp.since++
}

// refactor recomputes the basis inverse and the basic values from scratch
// (Gauss–Jordan with partial pivoting), shedding the rounding of the updates.
func (lp *cutLP) refactor() error {
	m := lp.m
	aug := make([][]float64, m)
	for i := 0; i < m; i++ {
		aug[i] = make([]float64, 2*m)
		for k := 0; k < m; k++ {
			aug[i][k] = lp.a[lp.basis[k]][i]
		}
		aug[i][m+i] = 1
	}
	for col := 0; col < m; col++ {
		p := col
		for i := col + 1; i < m; i++ {
			if math.Abs(aug[i][col]) > math.Abs(aug[p][col]) {
				p = i
			}
		}
		if math.Abs(aug[p][col]) < 1e-12 {
			return errCutLP
		}
		aug[col], aug[p] = aug[p], aug[col]
		inv := 1 / aug[col][col]
		for j := range aug[col] {
			aug[col][j] *= inv
		}
		for i := 0; i < m; i++ {
			if i != col && aug[i][col] != 0 {
				f := aug[i][col]
				for j := range aug[i] {
					aug[i][j] -= f * aug[col][j]
				}
			}
		}
	}
	for i := 0; i < m; i++ {
		copy(lp.binv[i], aug[i][m:])
		// b = (1, 0, …, 0), so B⁻¹b is the first column of the inverse.
		lp.xB[i] = math.Max(0, lp.binv[i][0])
	}
	lp.since = 0
	return nil
}
