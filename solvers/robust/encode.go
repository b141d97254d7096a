package robust

import (
	"math"
	"sort"

	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// linExpr is a sparse affine expression over model variables.
type linExpr struct {
	c   float64
	idx []int
	val []float64
}

func (e *linExpr) add(j int, v float64) {
	if v != 0 {
		e.idx = append(e.idx, j)
		e.val = append(e.val, v)
	}
}

// bounded is an affine expression with known bounds.
type bounded struct {
	linExpr
	lo, hi float64
}

// addReLU encodes y = max(0, e) with e ∈ [lo, hi]: stable neurons need no binary;
// the others use the big-M form y ≥ e, y ≤ e − lo(1−z), y ≤ hi·z. It returns y as an
// expression and its bounds.
func addReLU(m *milp.Model, e linExpr, lo, hi float64, stats *encodeStats) bounded {
	switch {
	case lo >= 0:
		stats.stableOn++
		return bounded{e, lo, hi}
	case hi <= 0:
		stats.stableOff++
		return bounded{linExpr{}, 0, 0}
	}
	stats.unstable++
	y := m.AddVar(0, hi, 0, false, "relu")
	z := m.AddBinary(0, "relu_on")
	// y − e ≥ 0
	idx := append(append([]int(nil), e.idx...), y)
	val := make([]float64, 0, len(idx))
	for _, v := range e.val {
		val = append(val, -v)
	}
	val = append(val, 1)
	m.AddRow(idx, val, e.c, milp.Inf, "")
	// y − e − lo·z ≤ −lo
	idx2 := append(append([]int(nil), idx...), z)
	val2 := append(append([]float64(nil), val...), -lo)
	m.AddRow(idx2, val2, -milp.Inf, -lo+e.c, "")
	// y − hi·z ≤ 0
	m.AddRow([]int{y, z}, []float64{1, -hi}, -milp.Inf, 0, "")
	var out linExpr
	out.add(y, 1)
	return bounded{out, 0, hi}
}

type encodeStats struct {
	stableOn, stableOff, unstable int
}

// denseOver applies the rows of a Dense block to bounded inputs, giving expressions
// and interval bounds.
func denseOver(d *nnsurrogate.Block, in []bounded, skipBias bool) []bounded {
	out := make([]bounded, d.Width)
	for o := 0; o < d.Width; o++ {
		var e linExpr
		if !skipBias {
			e.c = d.B[o]
		}
		lo, hi := e.c, e.c
		for j := 0; j < d.In; j++ {
			w := d.W[o*d.In+j]
			if w == 0 {
				continue
			}
			e.c += w * in[j].c
			for t, v := range in[j].idx {
				e.add(v, w*in[j].val[t])
			}
			if w > 0 {
				lo += w * in[j].lo
				hi += w * in[j].hi
			} else {
				lo += w * in[j].hi
				hi += w * in[j].lo
			}
		}
		out[o] = bounded{e, lo, hi}
	}
	return out
}

// constBounded wraps constants.
func constBounded(v []float64) []bounded {
	out := make([]bounded, len(v))
	for i, x := range v {
		out[i] = bounded{linExpr{c: x}, x, x}
	}
	return out
}

// itemPWL is the ξ-path embedding of one item whose row is [ξ_i, feat…] as a
// piecewise-linear function of ξ_i ∈ [0,1]: breakpoints t_0 = 0 < … < t_m = 1
// and the embedding at each.
type itemPWL struct {
	t []float64
	e [][]float64
}

func (p *pathBlocks) pwl(feat []float64) itemPWL {
	ts := []float64{0, 1}
	for j := 0; j < p.e1.Width; j++ {
		a := p.e1.W[j*p.e1.In]
		b := 0.0
		for f := 1; f < p.e1.In; f++ {
			b += p.e1.W[j*p.e1.In+f] * feat[f-1]
		}
		if a != 0 {
			if t := -b / a; t > 1e-9 && t < 1-1e-9 {
				ts = append(ts, t)
			}
		}
	}
	sort.Float64s(ts)
	var uniq []float64
	for _, t := range ts {
		if len(uniq) == 0 || t-uniq[len(uniq)-1] > 1e-9 {
			uniq = append(uniq, t)
		}
	}
	uniq[len(uniq)-1] = 1
	out := itemPWL{t: uniq}
	h := make([]float64, p.e1.Width)
	for _, t := range uniq {
		e := make([]float64, p.e2.Width)
		p.rowEmbedding(t, feat, h, e)
		out.e = append(out.e, e)
	}
	return out
}

// budgetBounds bounds Σ_i g_i(ξ_i) over ξ ∈ [0,1]^n, Σξ ≤ Γ, where each g_i is
// piecewise linear with g_i(0) = 0, given by its values at breakpoints. Each g_i is
// bounded above by min(max g_i, ρ_i·ξ_i), ρ_i its largest slope from 0; the greedy
// fractional knapsack over ρ is then exact for the bound. The lower bound is the same
// for −g.
func budgetBounds(ts [][]float64, gs [][]float64, gamma float64) (lo, hi float64) {
	up := func(sign float64) float64 {
		type item struct{ rho, max float64 }
		var items []item
		for i := range ts {
			rho, mx := 0.0, 0.0
			for s, t := range ts[i] {
				v := sign * gs[i][s]
				mx = math.Max(mx, v)
				if t > 0 {
					rho = math.Max(rho, v/t)
				}
			}
			if rho > 0 {
				items = append(items, item{rho, mx})
			}
		}
		sort.Slice(items, func(a, b int) bool { return items[a].rho > items[b].rho })
		left, total := gamma, 0.0
		for _, it := range items {
			if left <= 0 {
				break
			}
			use := math.Min(left, math.Min(1, it.max/it.rho))
			total += it.rho * use
			left -= use
		}
		return total
	}
	return -up(-1), up(1)
}
