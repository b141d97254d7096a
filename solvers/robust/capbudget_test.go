package robust

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
)

// TestCBKnapsackMatchesEnumeration checks the second stage's branch and bound
// against all subsets, on random items and on items of one ratio (ξ = 0).
func TestCBKnapsackMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name      string
		sameRatio bool
	}{{"random", false}, {"one ratio", true}} {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 200; trial++ {
				n := 1 + rng.IntN(12)
				w, v := make([]float64, n), make([]float64, n)
				total := 0.0
				var k cbKnapsack
				for i := range w {
					w[i] = 1 + 9*rng.Float64()
					v[i] = 0.8 * w[i] / 5
					if !tc.sameRatio {
						v[i] *= 0.5 + rng.Float64()
					}
					total += w[i]
					k.add(w[i], v[i])
				}
				room := total * rng.Float64()
				k.sortItems()
				got, err := k.solve(context.Background(), room)
				if err != nil {
					t.Fatal(err)
				}
				want := 0.0
				for mask := 0; mask < 1<<n; mask++ {
					cw, cv := 0.0, 0.0
					for i := 0; i < n; i++ {
						if mask>>i&1 == 1 {
							cw += w[i]
							cv += v[i]
						}
					}
					if cw <= room {
						want = math.Max(want, cv)
					}
				}
				if math.Abs(got-want) > cbRelTol*want+1e-12 {
					t.Fatalf("trial %d: branch and bound %v, enumeration %v", trial, got, want)
				}
			}
		})
	}
}

// TestRandomCBScenariosMatchNumpy compares the Go port of numpy's legacy
// generator with the 10,000 scenarios Neur2RO's evaluation drew.
func TestRandomCBScenariosMatchNumpy(t *testing.T) {
	f, err := os.Open(datadirtest.Path(t, instances.CBRandomScenarios))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := RandomCBScenarios(10000, 4, 10000)
	if len(rows) != 10001 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, row := range rows[1:] {
		for j, s := range row {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil || got[i][j] != want {
				t.Fatalf("scenario %d coordinate %d: Go %v, numpy %s", i, j, got[i][j], s)
			}
		}
	}
}

// bruteCBSecondStage is the second stage by enumeration, checked by the
// instances checker.
func bruteCBSecondStage(t *testing.T, c *instances.CapitalBudgeting, x []bool, xi []float64) float64 {
	n := c.N()
	best := math.Inf(-1)
	y := make([]bool, n)
	for mask := 0; mask < 1<<n; mask++ {
		ok := true
		for i := range y {
			y[i] = mask>>i&1 == 1
			ok = ok && !(y[i] && x[i])
		}
		if !ok {
			continue
		}
		if v, err := instances.CheckCBSecondStage(c, x, xi, y); err == nil {
			best = math.Max(best, v)
		}
	}
	return best
}

// TestCBEvaluateIsWorstSampledScenario checks the pruned evaluation against the
// smallest enumerated second stage over its scenarios, and the cutoff.
func TestCBEvaluateIsWorstSampledScenario(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for trial := 0; trial < 6; trial++ {
		c, err := instances.GenerateCapitalBudgeting(8, 4, uint32(500+trial))
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewCapitalBudgeting(c, CBOptions{RandomScenarios: 60, RandomSeed: uint32(trial + 1)})
		if err != nil {
			t.Fatal(err)
		}
		x := p.SampleFirstStage(rng)
		want := math.Inf(1)
		for _, xi := range RandomCBScenarios(60, 4, uint32(trial+1)) {
			want = math.Min(want, bruteCBSecondStage(t, c, x, xi))
		}
		as, err := p.Evaluate(context.Background(), x, nil)
		if err != nil || !as.Converged || math.Abs(as.Worth-want) > 1e-9*math.Abs(want) {
			t.Fatalf("trial %d: evaluation %+v (%v), enumeration %v", trial, as, err, want)
		}
		cut := want + 1e-3
		if as, err := p.Evaluate(context.Background(), x, &cut); err != nil || !as.CutOff || as.Worth > cut {
			t.Fatalf("trial %d: cutoff %v: %+v, %v", trial, cut, as, err)
		}
		// The adversary searches the whole box: it does at least as well as the
		// 60 random scenarios, and its scenario then sets the evaluation.
		sp := p.(SampledEvaluation)
		xi, err := sp.Adversary(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		adv := bruteCBSecondStage(t, c, x, xi)
		sp.AddScenario(xi)
		if as, err := p.Evaluate(context.Background(), x, nil); err != nil || adv > want+1e-9 || math.Abs(as.Worth-adv) > 1e-9*math.Abs(adv) {
			t.Fatalf("trial %d: adversary's scenario worth %v (sampled worst %v), evaluation then %+v, %v", trial, adv, want, as, err)
		}
	}
}

// TestCBEvaluateReproducesNeur2RO evaluates the published first stages of
// Neur2RO and of k-adaptability (K = 2, 5, 10) on every published instance
// (n = 10 and 20, seeds 1–10 with -short) with the scenarios the published
// evaluation used, and compares with the published objectives.
//
// Neur2RO solved each second stage with Gurobi at its default relative gap of
// 1e-4, so a published value may exceed the exact one by up to 1e-4 of it (a
// worse recourse earns less, a larger objective), and at its feasibility
// tolerance of 1e-6, which lets a recourse overrun the budget by that much
// and earn a little more (a smaller objective); ours is exact. The tolerance
// is therefore [−1e-6, 1e-4] relative; the test counts agreements to 1e-6.
//
// Six of Neur2RO's own published objectives are 0.8–5.4 % above what its
// published first stage earns under the same scenario set, while every
// k-adaptability value on those instances, evaluated on that same set, agrees
// to 1e-6: the set is right, and no first stage one or two flips away from the
// published one reaches the published value (checked for CB_n30_xi4_s48). The
// published objective cannot come from that first stage under this protocol;
// the test holds these six to "ours is lower by 0.5 % or more".
func TestCBEvaluateReproducesNeur2RO(t *testing.T) {
	dir := datadirtest.ForTest(t)
	tab, err := instances.LoadCBResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(tab))
	for name, p := range tab {
		if !testing.Short() && !raceEnabled || (p.N <= 20 && p.Seed <= 10) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	unexplained := map[string]bool{"CB_n30_xi4_s48": true, "CB_n40_xi4_s12": true, "CB_n40_xi4_s18": true,
		"CB_n40_xi4_s27": true, "CB_n50_xi4_s16": true, "CB_n50_xi4_s21": true}
	type tally struct {
		checked, close6 int
		worst           float64
		worstName       string
	}
	tallies := map[string]*tally{}
	start := time.Now()
	for _, name := range names {
		pub := tab[name]
		c, err := instances.LoadCapitalBudgeting(filepath.Join(dir, instances.CBInstanceDir, name))
		if err != nil {
			t.Fatal(err)
		}
		scen, ok, err := instances.CBScenariosFor(dir, c)
		if err != nil || !ok {
			t.Fatalf("%s: scenarios %v %v", name, ok, err)
		}
		p, err := NewCapitalBudgeting(c, CBOptions{Scenarios: scen})
		if err != nil {
			t.Fatal(err)
		}
		methods := map[string]instances.CBMethodResult{"Neur2RO": pub.Neur2RO}
		if !testing.Short() && !raceEnabled {
			for k, r := range pub.KAdapt {
				methods[fmt.Sprintf("K=%d", k)] = r
			}
		}
		for method, r := range methods {
			if r.FirstStage == "" || math.IsNaN(r.Objective) {
				continue
			}
			x, err := instances.ParseFirstStage(r.FirstStage, c.N())
			if err != nil {
				t.Fatal(err)
			}
			as, err := p.Evaluate(context.Background(), x, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", name, method, err)
			}
			got, want := -as.Worth, r.Objective
			rel := (want - got) / math.Abs(want)
			if method == "Neur2RO" && unexplained[name] {
				if rel < 5e-3 {
					t.Errorf("%s %s: ours %.12g, published %.12g: the known discrepancy changed", name, method, got, want)
				}
				continue
			}
			if rel > 1e-4 || rel < -1e-6 {
				t.Errorf("%s %s: ours %.12g, published %.12g (relative %.2e)", name, method, got, want, rel)
			}
			tl := tallies[method]
			if tl == nil {
				tl = &tally{}
				tallies[method] = tl
			}
			tl.checked++
			if math.Abs(rel) <= 1e-6 {
				tl.close6++
			}
			if math.Abs(rel) > tl.worst {
				tl.worst, tl.worstName = math.Abs(rel), name
			}
		}
	}
	for m, tl := range tallies {
		t.Logf("%s: %d first stages, %d within 1e-6, largest relative difference %.2e (%s)", m, tl.checked, tl.close6, tl.worst, tl.worstName)
	}
	t.Logf("%d instances in %v", len(names), time.Since(start).Round(time.Millisecond))
}

// TestSolveCapitalBudgeting solves a published instance with a briefly trained
// network on every backend and checks the reported objective.
func TestSolveCapitalBudgeting(t *testing.T) {
	dir := datadirtest.ForTest(t)
	c, err := instances.LoadCapitalBudgeting(filepath.Join(dir, instances.CBInstanceDir, "CB_n10_xi4_s1"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := GenerateData(context.Background(), DataSettings{Family: CapitalBudgetingFamily{Sizes: []int{10}}, Instances: 10, FirstStages: 4, Scenarios: 6, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := Train(context.Background(), ds, TrainSettings{Epochs: 10, BatchSize: 32, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	model, err := net.Model()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewCapitalBudgeting(c, CBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range milp.Backends() {
		res, err := SolveProblem(context.Background(), p, Settings{Limits: solvers.Limits{TimeLimit: 20 * time.Second, MaxIterations: 300}, Model: model, MILP: backend, Samples: 300})
		if err != nil {
			t.Fatalf("%s: %v", backend.Name(), err)
		}
		if err := instances.CheckCBFirstStage(c, res.Solution.FirstStage); err != nil {
			t.Fatal(err)
		}
		as, err := p.Evaluate(context.Background(), res.Solution.FirstStage, nil)
		if err != nil || as.Worth != res.Objective {
			t.Fatalf("%s: reported %v, evaluated %v (%v)", backend.Name(), res.Objective, as.Worth, err)
		}
		t.Logf("%s: objective %.6f (Neur2RO's -3.082831), %s", res.Stats.Backend, -res.Objective, instances.FormatFirstStage(res.Solution.FirstStage))
	}
}
