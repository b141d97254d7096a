package robust

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/cosolve/cosolve/milp"
)

func (e *linExpr) eval(x []float64) float64 {
	v := e.c
	for t, j := range e.idx {
		v += e.val[t] * x[j]
	}
	return v
}

// setObjective makes the model maximise e.
func setObjective(m *milp.Model, e linExpr) {
	m.Sense = milp.Maximize
	m.Offset += e.c
	for t, j := range e.idx {
		m.Vars[j].Obj += e.val[t]
	}
}

func milpLimits(s Settings) milp.Limits {
	return milp.Limits{RelGap: 1e-4, Threads: s.Threads}
}

// solveEncoded solves a main or adversarial model; errTimedOut means the
// context or the time limit stopped it without a solution.
func solveEncoded(ctx context.Context, m *milp.Model, s Settings, st *Stats, what string) (milp.Result, error) {
	res, err := s.MILP.Solve(ctx, m, milpLimits(s))
	if err != nil {
		if ctx.Err() != nil {
			return res, errTimedOut
		}
		return res, fmt.Errorf("robust: %s MILP: %w", what, err)
	}
	if res.TimedOut {
		st.MILPTimeouts++
	}
	if res.X == nil {
		// A solve that ends without a solution once its context has is
		// stopped, whatever status the backend gives it.
		if res.TimedOut || ctx.Err() != nil {
			return res, errTimedOut
		}
		return res, fmt.Errorf("robust: %s MILP ended %v", what, res.Status)
	}
	return res, nil
}

// encodingTol is how far a MILP optimum may sit from the forward pass: the big-M
// constraints are exact, so only the solver's integrality and feasibility
// tolerances (about 1e-6 times the big-M values) separate them.
func encodingTol(v float64) float64 { return 1e-4 * math.Max(1, math.Abs(v)) }

// adversaryMILP maximises the network over Ξ with x fixed, for problems whose
// items each see one coordinate of ξ ∈ [0,1]^n (Features.ItemXi). The x path is
// a constant (forward pass). The ξ path's per-item embedding is a
// piecewise-linear function of the scalar ξ_i, encoded exactly with the
// incremental formulation (one binary per breakpoint in (0,1)); the
// post-aggregation and value ReLUs use big-M constraints whose bounds come from
// the budget-aware greedy bound (post-aggregation) and interval propagation
// from those (value layer); stable neurons get no binary.
func adversaryMILP(ctx context.Context, p *predictor, x []bool, s Settings, st *Stats) ([]float64, float64, error) {
	n := p.prob.N()
	unc := p.unc
	px := p.px(x)
	xi := p.net.xi
	m := &milp.Model{}
	width := xi.e2.Width
	sum0 := make([]float64, width)
	h := make([]float64, xi.e1.Width)
	e := make([]float64, width)
	type seg struct {
		v     int
		slope []float64
	}
	var segs [][]seg
	var active []int
	var pwls []itemPWL
	movable := make([]bool, n)
	if unc.Movable == nil {
		for i := range movable {
			movable[i] = true
		}
	} else {
		for _, i := range unc.Movable(x) {
			movable[i] = true
		}
	}
	for i := 0; i < n; i++ {
		feat := p.static(i)
		xi.rowEmbedding(0, feat, h, e)
		for l := range sum0 {
			sum0[l] += e[l]
		}
		if !movable[i] {
			continue
		}
		pw := xi.pwl(feat)
		var ss []seg
		for sI := 0; sI+1 < len(pw.t); sI++ {
			ln := pw.t[sI+1] - pw.t[sI]
			slope := make([]float64, width)
			for l := range slope {
				slope[l] = (pw.e[sI+1][l] - pw.e[sI][l]) / ln
			}
			ss = append(ss, seg{m.AddVar(0, ln, 0, false, "delta"), slope})
		}
		// Incremental formulation: a segment may be used only once the previous one is
		// full.
		for sI := 0; sI+1 < len(ss); sI++ {
			w := m.AddBinary(0, "seg")
			lnA := pw.t[sI+1] - pw.t[sI]
			lnB := pw.t[sI+2] - pw.t[sI+1]
			m.AddRow([]int{ss[sI].v, w}, []float64{1, -lnA}, 0, milp.Inf, "")
			m.AddRow([]int{ss[sI+1].v, w}, []float64{1, -lnB}, -milp.Inf, 0, "")
		}
		segs = append(segs, ss)
		active = append(active, i)
		pwls = append(pwls, pw)
	}
	if len(active) == 0 || unc.Budget == 0 {
		z := make([]float64, n)
		return z, p.net.value(px, p.pxi(z)), nil
	}
	var budget linExpr
	for _, ss := range segs {
		for _, sg := range ss {
			budget.add(sg.v, 1)
		}
	}
	if unc.Budget < float64(len(active)) {
		m.AddRow(budget.idx, budget.val, -milp.Inf, unc.Budget, "budget")
	}
	var stats encodeStats
	// Post-aggregation pre-activations q = P1·(Σ embeddings), bounded per neuron.
	p1 := xi.p1
	q := make([]bounded, p1.Width)
	for o := 0; o < p1.Width; o++ {
		row := p1.W[o*p1.In : (o+1)*p1.In]
		var ex linExpr
		for l, w := range row {
			ex.c += w * sum0[l]
		}
		for _, ss := range segs {
			for _, sg := range ss {
				c := 0.0
				for l, w := range row {
					c += w * sg.slope[l]
				}
				ex.add(sg.v, c)
			}
		}
		ts := make([][]float64, len(active))
		gs := make([][]float64, len(active))
		for a, pw := range pwls {
			ts[a] = pw.t
			gs[a] = make([]float64, len(pw.t))
			for sI := range pw.t {
				c := 0.0
				for l, w := range row {
					c += w * (pw.e[sI][l] - pw.e[0][l])
				}
				gs[a][sI] = c
			}
		}
		lo, hi := budgetBounds(ts, gs, unc.Budget)
		q[o] = bounded{ex, ex.c + lo, ex.c + hi}
	}
	r := make([]bounded, len(q))
	for o := range q {
		r[o] = addReLU(m, q[o].linExpr, q[o].lo, q[o].hi, &stats)
	}
	pxi := denseOver(xi.p2, r, true)
	in := append(constBounded(px), pxi...)
	if !p.net.xFirst {
		in = append(append([]bounded(nil), pxi...), constBounded(px)...)
	}
	u := denseOver(p.net.v1, in, false)
	g := make([]bounded, len(u))
	for o := range u {
		g[o] = addReLU(m, u[o].linExpr, u[o].lo, u[o].hi, &stats)
	}
	phi := denseOver(p.net.v2, g, false)[0]
	setObjective(m, phi.linExpr)
	st.AdvBinaries = m.NumIntegers()
	st.AdvStable = stats.stableOn + stats.stableOff
	res, err := solveEncoded(ctx, m, s, st, "adversarial")
	if err != nil {
		return nil, 0, err
	}
	out := make([]float64, n)
	for a, i := range active {
		v := 0.0
		for _, sg := range segs[a] {
			v += res.X[sg.v]
		}
		// As Neur2RO: values within 1e-6 of a bound are put on it.
		switch {
		case v < 1e-6:
			v = 0
		case v > 1-1e-6:
			v = 1
		}
		out[i] = v
	}
	fwd := p.net.value(px, p.pxi(out))
	st.EncodingChecks++
	if math.Abs(fwd-res.Objective) > encodingTol(fwd) {
		return nil, 0, fmt.Errorf("%w: adversarial optimum %.9g, forward pass %.9g at its ξ", ErrEncoding, res.Objective, fwd)
	}
	return out, fwd, nil
}

// mainMILP is the main problem in the argmax formulation for the scenarios so far.
// The x path is linear in binary x (ReLU(a·x_i + b) = x_i·ReLU(a+b) + (1−x_i)·ReLU(b)),
// its post-aggregation ReLUs use big-M with exact bounds over the binary box; one
// value network per scenario is encoded, binaries s select the scenario with the
// largest prediction, and the problem models its true second stage for that
// scenario (Problem.EncodeMain). Without scenarios it is the deterministic
// problem for the nominal scenario. When the problem's Deterministic is exact
// (DeterministicOptimum), mainByDeterministic tries first to prove the optimum
// without a MILP, and its best candidate stands in for a MILP that the time
// limit stops without a solution or with a worse one. With one scenario the
// network has nothing to choose and is left out of the MILP.
func mainMILP(ctx context.Context, p *predictor, scen [][]float64, s Settings, st *Stats) ([]bool, float64, error) {
	n := p.prob.N()
	if len(scen) == 0 {
		x, err := p.prob.Deterministic(ctx, p.unc.Nominal)
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, errTimedOut
			}
			return nil, 0, err
		}
		return x, 0, nil
	}
	// The branches' best solution when they prove nothing: its main-problem
	// worth and largest prediction.
	var incumbent []bool
	var incWorth, incWorst float64
	if deterministicIsOptimal(p.prob) {
		x, worth, worst, proved, err := mainByDeterministic(ctx, p, scen)
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, errTimedOut
			}
			return nil, 0, err
		}
		if proved {
			st.MainProved++
			return x, worst, nil
		}
		incumbent, incWorth, incWorst = x, worth, worst
	}
	m := &milp.Model{}
	xv := make([]int, n)
	for i := range xv {
		xv[i] = m.AddBinary(0, "x")
	}
	var phis []bounded
	sv := []int{m.AddVar(1, 1, 0, true, "s")}
	if len(scen) > 1 {
		phis, sv = encodeArgmax(m, p, xv, scen)
	}
	p.prob.EncodeMain(m, xv, sv, scen)
	m.Sense = milp.Maximize
	res, err := solveEncoded(ctx, m, s, st, "main")
	if errors.Is(err, errTimedOut) && incumbent != nil {
		return incumbent, incWorst, nil
	}
	if err != nil {
		return nil, 0, err
	}
	x := make([]bool, n)
	for i := range x {
		x[i] = res.X[xv[i]] > 0.5
	}
	if incumbent != nil && res.TimedOut && incWorth > res.Objective {
		return incumbent, incWorst, nil
	}
	// The encoding must reproduce the forward pass at the optimum: every Φ_j, and a
	// as their maximum.
	pxF := p.px(x)
	best := math.Inf(-1)
	for j, xi := range scen {
		fwd := p.net.value(pxF, p.pxi(xi))
		best = math.Max(best, fwd)
		if phis == nil {
			continue
		}
		if got := phis[j].eval(res.X); math.Abs(got-fwd) > encodingTol(fwd) {
			return nil, 0, fmt.Errorf("%w: main problem scenario %d: encoded %.9g, forward pass %.9g", ErrEncoding, j, got, fwd)
		}
	}
	if phis != nil {
		st.EncodingChecks++
	}
	return x, best, nil
}

// encodeArgmax adds the value network for each scenario on the x path and the
// binaries s that select the scenario with the largest prediction (a ≥ Φ_j,
// and a ≤ Φ_j where s_j = 1); it returns each Φ_j as an expression, and s.
func encodeArgmax(m *milp.Model, p *predictor, xv []int, scen [][]float64) ([]bounded, []int) {
	n := len(xv)
	xp := p.net.x
	width := xp.e2.Width
	base := make([]float64, width)
	delta := make([][]float64, n)
	h := make([]float64, xp.e1.Width)
	e0 := make([]float64, width)
	e1 := make([]float64, width)
	for i := 0; i < n; i++ {
		feat := p.static(i)
		xp.rowEmbedding(0, feat, h, e0)
		xp.rowEmbedding(1, feat, h, e1)
		delta[i] = make([]float64, width)
		for l := range base {
			base[l] += e0[l]
			delta[i][l] = e1[l] - e0[l]
		}
	}
	var stats encodeStats
	q := make([]bounded, xp.p1.Width)
	for o := range q {
		row := xp.p1.W[o*xp.p1.In : (o+1)*xp.p1.In]
		var ex linExpr
		for l, w := range row {
			ex.c += w * base[l]
		}
		lo, hi := ex.c, ex.c
		for i := 0; i < n; i++ {
			d := 0.0
			for l, w := range row {
				d += w * delta[i][l]
			}
			ex.add(xv[i], d)
			lo += math.Min(0, d)
			hi += math.Max(0, d)
		}
		q[o] = bounded{ex, lo, hi}
	}
	r := make([]bounded, len(q))
	for o := range q {
		r[o] = addReLU(m, q[o].linExpr, q[o].lo, q[o].hi, &stats)
	}
	px := denseOver(xp.p2, r, true)
	phis := make([]bounded, len(scen))
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, xi := range scen {
		pxi := constBounded(p.pxi(xi))
		in := append(append([]bounded(nil), px...), pxi...)
		if !p.net.xFirst {
			in = append(append([]bounded(nil), pxi...), px...)
		}
		u := denseOver(p.net.v1, in, false)
		g := make([]bounded, len(u))
		for o := range u {
			g[o] = addReLU(m, u[o].linExpr, u[o].lo, u[o].hi, &stats)
		}
		phis[j] = denseOver(p.net.v2, g, false)[0]
		lo, hi = math.Min(lo, phis[j].lo), math.Max(hi, phis[j].hi)
	}
	bigM := hi - lo + 1e-6
	a := m.AddVar(lo, hi, 0, false, "a")
	sv := make([]int, len(scen))
	ones := make([]float64, len(scen))
	for j := range scen {
		sv[j] = m.AddBinary(0, "s")
		ones[j] = 1
		ph := phis[j]
		// a − Φ_j ≥ 0 and a − Φ_j + M·s_j ≤ M.
		idx := append([]int{a}, ph.idx...)
		val := []float64{1}
		for _, v := range ph.val {
			val = append(val, -v)
		}
		m.AddRow(idx, val, ph.c, milp.Inf, "")
		m.AddRow(append(append([]int(nil), idx...), sv[j]), append(append([]float64(nil), val...), bigM), -milp.Inf, bigM+ph.c, "")
	}
	m.AddRow(sv, ones, 1, 1, "one scenario")
	return phis, sv
}

// mainByDeterministic solves the main problem by its branches, one per
// scenario j: the best x for which scen[j] has the largest prediction. The
// deterministic optimum x_j for scen[j] bounds branch j by its worth u_j, and
// meets that bound when the network's worst scenario for x_j is scen[j]
// itself. Every x_j is also a solution of the main problem, worth its
// second stage under its own worst predicted scenario. So once the best of
// those worths reaches the bound of every branch not met, it is the optimum
// (proved); otherwise the best x_j is returned unproved, as an incumbent. It
// returns that x with its worth and its largest prediction.
func mainByDeterministic(ctx context.Context, p *predictor, scen [][]float64) (x []bool, worth, worst float64, proved bool, err error) {
	emb := make([][]float64, len(scen))
	for j, xi := range scen {
		emb[j] = p.pxi(xi)
	}
	worth, open := math.Inf(-1), math.Inf(-1)
	vals := make([]float64, len(scen))
	for j, xi := range scen {
		xj, err := p.prob.Deterministic(ctx, xi)
		if err != nil {
			return nil, 0, 0, false, err
		}
		u, err := p.prob.SecondStage(ctx, xj, xi)
		if err != nil {
			return nil, 0, 0, false, err
		}
		// The main problem may pick any scenario tied for the largest
		// prediction, so it takes the most favourable of them.
		px := p.px(xj)
		top := math.Inf(-1)
		for k := range scen {
			vals[k] = p.net.value(px, emb[k])
			top = math.Max(top, vals[k])
		}
		tied := top - 1e-9*math.Max(1, math.Abs(top)) // predictions from here on count as the largest
		v := math.Inf(-1)
		for k, o := range scen {
			if vals[k] < tied {
				continue
			}
			if k == j {
				v = math.Max(v, u)
				continue
			}
			w, err := p.prob.SecondStage(ctx, xj, o)
			if err != nil {
				return nil, 0, 0, false, err
			}
			v = math.Max(v, w)
		}
		if vals[j] < tied {
			open = math.Max(open, u)
		}
		if v > worth {
			x, worth, worst = xj, v, top
		}
	}
	return x, worth, worst, worth >= open-1e-4*math.Max(1, math.Abs(open)), nil
}
