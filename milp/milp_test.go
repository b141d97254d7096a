package milp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// lpCase is a small LP with a known optimum.
type lpCase struct {
	name   string
	build  func() *Model
	status Status
	obj    float64
}

var lpCases = []lpCase{
	{"textbook max", func() *Model {
		// max 3x + 5y s.t. x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18 → (2, 6), 36; offset 1.
		m := &Model{Sense: Maximize, Offset: 1}
		x := m.AddVar(0, Inf, 3, false, "x")
		y := m.AddVar(0, Inf, 5, false, "y")
		m.AddRow([]int{x}, []float64{1}, -Inf, 4, "")
		m.AddRow([]int{y}, []float64{2}, -Inf, 12, "")
		m.AddRow([]int{x, y}, []float64{3, 2}, -Inf, 18, "")
		return m
	}, Optimal, 37},
	{"free and negative bounds", func() *Model {
		// min x − y, x free, y ∈ [−2, 3], x + y ≥ 1, x − y ≥ −4 → y = 3 → x ≥ −1 ... x − y ≥ −4 → x−y = −4.
		m := &Model{}
		x := m.AddVar(-Inf, Inf, 1, false, "x")
		y := m.AddVar(-2, 3, -1, false, "y")
		m.AddRow([]int{x, y}, []float64{1, 1}, 1, Inf, "")
		m.AddRow([]int{x, y}, []float64{1, -1}, -4, Inf, "")
		return m
	}, Optimal, -4},
	{"ranged row and fixed var", func() *Model {
		// min −x − 2y − z, 1 ≤ x + y ≤ 2, z fixed at 5, x, y ∈ [0, 1.5] → y = 1.5, x = 0.5: −0.5 − 3 − 5.
		m := &Model{}
		x := m.AddVar(0, 1.5, -1, false, "x")
		y := m.AddVar(0, 1.5, -2, false, "y")
		z := m.AddVar(5, 5, -1, false, "z")
		m.AddRow([]int{x, y, z}, []float64{1, 1, 0}, 1, 2, "")
		return m
	}, Optimal, -8.5},
	{"infeasible", func() *Model {
		m := &Model{}
		x := m.AddVar(0, 1, 1, false, "x")
		m.AddRow([]int{x}, []float64{1}, 2, Inf, "")
		return m
	}, Infeasible, 0},
	{"unbounded", func() *Model {
		m := &Model{Sense: Maximize}
		x := m.AddVar(0, Inf, 1, false, "x")
		y := m.AddVar(0, Inf, 1, false, "y")
		m.AddRow([]int{x, y}, []float64{1, -1}, -Inf, 1, "")
		return m
	}, Unbounded, 0},
}

func TestLPBackends(t *testing.T) {
	for _, s := range Backends() {
		for _, c := range lpCases {
			t.Run(s.Name()+"/"+c.name, func(t *testing.T) {
				m := c.build()
				res, err := s.Solve(context.Background(), m, Limits{TimeLimit: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != c.status {
					t.Fatalf("status %v, want %v", res.Status, c.status)
				}
				if c.status != Optimal {
					return
				}
				if math.Abs(res.Objective-c.obj) > 1e-7 || math.Abs(m.Objective(res.X)-c.obj) > 1e-7 {
					t.Fatalf("objective %v (recomputed %v), want %v", res.Objective, m.Objective(res.X), c.obj)
				}
				if v := m.Violation(res.X); v > 1e-7 {
					t.Fatalf("solution violates the model by %v", v)
				}
			})
		}
	}
}

// TestLPBackendsAgree compares every backend with every other on random feasible
// bounded LPs; with one backend only it checks feasibility and weak duality against a
// known feasible point.
func TestLPBackendsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		m := &Model{Sense: Sense(trial % 2)}
		n, rows := 3+rng.IntN(8), 2+rng.IntN(8)
		x0 := make([]float64, n)
		for j := 0; j < n; j++ {
			x0[j] = rng.Float64() * 3
			m.AddVar(0, 3+rng.Float64()*2, rng.NormFloat64(), false, "")
		}
		for i := 0; i < rows; i++ {
			var idx []int
			var coef []float64
			a := 0.0
			for j := 0; j < n; j++ {
				if rng.IntN(2) == 0 {
					c := rng.NormFloat64()
					idx, coef = append(idx, j), append(coef, c)
					a += c * x0[j]
				}
			}
			lo := a - rng.Float64()
			if rng.IntN(2) == 0 {
				lo = -Inf
			}
			m.AddRow(idx, coef, lo, a+rng.Float64(), "")
		}
		var objs []float64
		for _, s := range Backends() {
			res, err := s.Solve(context.Background(), m, Limits{})
			if err != nil || res.Status != Optimal {
				t.Fatalf("trial %d %s: %v %v", trial, s.Name(), res.Status, err)
			}
			if v := m.Violation(res.X); v > 1e-7 {
				t.Fatalf("trial %d %s: violation %v", trial, s.Name(), v)
			}
			f0 := m.Objective(x0)
			if (m.Sense == Minimize && res.Objective > f0+1e-7) || (m.Sense == Maximize && res.Objective < f0-1e-7) {
				t.Fatalf("trial %d %s: optimum %v worse than feasible point %v", trial, s.Name(), res.Objective, f0)
			}
			objs = append(objs, res.Objective)
		}
		for _, o := range objs[1:] {
			if math.Abs(o-objs[0]) > 1e-6*math.Max(1, math.Abs(o)) {
				t.Fatalf("trial %d: backends disagree: %v", trial, objs)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []*Model{
		{Vars: []Var{{Lower: 1, Upper: 0}}},
		{Vars: []Var{{Lower: 0, Upper: math.NaN()}}},
		{Vars: []Var{{Upper: 1}}, Rows: []Row{{Index: []int{1}, Coef: []float64{1}, Upper: 1}}},
		{Vars: []Var{{Upper: 1}}, Rows: []Row{{Index: []int{0}, Coef: []float64{1, 2}, Upper: 1}}},
		{Vars: []Var{{Upper: 1}}, Start: []float64{0, 1}},
		{Vars: []Var{{Upper: 1, Obj: math.Inf(1)}}},
	}
	for i, m := range bad {
		if err := m.Validate(); !errors.Is(err, ErrInvalidModel) {
			t.Errorf("model %d: err = %v", i, err)
		}
		if _, err := Default().Solve(context.Background(), m, Limits{}); !errors.Is(err, ErrInvalidModel) {
			t.Errorf("model %d: Solve err = %v", i, err)
		}
	}
}

func TestSimplexRejectsIntegers(t *testing.T) {
	m := &Model{}
	m.AddBinary(1, "b")
	if _, err := (Simplex{}).Solve(context.Background(), m, Limits{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := lpCases[0].build()
	res, err := Default().Solve(ctx, m, Limits{})
	if err == nil && res.Status == Optimal {
		// A backend may finish a tiny model before it notices; it must not report
		// anything else without an error.
		return
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, status %v", err, res.Status)
	}
}

// TestAtLimit: an infeasibility reported by a solve that ran to its time
// limit is a stop without a solution; one reported before the limit, or
// without a limit, stands, and other statuses pass unchanged.
func TestAtLimit(t *testing.T) {
	for _, c := range []struct {
		status         Status
		limit, elapsed time.Duration
		want           Status
		timedOut       bool
	}{
		{Infeasible, time.Second, time.Second, NoSolution, true},
		{Infeasible, time.Second, 2 * time.Second, NoSolution, true},
		{Infeasible, time.Second, 900 * time.Millisecond, Infeasible, false},
		{Infeasible, -time.Second, time.Hour, Infeasible, false},
		{Infeasible, 0, time.Hour, Infeasible, false},
		{Optimal, time.Second, 2 * time.Second, Optimal, false},
		{Feasible, time.Second, 2 * time.Second, Feasible, false},
	} {
		got := atLimit(Result{Status: c.status}, c.limit, c.elapsed)
		if got.Status != c.want || got.TimedOut != c.timedOut {
			t.Errorf("%v after %v of %v: %v (timed out %v), want %v (%v)", c.status, c.elapsed, c.limit, got.Status, got.TimedOut, c.want, c.timedOut)
		}
	}
}
