package robust_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/robust"
)

// resale is a toy two-stage robust problem: buy items within a budget; the
// adversary then lowers item i's value p_i by d_i·ξ_i with ξ ∈ [0,1]^n and
// Σξ ≤ 1; once ξ is known, each bought item is kept (worth p_i − d_i·ξ_i) or
// sold back (worth s_i).
type resale struct {
	p, d, s, w []float64
	budget     float64
}

func (r *resale) Name() string { return "resale" }
func (r *resale) N() int       { return len(r.p) }

func (r *resale) CheckFirstStage(x []bool) error {
	if len(x) != r.N() {
		return fmt.Errorf("%w: %d items, want %d", instances.ErrInvalidSolution, len(x), r.N())
	}
	if r.cost(x) > r.budget {
		return fmt.Errorf("%w: over budget", instances.ErrInvalidSolution)
	}
	return nil
}

func (r *resale) cost(x []bool) float64 {
	c := 0.0
	for i, in := range x {
		if in {
			c += r.w[i]
		}
	}
	return c
}

func (r *resale) Uncertainty() robust.Uncertainty {
	return robust.Uncertainty{Dim: r.N(), Lo: 0, Hi: 1, Budget: 1, Nominal: make([]float64, r.N())}
}

func (r *resale) SecondStage(_ context.Context, x []bool, xi []float64) (float64, error) {
	v := 0.0
	for i, in := range x {
		if in {
			v += math.Max(r.p[i]-r.d[i]*xi[i], r.s[i])
		}
	}
	return v, nil
}

// worst is the exact worst scenario: each item's loss min(d_i·ξ_i, p_i − s_i)
// is concave, so the budget goes to the steepest losses first.
func (r *resale) worst(x []bool, xi []float64) {
	clear(xi)
	var items []int
	for i, in := range x {
		if in && r.p[i] > r.s[i] {
			items = append(items, i)
		}
	}
	sort.Slice(items, func(a, b int) bool { return r.d[items[a]] > r.d[items[b]] })
	left := 1.0
	for _, i := range items {
		xi[i] = math.Min(left, math.Min(1, (r.p[i]-r.s[i])/r.d[i]))
		left -= xi[i]
	}
}

func (r *resale) Evaluate(ctx context.Context, x []bool, _ *float64) (robust.Assessment, error) {
	xi := make([]float64, r.N())
	r.worst(x, xi)
	v, err := r.SecondStage(ctx, x, xi)
	return robust.Assessment{Worth: v, Converged: true}, err
}

func (r *resale) Deterministic(ctx context.Context, xi []float64) ([]bool, error) {
	var best []bool
	bestV := math.Inf(-1)
	for _, x := range allSelections(r.N()) {
		if r.CheckFirstStage(x) != nil {
			continue
		}
		if v, _ := r.SecondStage(ctx, x, xi); v > bestV {
			best, bestV = x, v
		}
	}
	return best, nil
}

func allSelections(n int) [][]bool {
	var out [][]bool
	for mask := 0; mask < 1<<n; mask++ {
		x := make([]bool, n)
		for i := range x {
			x[i] = mask>>i&1 == 1
		}
		out = append(out, x)
	}
	return out
}

func (r *resale) AdversaryCandidate(rng *rand.Rand, x []bool, c int, xi []float64) {
	if c == 0 {
		r.worst(x, xi)
		return
	}
	r.SampleScenario(rng, x, c, xi)
}

var resaleLayout = robust.Layout{Kind: "resale", XInput: "resale_x", XiInput: "resale_xi", XWidth: 4, XiWidth: 4}

func (r *resale) Features() robust.Features {
	static := make([]float64, 0, 3*r.N())
	scale := 0.0
	for i := range r.p {
		static = append(static, r.p[i]/10, r.d[i]/10, r.s[i]/10)
		scale += r.p[i]
	}
	return robust.Features{
		Layout:  resaleLayout,
		XStatic: static,
		XiRows: func(xi []float64, rows []float64) {
			for i := range r.p {
				rows[4*i] = xi[i]
				copy(rows[4*i+1:4*i+4], static[3*i:3*i+3])
			}
		},
		ItemXi:     true,
		LabelScale: scale,
	}
}

func (r *resale) SampleFirstStage(rng *rand.Rand) []bool {
	x := make([]bool, r.N())
	for i := range x {
		x[i] = rng.IntN(2) == 0
		if r.cost(x) > r.budget {
			x[i] = false
		}
	}
	return x
}

func (r *resale) SampleScenario(rng *rand.Rand, _ []bool, _ int, xi []float64) {
	clear(xi)
	xi[rng.IntN(len(xi))] = rng.Float64()
}

// Label is the negated worth: larger predictions are worse scenarios.
func (r *resale) Label(ctx context.Context, x []bool, xi []float64) (float64, bool, error) {
	v, err := r.SecondStage(ctx, x, xi)
	return -v, true, err
}

// EncodeMain: the budget, keep_i ≤ x_i, and the worth Σ s_i·x_i + Σ (p_i − s_i)·keep_i
// − Σ_j d_i·ξ_ji·(keep_i·s_j), the product bounded below by keep_i + s_j − 1.
func (r *resale) EncodeMain(m *milp.Model, x, s []int, scen [][]float64) {
	m.AddRow(x, r.w, -milp.Inf, r.budget, "budget")
	for i := range r.p {
		m.Vars[x[i]].Obj = r.s[i]
		keep := m.AddBinary(r.p[i]-r.s[i], "keep")
		m.AddRow([]int{keep, x[i]}, []float64{1, -1}, -milp.Inf, 0, "")
		for j, xi := range scen {
			if loss := r.d[i] * xi[i]; loss > 0 {
				prod := m.AddVar(0, 1, -loss, false, "keep·s")
				m.AddRow([]int{prod, keep, s[j]}, []float64{1, -1, -1}, -1, milp.Inf, "")
			}
		}
	}
}

// resaleFamily draws toy instances for training.
type resaleFamily struct{}

func (resaleFamily) Kind() string { return resaleLayout.Kind }

func (resaleFamily) Instance(rng *rand.Rand, _ uint64) (robust.Problem, error) {
	return randomResale(rng, 6), nil
}

func randomResale(rng *rand.Rand, n int) *resale {
	r := &resale{budget: 0}
	for i := 0; i < n; i++ {
		p := 4 + 6*rng.Float64()
		r.p = append(r.p, p)
		r.d = append(r.d, p*rng.Float64())
		r.s = append(r.s, p*0.6*rng.Float64())
		r.w = append(r.w, 1+4*rng.Float64())
		r.budget += r.w[i] / 2
	}
	return r
}

// solveResale trains a value network on generated toy instances and solves one
// instance with the pure-Go heuristic backend and a fixed evaluation budget.
func solveResale() (*resale, robust.Result, error) {
	ctx := context.Background()
	ds, err := robust.GenerateData(ctx, robust.DataSettings{Family: resaleFamily{}, Instances: 20, FirstStages: 4, Scenarios: 8, Seed: 1, Threads: 1})
	if err != nil {
		return nil, robust.Result{}, err
	}
	net, _, err := robust.Train(ctx, ds, robust.TrainSettings{Epochs: 20, BatchSize: 32, Threads: 1})
	if err != nil {
		return nil, robust.Result{}, err
	}
	model, err := net.Model()
	if err != nil {
		return nil, robust.Result{}, err
	}
	r := randomResale(rand.New(rand.NewPCG(42, 42)), 6)
	res, err := robust.SolveProblem(ctx, r, robust.Settings{
		Limits: solvers.Limits{MaxIterations: 500, Seed: 1, Threads: 1}, Model: model, MILP: milp.Simplex{}, Samples: 200,
	})
	return r, res, err
}

// ExampleProblem implements Problem for a toy problem and solves it.
func ExampleProblem() {
	_, res, err := solveResale()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("buy %s, worst-case worth %.3f (%s)\n", instances.FormatFirstStage(res.Solution.FirstStage), res.Objective, res.Stats.Backend)
	// Output:
	// buy 010110, worst-case worth 18.805 (heuristic)
}
