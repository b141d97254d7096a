package robust

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
)

// knapsackProblem is the two-stage robust knapsack as a Problem; its worth is
// the profit.
type knapsackProblem struct {
	k     *instances.RobustKnapsack
	ss    *SecondStage
	feats []float64
	label LabelSense
	// probes are the scenarios that last cut off or were worst for an
	// evaluated first stage, most recent first (at most maxProbes).
	probes [][]float64
}

// maxProbes bounds the scenarios an evaluation with a cutoff tries first.
const maxProbes = 4

// NewKnapsackProblem wraps a robust knapsack as a Problem (Solve does so),
// with the saving label of the shipped model.
func NewKnapsackProblem(k *instances.RobustKnapsack) (Problem, error) {
	return newKnapsackProblem(k, LabelSaving)
}

func newKnapsackProblem(k *instances.RobustKnapsack, label LabelSense) (Problem, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return &knapsackProblem{k: k, ss: NewSecondStage(k), feats: itemFeatures(k), label: label}, nil
}

func (p *knapsackProblem) Name() string { return p.k.Name }
func (p *knapsackProblem) N() int       { return p.k.N() }

func (p *knapsackProblem) CheckFirstStage(x []bool) error { return instances.CheckFirstStage(p.k, x) }

func (p *knapsackProblem) Uncertainty() Uncertainty {
	n := p.k.N()
	return Uncertainty{Dim: n, Lo: 0, Hi: 1, Budget: p.k.Gamma, Nominal: make([]float64, n), Movable: p.active}
}

// active lists the items that can lose profit: selected, with a positive degradation.
func (p *knapsackProblem) active(x []bool) []int {
	var a []int
	for i, in := range x {
		if in && p.k.Degradation[i] > 0 {
			a = append(a, i)
		}
	}
	return a
}

func (p *knapsackProblem) SecondStage(ctx context.Context, x []bool, xi []float64) (float64, error) {
	return p.ss.SolveContext(ctx, x, xi, nil, nil)
}

func (p *knapsackProblem) Evaluate(ctx context.Context, x []bool, cutoff *float64) (Assessment, error) {
	ev, err := Evaluate(ctx, p.k, x, EvalSettings{Cutoff: cutoff, probes: p.probes, ss: p.ss})
	if err == nil && (ev.CutOff || ev.Converged) {
		p.remember(ev.Scenario)
	}
	return Assessment{Worth: ev.Profit, Converged: ev.Converged, CutOff: ev.CutOff}, err
}

// remember puts xi first among the probes.
func (p *knapsackProblem) remember(xi []float64) {
	i := slices.IndexFunc(p.probes, func(q []float64) bool { return slices.Equal(q, xi) })
	if i < 0 {
		if len(p.probes) < maxProbes {
			p.probes = append(p.probes, nil)
		}
		i = len(p.probes) - 1
		p.probes[i] = xi
	}
	copy(p.probes[1:i+1], p.probes[:i])
	p.probes[0] = xi
}

// Deterministic solves the deterministic problem for ξ exactly by DP.
func (p *knapsackProblem) Deterministic(ctx context.Context, xi []float64) ([]bool, error) {
	n := p.k.N()
	x, y, r := make([]bool, n), make([]bool, n), make([]bool, n)
	_, err := p.ss.SolveJointContext(ctx, xi, x, y, r)
	return x, err
}

func (p *knapsackProblem) DeterministicIsOptimal() bool { return true }

// AdversaryCandidate: first the greedy scenario that spends Γ on the largest
// degradations of x, then alternately vertices of Ξ on x's items and spread
// scenarios restricted to them.
func (p *knapsackProblem) AdversaryCandidate(rng *rand.Rand, x []bool, c int, xi []float64) {
	if c == 0 {
		greedyScenario(p.k, p.active(x), xi)
		return
	}
	clear(xi)
	if (c-1)%2 == 0 {
		vertexScenario(rng, p.k.Gamma, x, xi)
		return
	}
	spreadScenario(rng, p.k.Gamma, xi)
	for i := range xi {
		if !x[i] {
			xi[i] = 0
		}
	}
}

func (p *knapsackProblem) Features() Features {
	n := p.k.N()
	return Features{
		Layout:  knapsackLayout,
		XStatic: p.feats,
		XiRows: func(xi []float64, rows []float64) {
			for i := 0; i < n; i++ {
				row := rows[i*ItemFeatures : (i+1)*ItemFeatures]
				row[0] = xi[i]
				copy(row[1:], p.feats[6*i:6*i+6])
			}
		},
		ItemXi:     true,
		LabelScale: labelScale(p.k),
		Label:      p.label,
	}
}

// SampleFirstStage is Neur2RO's: p ~ U(0,1), x_i ~ Bernoulli(1−p).
func (p *knapsackProblem) SampleFirstStage(rng *rand.Rand) []bool {
	q := rng.Float64()
	x := make([]bool, p.k.N())
	for j := range x {
		x[j] = rng.Float64() >= q
	}
	return x
}

// SampleScenario alternates Neur2RO's spread scenarios (a budget b ~ U(0, Γ)
// spread as b·u/Σu, clipped to 1) and vertices of Ξ on x's items (⌊Γ⌋ random
// selected items at 1 and one at Γ−⌊Γ⌋), where the adversarial optima lie.
func (p *knapsackProblem) SampleScenario(rng *rand.Rand, x []bool, c int, xi []float64) {
	clear(xi)
	if c%2 == 0 {
		spreadScenario(rng, p.k.Gamma, xi)
	} else {
		vertexScenario(rng, p.k.Gamma, x, xi)
	}
}

// Label is the second stage's saving over outsourcing every selected item
// (LabelSaving, the shipped model's), or that saving negated (LabelCost): the
// same network up to the sign of its output, which the model records.
func (p *knapsackProblem) Label(ctx context.Context, x []bool, xi []float64) (float64, bool, error) {
	v, err := p.ss.SolveContext(ctx, x, xi, nil, nil)
	base := 0.0
	for j, in := range x {
		if in {
			base += p.k.Profit[j] - p.k.Outsource[j]
		}
	}
	if p.label == LabelCost {
		return base - v, true, err
	}
	return v - base, true, err
}

// EncodeMain: profit (p̄ − f)ᵀx, and the true second stage (y, r) for the
// selected scenario with the products y·s and r·s linearised exactly and the
// repair term with the sign of the true objective (Neur2RO's code has it
// reversed).
func (p *knapsackProblem) EncodeMain(m *milp.Model, xv, sv []int, scen [][]float64) {
	k := p.k
	n := k.N()
	for i, j := range xv {
		m.Vars[j].Obj = k.Profit[i] - k.Outsource[i]
	}
	yv, rv := make([]int, n), make([]int, n)
	capIdx, capVal := make([]int, 0, 2*n), make([]float64, 0, 2*n)
	for i := 0; i < n; i++ {
		yv[i] = m.AddBinary(k.Outsource[i], "y")
		rv[i] = m.AddBinary(0, "r")
		m.AddRow([]int{yv[i], xv[i]}, []float64{1, -1}, -milp.Inf, 0, "")
		m.AddRow([]int{rv[i], yv[i]}, []float64{1, -1}, -milp.Inf, 0, "")
		capIdx = append(capIdx, yv[i], rv[i])
		capVal = append(capVal, float64(k.Weight[i]), float64(k.RepairWeight[i]))
		for j, xi := range scen {
			c := k.Degradation[i] * xi[i]
			if c == 0 {
				continue
			}
			// w = y_i·s_j costs c, v = r_i·s_j gives c back.
			w := m.AddVar(0, 1, -c, false, "ys")
			m.AddRow([]int{w, yv[i], sv[j]}, []float64{1, -1, -1}, -1, milp.Inf, "")
			m.AddRow([]int{w, yv[i]}, []float64{1, -1}, -milp.Inf, 0, "")
			m.AddRow([]int{w, sv[j]}, []float64{1, -1}, -milp.Inf, 0, "")
			v := m.AddVar(0, 1, c, false, "rs")
			m.AddRow([]int{v, rv[i]}, []float64{1, -1}, -milp.Inf, 0, "")
			m.AddRow([]int{v, sv[j]}, []float64{1, -1}, -milp.Inf, 0, "")
			m.AddRow([]int{v, rv[i], sv[j]}, []float64{1, -1, -1}, -1, milp.Inf, "")
		}
	}
	m.AddRow(capIdx, capVal, -milp.Inf, float64(k.Capacity), "capacity")
}

// KnapsackFamily draws robust knapsacks with the published recipe (never the
// benchmark files): correlation type, h, budget factor and δ uniformly, n
// from Sizes (default 20, 30, …, 80). Label is the sense of the label its
// problems train on ("" = LabelSaving, the shipped model's).
type KnapsackFamily struct {
	Sizes []int
	Label LabelSense
}

func (KnapsackFamily) Kind() string { return knapsackLayout.Kind }

func (f KnapsackFamily) Instance(rng *rand.Rand, seed uint64) (Problem, error) {
	label := cmp.Or(f.Label, LabelSaving)
	if !label.valid() {
		return nil, solvers.InvalidSetting("KnapsackFamily.Label", "%q (want %q or %q)", f.Label, LabelCost, LabelSaving)
	}
	sizes := f.Sizes
	if len(sizes) == 0 {
		sizes = []int{20, 30, 40, 50, 60, 70, 80}
	}
	bfs := []float64{0.1, 0.15, 0.2}
	deltas := []float64{0.1, 0.5, 1}
	params := instances.RKPParams{
		Corr: instances.Correlations[rng.IntN(4)], N: sizes[rng.IntN(len(sizes))], R: 1000, H: 100,
		HSmall: 40 * (1 + rng.IntN(2)), BudgetFactor: bfs[rng.IntN(3)], Delta: deltas[rng.IntN(3)],
	}
	k, err := instances.GenerateRobustKnapsack(params, seed)
	if err != nil {
		return nil, err
	}
	return newKnapsackProblem(k, label)
}
