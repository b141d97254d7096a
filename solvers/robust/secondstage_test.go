package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// randomKnapsack draws a small instance with weights that make the capacity bind.
func randomKnapsack(rng *rand.Rand, n int) *instances.RobustKnapsack {
	k := &instances.RobustKnapsack{Name: "random", Gamma: 1 + rng.Float64()*float64(n-1)}
	sum := 0
	for i := 0; i < n; i++ {
		p := float64(1 + rng.IntN(50))
		k.Profit = append(k.Profit, p)
		k.Degradation = append(k.Degradation, math.Floor(p*rng.Float64()))
		k.Weight = append(k.Weight, rng.IntN(20))
		k.RepairWeight = append(k.RepairWeight, rng.IntN(10))
		k.Outsource = append(k.Outsource, math.Floor(p*(1.1+0.4*rng.Float64())))
		sum += k.Weight[i] + k.RepairWeight[i]
	}
	k.Capacity = rng.IntN(sum/2 + 2)
	return k
}

// bruteSecondStage enumerates the three options of every selected item.
func bruteSecondStage(k *instances.RobustKnapsack, x []bool, xi []float64) float64 {
	n := k.N()
	y, r := make([]bool, n), make([]bool, n)
	best := math.Inf(-1)
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			if v, err := instances.CheckSecondStage(k, x, xi, y, r); err == nil && v > best {
				best = v
			}
			return
		}
		y[i], r[i] = false, false
		rec(i + 1)
		if x[i] {
			y[i] = true
			rec(i + 1)
			r[i] = true
			rec(i + 1)
			y[i], r[i] = false, false
		}
	}
	rec(0)
	return best
}

// randomScenario draws ξ ∈ [0,1]^n with Σξ ≤ Γ.
func randomScenario(rng *rand.Rand, k *instances.RobustKnapsack) []float64 {
	xi := make([]float64, k.N())
	budget := k.Gamma
	for _, i := range rng.Perm(k.N()) {
		xi[i] = math.Min(budget, rng.Float64())
		budget -= xi[i]
	}
	return xi
}

func TestSecondStageMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(8)
		k := randomKnapsack(rng, n)
		x := make([]bool, n)
		for i := range x {
			x[i] = rng.IntN(4) > 0
		}
		xi := randomScenario(rng, k)
		y, r := make([]bool, n), make([]bool, n)
		got := NewSecondStage(k).Solve(x, xi, y, r)
		want := bruteSecondStage(k, x, xi)
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: DP %v, brute force %v", trial, got, want)
		}
		check, err := instances.CheckSecondStage(k, x, xi, y, r)
		if err != nil || math.Abs(check-got) > 1e-9 {
			t.Fatalf("trial %d: DP recourse checks to %v (%v), DP value %v", trial, check, err, got)
		}
	}
}

func TestSecondStageNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	k := randomKnapsack(rng, 40)
	x := make([]bool, 40)
	for i := range x {
		x[i] = true
	}
	xi := randomScenario(rng, k)
	y, r := make([]bool, 40), make([]bool, 40)
	ss := NewSecondStage(k)
	ss.Solve(x, xi, y, r)
	if a := testing.AllocsPerRun(20, func() { ss.Solve(x, xi, y, r) }); a != 0 {
		t.Fatalf("%v allocations per solve", a)
	}
}

func BenchmarkSecondStageN80(b *testing.B) {
	k, err := instances.GenerateRobustKnapsack(instances.RKPParams{Corr: instances.Uncorrelated, N: 80, R: 1000, H: 100, HSmall: 80, BudgetFactor: 0.2, Delta: 1}, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]bool, 80)
	for i := range x {
		x[i] = rng.IntN(2) == 0
	}
	xi := randomScenario(rng, k)
	y, r := make([]bool, 80), make([]bool, 80)
	ss := NewSecondStage(k)
	b.ReportAllocs()
	for b.Loop() {
		ss.Solve(x, xi, y, r)
	}
}

func TestSolveJointMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 100; trial++ {
		n := 1 + rng.IntN(7)
		k := randomKnapsack(rng, n)
		if trial%3 == 0 {
			k.Outsource[0] = k.Profit[0] + 5 // outsourcing item 0 loses money
		}
		xi := randomScenario(rng, k)
		x, y, r := make([]bool, n), make([]bool, n), make([]bool, n)
		got := NewSecondStage(k).SolveJoint(xi, x, y, r)
		want := math.Inf(-1)
		xs := make([]bool, n)
		for mask := 0; mask < 1<<n; mask++ {
			for i := range xs {
				xs[i] = mask>>i&1 == 1
			}
			want = math.Max(want, bruteSecondStage(k, xs, xi))
		}
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: joint DP %v, brute force %v", trial, got, want)
		}
		if v, err := instances.CheckSecondStage(k, x, xi, y, r); err != nil || math.Abs(v-got) > 1e-9 {
			t.Fatalf("trial %d: decisions check to %v (%v), DP %v", trial, v, err, got)
		}
	}
}
