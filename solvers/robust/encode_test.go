package robust

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
)

func TestBudgetBoundsAreValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(6)
		gamma := rng.Float64() * float64(n)
		ts := make([][]float64, n)
		gs := make([][]float64, n)
		for i := range ts {
			m := 1 + rng.IntN(4)
			ts[i] = []float64{0}
			gs[i] = []float64{0}
			for s := 1; s < m; s++ {
				ts[i] = append(ts[i], float64(s)/float64(m)+0.01*rng.Float64())
				gs[i] = append(gs[i], rng.NormFloat64())
			}
			ts[i] = append(ts[i], 1)
			gs[i] = append(gs[i], rng.NormFloat64())
		}
		lo, hi := budgetBounds(ts, gs, gamma)
		interp := func(i int, x float64) float64 {
			for s := 0; s+1 < len(ts[i]); s++ {
				if x <= ts[i][s+1] {
					f := (x - ts[i][s]) / (ts[i][s+1] - ts[i][s])
					return gs[i][s] + f*(gs[i][s+1]-gs[i][s])
				}
			}
			return gs[i][len(gs[i])-1]
		}
		for s := 0; s < 200; s++ {
			left := gamma
			v := 0.0
			for _, i := range rng.Perm(n) {
				x := math.Min(left, rng.Float64())
				if rng.IntN(3) == 0 {
					x = math.Min(left, 1)
				}
				left -= x
				v += interp(i, x)
			}
			if v > hi+1e-9 || v < lo-1e-9 {
				t.Fatalf("trial %d: value %v outside the bounds [%v, %v]", trial, v, lo, hi)
			}
		}
	}
}

// TestMILPEncodings checks the adversarial and main MILPs against enumeration on
// small instances: the adversary's optimum is at least the best sampled scenario,
// and the main problem's x is optimal among all 2^n first stages for its own
// objective (profit under the scenario the network predicts worst).
func TestMILPEncodings(t *testing.T) {
	solver := milp.Default()
	if !supportsIntegers(solver) {
		t.Skip("needs a MILP backend (build with -tags cbc)")
	}
	model, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(31, 32))
	var proved Stats
	for trial := 0; trial < 4; trial++ {
		p := instances.RKPParams{Corr: instances.Correlations[trial], N: 8, R: 1000, H: 100, HSmall: 40, BudgetFactor: 0.2, Delta: 0.5}
		k, pred := generatedPredictor(t, model, p, uint64(trial))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s := Settings{MILP: solver}
		var st Stats
		x := make([]bool, k.N())
		for i := range x {
			x[i] = rng.IntN(4) > 0
		}
		xi, phi, err := adversaryMILP(ctx, pred, x, s, &st)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sumOf(xi); sum > k.Gamma+1e-6 {
			t.Fatalf("adversary scenario spends %v > Γ = %v", sum, k.Gamma)
		}
		_, sampled, _ := adversarySample(t.Context(), pred, x, 3000, rng)
		if sampled > phi+1e-6 {
			t.Fatalf("trial %d: sampling found %v above the MILP optimum %v", trial, sampled, phi)
		}
		scen := [][]float64{xi, make([]float64, k.N())}
		greedy := make([]float64, k.N())
		all := make([]int, 0, k.N())
		for i := 0; i < k.N(); i++ {
			all = append(all, i)
		}
		greedyScenario(k, all, greedy)
		scen = append(scen, greedy)
		// The main problem with one, two and three scenarios, by the MILP and
		// by the knapsack's deterministic branches (which fall back on the
		// MILP when they prove nothing).
		milpOnly := *pred
		milpOnly.prob = problemOnly{pred.prob}
		// Random scenario sets for the branches: there the deterministic optima
		// are often not in their own scenario's branch, which they must notice.
		sets := [][][]float64{scen[:1], scen[:2], scen}
		for r := 0; r < 6; r++ {
			set := make([][]float64, 2+rng.IntN(3))
			for j := range set {
				set[j] = make([]float64, k.N())
				if j%2 == 0 {
					spreadScenario(rng, k.Gamma, set[j])
				} else {
					vertexScenario(rng, k.Gamma, x, set[j])
				}
			}
			sets = append(sets, set)
		}
		for _, m := range []struct {
			name string
			pred *predictor
		}{{"MILP", &milpOnly}, {"deterministic branches", pred}} {
			for j, set := range sets {
				if m.pred == &milpOnly && j >= 3 {
					break // the MILP is checked on the first sets; it is slow on larger ones
				}
				checkMainOptimal(t, ctx, k, m.pred, set, s, &proved, fmt.Sprintf("trial %d, %s, set %d", trial, m.name, j))
			}
		}
		cancel()
	}
	if proved.MainProved == 0 {
		t.Error("the deterministic branches proved no main problem")
	}
}

// problemOnly hides a problem's optional interfaces (DeterministicOptimum).
type problemOnly struct{ Problem }

// checkMainOptimal checks the main problem's x against all 2^n first stages
// for its own objective: profit under the scenario the network predicts worst.
func checkMainOptimal(t *testing.T, ctx context.Context, k *instances.RobustKnapsack, pred *predictor, scen [][]float64, s Settings, st *Stats, what string) {
	t.Helper()
	xm, _, err := mainMILP(ctx, pred, scen, s, st)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	objective := func(x []bool) float64 {
		px := pred.px(x)
		best := math.Inf(-1)
		// Among ties the main problem may pick the most favourable scenario.
		vals := make([]float64, len(scen))
		for j, s := range scen {
			vals[j] = pred.net.value(px, pred.pxi(s))
			best = math.Max(best, vals[j])
		}
		out := math.Inf(-1)
		for j, s := range scen {
			if vals[j] >= best-1e-9 {
				out = math.Max(out, NewSecondStage(k).Solve(x, s, nil, nil))
			}
		}
		return out
	}
	got := objective(xm)
	xs := make([]bool, k.N())
	for mask := 0; mask < 1<<k.N(); mask++ {
		for i := range xs {
			xs[i] = mask>>i&1 == 1
		}
		if v := objective(xs); v > got+1e-4*math.Max(1, math.Abs(got)) {
			t.Fatalf("%s: main problem x scores %v, enumeration finds %v", what, got, v)
		}
	}
}

func sumOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}
