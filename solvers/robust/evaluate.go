package robust

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
)

// EvalSettings configure Evaluate. Zero values are defaults.
type EvalSettings struct {
	// LP, when set, solves each cutting-plane LP from scratch through package milp
	// (a cross-check). By default the LP is solved through its dual by a
	// warm-started revised simplex in pure Go, which adds each cut as a column.
	LP milp.Solver
	// MaxIterations caps the cutting-plane rounds (default 10,000, as Neur2RO).
	MaxIterations int
	// RelTol stops the loop when the bounds on the worst-case profit are this close,
	// relative to the profit (default 1e-9), with an absolute floor of 1e-7.
	RelTol float64
	// TimeLimit bounds the evaluation (0 = only the context).
	TimeLimit time.Duration
	// Cutoff, when set, stops the evaluation as soon as a scenario brings the profit
	// to *Cutoff or below (Evaluation.CutOff is then set and Profit is only an upper
	// bound): a caller comparing candidates needs no more.
	Cutoff *float64

	// probes are scenarios tried first when Cutoff is set:
	// those that cut off or were worst for recent first stages. In a local
	// search most neighbours of the incumbent fall to one of them after a
	// single second-stage solve.
	probes [][]float64
	// ss, when set, is the second-stage solver to use (its scratch is reused).
	ss *SecondStage
}

// Evaluation is the exact worst case of a first-stage decision.
type Evaluation struct {
	// Profit is the worst-case total profit: the guaranteed value from the
	// cutting-plane LP, max over x's recourse under every ξ ∈ Ξ at least this.
	Profit float64
	// Witness is the profit under Scenario, the worst scenario found; the true
	// worst case lies in [Profit, Witness].
	Witness  float64
	Scenario []float64
	// Produce and Repair are the optimal recourse under Scenario.
	Produce, Repair []bool
	Iterations      int
	Converged       bool
	CutOff          bool
	LPBackend       string
}

// ErrNotConverged is returned when the cutting planes stop before the bounds meet
// (iteration or time limit, or an LP that no longer moves).
var ErrNotConverged = errors.New("robust: exact evaluation did not converge")

// cut is one recourse (y, r): under ξ it saves Σ f_i y_i − Σ p̂_i ξ_i (y_i − r_i) over
// outsourcing everything.
type cut struct {
	constant float64
	slope    []float64 // per active item: p̂_i (y_i − r_i)
	key      string
}

// Evaluate computes the exact worst-case profit of the first stage x over
// Ξ = {ξ ∈ [0,1]^n, Σξ ≤ Γ}: a cutting-plane LP min_ξ t, t ≥ saving_k(ξ) over the
// recourses found so far, with the second-stage DP as the oracle that adds the best
// recourse at the LP's ξ, until the LP value and the oracle's value meet.
func Evaluate(ctx context.Context, k *instances.RobustKnapsack, x []bool, set EvalSettings) (Evaluation, error) {
	if err := instances.CheckFirstStage(k, x); err != nil {
		return Evaluation{}, err
	}
	lpSolver := set.LP
	backend := "dual-simplex"
	if lpSolver != nil {
		backend = lpSolver.Name()
	}
	maxIt := set.MaxIterations
	if maxIt <= 0 {
		maxIt = 10000
	}
	relTol := set.RelTol
	if relTol <= 0 {
		relTol = 1e-9
	}
	if set.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, set.TimeLimit)
		defer cancel()
	}
	n := k.N()
	ss := set.ss
	if ss == nil {
		ss = NewSecondStage(k)
	}
	ev := Evaluation{Scenario: make([]float64, n), Produce: make([]bool, n), Repair: make([]bool, n), LPBackend: backend}
	base := 0.0
	// Only selected items with a positive degradation can hurt; ξ of every other
	// item is 0 without loss.
	var active []int
	for i, in := range x {
		if in {
			base += k.Profit[i] - k.Outsource[i]
			if k.Degradation[i] > 0 {
				active = append(active, i)
			}
		}
	}
	xi := make([]float64, n)
	y, r := make([]bool, n), make([]bool, n)
	witness := math.Inf(1)
	var cuts []cut
	seen := map[string]bool{}
	addCut := func() (bool, error) {
		v, err := ss.SolveContext(ctx, x, xi, y, r)
		if err != nil {
			return false, err
		}
		if v < witness {
			witness = v
			copy(ev.Scenario, xi)
			copy(ev.Produce, y)
			copy(ev.Repair, r)
		}
		c := cut{slope: make([]float64, len(active))}
		key := make([]byte, 0, len(active)+1)
		for i := range x {
			if y[i] {
				c.constant += k.Outsource[i]
			}
		}
		for a, i := range active {
			b := byte('0')
			if y[i] && !r[i] {
				c.slope[a] = k.Degradation[i]
				b = '1'
			}
			key = append(key, b)
		}
		c.key = fmt.Sprintf("%s/%.17g", key, c.constant)
		if seen[c.key] {
			return false, nil
		}
		seen[c.key] = true
		cuts = append(cuts, c)
		return true, nil
	}
	// The context stops the loop, and also a second-stage solve, which can be long
	// on huge capacities.
	lower := math.Inf(-1)
	stopped := func(err error) (Evaluation, error) {
		ev.Profit, ev.Witness = lower, witness
		return ev, fmt.Errorf("%w after %d iterations: %w", ErrNotConverged, ev.Iterations, err)
	}
	// Probes that fail to cut off leave no trace, so that the evaluation of a
	// first stage does not depend on the ones before it.
	if set.Cutoff != nil && len(set.probes) > 0 {
		for _, probe := range set.probes {
			clear(xi)
			for i, in := range x {
				if in {
					xi[i] = probe[i] // unselected items' coordinates only lower the sum
				}
			}
			v, err := ss.SolveContext(ctx, x, xi, y, r)
			if err != nil {
				return stopped(err)
			}
			if v <= *set.Cutoff {
				copy(ev.Scenario, xi)
				copy(ev.Produce, y)
				copy(ev.Repair, r)
				ev.Profit, ev.Witness, ev.CutOff = v, v, true
				return ev, nil
			}
		}
		clear(xi)
	}
	// Start from the nominal scenario and the greedy one that spends the budget on
	// the largest degradations.
	if _, err := addCut(); err != nil {
		return stopped(err)
	}
	greedyScenario(k, active, xi)
	if _, err := addCut(); err != nil {
		return stopped(err)
	}
	if len(active) == 0 || k.Gamma == 0 {
		ev.Profit, ev.Witness, ev.Converged = witness, witness, true
		return ev, nil
	}
	cutOff := func() bool {
		if set.Cutoff != nil && witness <= *set.Cutoff {
			ev.Profit, ev.Witness, ev.CutOff = witness, witness, true
			return true
		}
		return false
	}
	if cutOff() {
		return ev, nil
	}
	dual := &warmLP{lp: newCutLP(len(active), k.Gamma)}
	for ev.Iterations = 1; ev.Iterations <= maxIt; ev.Iterations++ {
		if err := ctx.Err(); err != nil {
			return stopped(err)
		}
		var t float64
		var err error
		if lpSolver == nil {
			t, err = dual.next(cuts, active, xi)
			if errors.Is(err, errCutLP) {
				// Some cut sets leave the warm-started basis singular (seen with
				// weights of 10^10); an LP solved from scratch each round does not
				// carry the basis over.
				lpSolver = milp.Simplex{}
				ev.LPBackend += ", then " + lpSolver.Name()
			}
		}
		if lpSolver != nil {
			t, err = solveCutLP(ctx, lpSolver, k.Gamma, active, cuts, xi)
		}
		if err != nil {
			ev.Profit, ev.Witness = lower, witness
			return ev, err
		}
		lower = math.Max(lower, base+t)
		if converged(lower, witness, relTol) {
			break
		}
		fresh, err := addCut()
		if err != nil {
			return stopped(err)
		}
		if cutOff() {
			return ev, nil
		}
		if !fresh || converged(lower, witness, relTol) {
			break
		}
	}
	ev.Profit, ev.Witness = math.Min(lower, witness), witness
	ev.Converged = converged(lower, witness, relTol)
	if !ev.Converged {
		return ev, fmt.Errorf("%w: bounds [%v, %v] after %d iterations", ErrNotConverged, lower, witness, ev.Iterations)
	}
	return ev, nil
}

func converged(lower, upper, relTol float64) bool {
	return upper-lower <= math.Max(1e-7, relTol*math.Abs(upper))
}

// greedyScenario writes into xi the scenario that spends Γ on the largest
// degradations among the active items.
func greedyScenario(k *instances.RobustKnapsack, active []int, xi []float64) {
	clear(xi)
	order := append([]int(nil), active...)
	sort.Slice(order, func(a, b int) bool { return k.Degradation[order[a]] > k.Degradation[order[b]] })
	budget := k.Gamma
	for _, i := range order {
		if budget <= 0 {
			break
		}
		xi[i] = math.Min(1, budget)
		budget -= xi[i]
	}
}

// solveCutLP solves min t s.t. t ≥ constant_k − slope_k·ξ, Σξ ≤ Γ, ξ ∈ [0,1], t ≥ 0
// over the active items and writes the optimal ξ into xi (zero elsewhere).
func solveCutLP(ctx context.Context, s milp.Solver, gamma float64, active []int, cuts []cut, xi []float64) (float64, error) {
	m := &milp.Model{}
	// The recourse "outsource everything" saves 0 under every scenario, so t ≥ 0.
	tv := m.AddVar(0, milp.Inf, 1, false, "t")
	idx := make([]int, len(active)+1)
	ones := make([]float64, len(active))
	ub := math.Min(1, gamma)
	for a := range active {
		idx[a] = m.AddVar(0, ub, 0, false, "")
		ones[a] = 1
	}
	idx[len(active)] = tv
	if gamma < float64(len(active)) {
		m.AddRow(idx[:len(active)], ones, -milp.Inf, gamma, "budget")
	}
	for _, c := range cuts {
		coef := make([]float64, len(active)+1)
		copy(coef, c.slope)
		coef[len(active)] = 1
		m.AddRow(idx, coef, c.constant, milp.Inf, "cut")
	}
	res, err := s.Solve(ctx, m, milp.Limits{})
	if err != nil {
		return 0, fmt.Errorf("robust: cutting-plane LP (%s): %w", s.Name(), err)
	}
	if res.Status != milp.Optimal {
		return 0, fmt.Errorf("%w: cutting-plane LP (%s) ended %v", ErrNotConverged, s.Name(), res.Status)
	}
	clear(xi)
	for a, i := range active {
		// Values within 1e-9 of a bound are put on it, so scenarios are reproducible
		// across LP backends.
		v := math.Min(1, math.Max(0, res.X[idx[a]]))
		if v < 1e-9 {
			v = 0
		} else if v > 1-1e-9 {
			v = 1
		}
		xi[i] = v
	}
	return res.X[tv], nil
}

// warmLP feeds new cuts to the warm-started dual LP.
type warmLP struct {
	lp    *cutLP
	added int
}

func (w *warmLP) next(cuts []cut, active []int, xi []float64) (float64, error) {
	for ; w.added < len(cuts); w.added++ {
		w.lp.addCut(cuts[w.added].constant, cuts[w.added].slope)
	}
	t, err := w.lp.solve()
	if err != nil {
		return 0, err
	}
	clear(xi)
	for a, i := range active {
		v := math.Min(1, math.Max(0, w.lp.pi[1+a]))
		if v < 1e-9 {
			v = 0
		} else if v > 1-1e-9 {
			v = 1
		}
		xi[i] = v
	}
	return t, nil
}
