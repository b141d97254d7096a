package robust

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
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

// secondStageMethods force each of SecondStage's algorithms: the DP over
// capacity (when its table fits), the sparse DP and the branch and bound.
var secondStageMethods = []struct {
	name string
	new  func(*instances.RobustKnapsack) *SecondStage
}{
	{"dp", NewSecondStage},
	{"sparse dp", func(k *instances.RobustKnapsack) *SecondStage {
		s := NewSecondStage(k)
		s.maxDPBytes = 0
		return s
	}},
	{"branch and bound", func(k *instances.RobustKnapsack) *SecondStage {
		s := NewSecondStage(k)
		s.maxDPBytes, s.maxStates = 0, 0
		return s
	}},
}

func TestSecondStageMatchesBruteForce(t *testing.T) {
	for _, m := range secondStageMethods {
		for _, scale := range []int{1, 1_000_000_007} {
			rng := rand.New(rand.NewPCG(11, 12))
			for trial := 0; trial < 300; trial++ {
				n := 1 + rng.IntN(8)
				k := randomKnapsack(rng, n)
				// Scaled weights with some noise: the DP over capacity cannot take
				// them, the others must still be exact.
				for i := range n {
					k.Weight[i] = k.Weight[i]*scale + rng.IntN(scale)
					k.RepairWeight[i] = k.RepairWeight[i]*scale + rng.IntN(scale)
				}
				k.Capacity = k.Capacity*scale + rng.IntN(scale)
				x := make([]bool, n)
				for i := range x {
					x[i] = rng.IntN(4) > 0
				}
				xi := randomScenario(rng, k)
				y, r := make([]bool, n), make([]bool, n)
				got := m.new(k).Solve(x, xi, y, r)
				want := bruteSecondStage(k, x, xi)
				if math.Abs(got-want) > 1e-9 {
					t.Fatalf("%s, scale %d, trial %d: %v, brute force %v", m.name, scale, trial, got, want)
				}
				check, err := instances.CheckSecondStage(k, x, xi, y, r)
				if err != nil || math.Abs(check-got) > 1e-9 {
					t.Fatalf("%s, scale %d, trial %d: recourse checks to %v (%v), value %v", m.name, scale, trial, check, err, got)
				}
			}
		}
	}
}

// hugeKnapsack is the case of issue 19 — capacity 10^12, weights about 5·10^10 —
// with weights that are multiples of 10^8, and the same instance divided by 10^8,
// which the DP over capacity solves.
func hugeKnapsack(n int, seed uint64) (huge, small *instances.RobustKnapsack) {
	const g = 100_000_000
	rng := rand.New(rand.NewPCG(seed, 2))
	small = &instances.RobustKnapsack{Name: "small", Capacity: 10_000, Gamma: float64(n) / 5}
	for range n {
		p := float64(100 + rng.IntN(900))
		small.Profit = append(small.Profit, p)
		small.Degradation = append(small.Degradation, math.Floor(p*rng.Float64()))
		small.Weight = append(small.Weight, 400+rng.IntN(200))
		small.RepairWeight = append(small.RepairWeight, 1+rng.IntN(200))
		small.Outsource = append(small.Outsource, math.Floor(p*(1.1+0.4*rng.Float64())))
	}
	h := *small
	huge = &h
	huge.Name, huge.Capacity = "huge", small.Capacity*g
	huge.Weight, huge.RepairWeight = make([]int, n), make([]int, n)
	for i := range n {
		huge.Weight[i], huge.RepairWeight[i] = small.Weight[i]*g, small.RepairWeight[i]*g
	}
	return huge, small
}

// The DP over capacity tried to allocate 8 TB for this instance. The exact
// evaluation must now give the scaled-down instance's answer in well under
// 100 MB.
func TestEvaluateHugeCapacity(t *testing.T) {
	huge, small := hugeKnapsack(40, 1)
	x := make([]bool, huge.N())
	for i := range x {
		x[i] = i%5 != 0
	}
	var ev Evaluation
	var err error
	bytes := allocated(func() { ev, err = Evaluate(context.Background(), huge, x, EvalSettings{}) })
	if err != nil {
		t.Fatal(err)
	}
	want, err := Evaluate(context.Background(), small, x, EvalSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.Profit-want.Profit) > 1e-6*math.Abs(want.Profit) {
		t.Errorf("worst case %v, scaled instance %v", ev.Profit, want.Profit)
	}
	if v, err := instances.CheckSecondStage(huge, x, ev.Scenario, ev.Produce, ev.Repair); err != nil || math.Abs(v-ev.Witness) > 1e-6 {
		t.Errorf("witness recourse checks to %v (%v), witness %v", v, err, ev.Witness)
	}
	if bytes > 100<<20 {
		t.Errorf("evaluation allocated %d MB", bytes>>20)
	}
	t.Logf("worst case %v in %d iterations, %d kB allocated", ev.Profit, ev.Iterations, bytes>>10)
}

// allocated is the number of bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// pollCounter is a context that ends after its Err has said "not yet" left
// times, so a test can tell how soon a search notices without timing it.
type pollCounter struct {
	context.Context
	left, calls int
}

func (c *pollCounter) Err() error {
	if c.calls++; c.calls > c.left {
		return context.Canceled
	}
	return nil
}

// subsetSumKnapsack saves exactly its weight on every item (no degradation), so
// the LP bound is the capacity itself and no state or node dominates another:
// both the sparse DP and the branch and bound take exponential time.
func subsetSumKnapsack(n int) *instances.RobustKnapsack {
	rng := rand.New(rand.NewPCG(5, 6))
	k := &instances.RobustKnapsack{Name: "subset-sum", Gamma: 1}
	for range n {
		c := 10_000_000_000 + rng.IntN(10_000_000_000)
		k.Profit = append(k.Profit, float64(c))
		k.Degradation = append(k.Degradation, 0)
		k.Weight = append(k.Weight, c)
		k.RepairWeight = append(k.RepairWeight, 1)
		k.Outsource = append(k.Outsource, float64(c))
		k.Capacity += c
	}
	k.Capacity /= 2
	return k
}

func TestSecondStageHonoursContext(t *testing.T) {
	k := subsetSumKnapsack(80)
	x := make([]bool, k.N())
	for i := range x {
		x[i] = true
	}
	xi := make([]float64, k.N())
	for _, m := range secondStageMethods[1:] {
		ctx := &pollCounter{Context: context.Background(), left: 3}
		if _, err := m.new(k).SolveContext(ctx, x, xi, nil, nil); !errors.Is(err, context.Canceled) || ctx.calls != ctx.left+1 {
			t.Errorf("%s: error %v after %d context checks, want context.Canceled at check %d", m.name, err, ctx.calls, ctx.left+1)
		}
	}
	ctx := &pollCounter{Context: context.Background(), left: 3}
	if _, err := Evaluate(ctx, k, x, EvalSettings{}); !errors.Is(err, ErrNotConverged) || !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate: error %v, want ErrNotConverged wrapping context.Canceled", err)
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
	for _, m := range secondStageMethods {
		ss := m.new(k)
		ss.Solve(x, xi, y, r)
		if a := testing.AllocsPerRun(20, func() { ss.Solve(x, xi, y, r) }); a != 0 {
			t.Errorf("%s: %v allocations per solve", m.name, a)
		}
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
	for _, m := range secondStageMethods {
		testSolveJoint(t, m.name, m.new)
	}
}

func testSolveJoint(t *testing.T, method string, newSS func(*instances.RobustKnapsack) *SecondStage) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 100; trial++ {
		n := 1 + rng.IntN(7)
		k := randomKnapsack(rng, n)
		if trial%3 == 0 {
			k.Outsource[0] = k.Profit[0] + 5 // outsourcing item 0 loses money
		}
		xi := randomScenario(rng, k)
		x, y, r := make([]bool, n), make([]bool, n), make([]bool, n)
		got := newSS(k).SolveJoint(xi, x, y, r)
		want := math.Inf(-1)
		xs := make([]bool, n)
		for mask := 0; mask < 1<<n; mask++ {
			for i := range xs {
				xs[i] = mask>>i&1 == 1
			}
			want = math.Max(want, bruteSecondStage(k, xs, xi))
		}
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("%s, trial %d: joint %v, brute force %v", method, trial, got, want)
		}
		if v, err := instances.CheckSecondStage(k, x, xi, y, r); err != nil || math.Abs(v-got) > 1e-9 {
			t.Fatalf("%s, trial %d: decisions check to %v (%v), value %v", method, trial, v, err, got)
		}
	}
}
