//go:build cbc

package milp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// knapsackDP is the exact 0/1 knapsack optimum by dynamic programming.
func knapsackDP(p []float64, w []int, cap int) float64 {
	best := make([]float64, cap+1)
	for i := range p {
		for c := cap; c >= w[i]; c-- {
			best[c] = math.Max(best[c], best[c-w[i]]+p[i])
		}
	}
	return best[cap]
}

func TestCBCKnapsackMatchesDP(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 10; trial++ {
		n := 10 + rng.IntN(30)
		p := make([]float64, n)
		w := make([]int, n)
		m := &Model{Sense: Maximize, Offset: 7}
		idx := make([]int, n)
		coef := make([]float64, n)
		sum := 0
		for i := 0; i < n; i++ {
			w[i] = 1 + rng.IntN(100)
			p[i] = float64(w[i] + 10 + rng.IntN(20))
			sum += w[i]
			idx[i] = m.AddBinary(p[i], "")
			coef[i] = float64(w[i])
		}
		cap := sum / 2
		m.AddRow(idx, coef, -Inf, float64(cap), "cap")
		res, err := CBC{}.Solve(context.Background(), m, Limits{RelGap: 1e-9, TimeLimit: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		want := knapsackDP(p, w, cap) + 7
		if res.Status != Optimal || math.Abs(res.Objective-want) > 1e-6 {
			t.Fatalf("trial %d: %v objective %v, DP %v", trial, res.Status, res.Objective, want)
		}
		if math.Abs(m.Objective(res.X)-want) > 1e-6 || m.Violation(res.X) > 1e-6 {
			t.Fatalf("trial %d: solution recomputes to %v, violation %v", trial, m.Objective(res.X), m.Violation(res.X))
		}
		if res.Bound < res.Objective-1e-6 || res.Bound > want+1e-3*want {
			t.Fatalf("trial %d: bound %v not a valid upper bound near %v", trial, res.Bound, want)
		}
	}
}

func TestCBCMinimiseBoundAndStart(t *testing.T) {
	// min Σ x_i s.t. x_i + x_{i+1} ≥ 1 on a path of 9 nodes (vertex cover): optimum 4.
	m := &Model{}
	for i := 0; i < 9; i++ {
		m.AddBinary(1, "")
	}
	for i := 0; i+1 < 9; i++ {
		m.AddRow([]int{i, i + 1}, []float64{1, 1}, 1, Inf, "")
	}
	m.Start = []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}
	res, err := CBC{}.Solve(context.Background(), m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Optimal || res.Objective != 4 || math.Abs(res.Bound-4) > 1e-6 || res.Gap > 1e-9 {
		t.Fatalf("%+v", res)
	}
	m.AddRow([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}, -Inf, 3, "")
	res, err = CBC{}.Solve(context.Background(), m, Limits{})
	if err != nil || res.Status != Infeasible {
		t.Fatalf("cover of size ≤ 3: %v %v", res.Status, err)
	}
}

// marketSplit builds a Cornuéjols–Dawande market-split instance: a few dense equality
// rows over binaries, notoriously hard for branch-and-bound, so the time limit binds.
func marketSplit(rows, n int, seed uint64) *Model {
	rng := rand.New(rand.NewPCG(seed, 9))
	m := &Model{}
	for j := 0; j < n; j++ {
		m.AddBinary(0, "")
	}
	for i := 0; i < rows; i++ {
		idx := make([]int, n+2)
		coef := make([]float64, n+2)
		sum := 0.0
		for j := 0; j < n; j++ {
			a := float64(rng.IntN(100))
			idx[j], coef[j] = j, a
			sum += a
		}
		sp := m.AddVar(0, Inf, 1, false, "")
		sm := m.AddVar(0, Inf, 1, false, "")
		idx[n], coef[n] = sp, 1
		idx[n+1], coef[n+1] = sm, -1
		rhs := math.Floor(sum / 2)
		m.AddRow(idx, coef, rhs, rhs, "")
	}
	return m
}

// TestCBCOvershoot measures how late CBC itself returns on models it cannot finish
// (with the margin Solve subtracts from its limit), and checks that the Go-side
// enforcement returns by the deadline plus the grace. Timing on a loaded machine is
// noisy (abandoned solves keep a core busy until CBC stops), so the check allows 2 s.
func TestCBCOvershoot(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const limit = 700 * time.Millisecond
	// Wait for CBC itself once.
	res, err := CBC{}.Solve(context.Background(), marketSplit(5, 50, 1), Limits{TimeLimit: limit, RelGap: 1e-12, Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut {
		t.Fatalf("the market-split model finished in %v (%v); it is meant to hit the limit", res.Elapsed, res.Status)
	}
	own := res.Elapsed - limit
	var enforced []time.Duration
	for seed := uint64(1); seed <= 3; seed++ {
		m := marketSplit(5, 50, seed)
		res, err := CBC{}.Solve(context.Background(), m, Limits{TimeLimit: limit, RelGap: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		enforced = append(enforced, res.Elapsed-limit)
		if res.Elapsed > limit+2*time.Second {
			t.Errorf("seed %d: returned after %v with a %v limit", seed, res.Elapsed, limit)
		}
		if !res.TimedOut {
			t.Errorf("seed %d: a solve stopped by the limit must report TimedOut", seed)
		}
		// On a quiet machine CBC may stop itself around the end of the grace
		// period and hand back its incumbent (Overshoot is taken when Solve
		// returns, so it can then exceed the grace by scheduling latency); an
		// abandoned solve comes back empty.
		switch {
		case res.X == nil && res.Status != NoSolution:
			t.Errorf("seed %d: no solution, yet status %v", seed, res.Status)
		case res.X != nil:
			if v := m.Violation(res.X); v > 1e-6 {
				t.Errorf("seed %d: returned a solution violating the model by %v", seed, v)
			}
			if obj := m.Objective(res.X); math.Abs(obj-res.Objective) > 1e-6*math.Max(1, math.Abs(obj)) {
				t.Errorf("seed %d: objective %v, the solution gives %v", seed, res.Objective, obj)
			}
		}
	}
	t.Logf("CBC's own elapsed − limit: %v; with Go enforcement: %v", own, enforced)
}

func TestCBCContextDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := CBC{}.Solve(ctx, marketSplit(6, 60, 7), Limits{RelGap: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 300*time.Millisecond+(Limits{}).grace()+500*time.Millisecond {
		t.Fatalf("returned after %v", el)
	}
	if !res.TimedOut {
		t.Fatalf("not timed out: %+v", res.Status)
	}
}
