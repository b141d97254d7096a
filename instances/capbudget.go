package instances

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cosolve/cosolve/internal/npmt"
)

// CapitalBudgeting is the two-stage robust capital budgeting problem of
// Subramanyam, Gounaris & Wiesemann (2020) without loans, as Neur2RO
// evaluates it. Projects are funded now (x) or later (y, earning only
// RecourseFactor of their revenue); the adversary picks ξ ∈ [−1,1]^d, which
// sets project i's cost c_i(ξ) = (1 + φ_iᵀξ/2)·c̄_i and revenue
// r_i(ξ) = (1 + ψ_iᵀξ/2)·r̄_i. The value of x is its worst-case revenue
//
//	min_ξ max_y  r(ξ)ᵀ(x + k·y)  s.t.  c(ξ)ᵀ(x + y) ≤ B,  x + y ≤ 1,
//
// and x must fit the budget under every ξ. Neur2RO minimises the negated
// revenue; its published objectives are that negation.
type CapitalBudgeting struct {
	Name string
	// Seed is the generator seed recorded in the file's header.
	Seed    int
	Cost    []float64   // nominal cost c̄
	Revenue []float64   // nominal revenue r̄
	Phi     [][]float64 // cost factor loadings φ_i (n × d), non-negative
	Psi     [][]float64 // revenue factor loadings ψ_i (n × d)
	// Budget is B. The reader truncates the file's value to an integer, as
	// Neur2RO's loader does (Python int()); its published objectives depend on it.
	Budget float64
	// MaxLoan is read from the file and not modelled (Neur2RO runs without loans).
	MaxLoan float64
	// RecourseFactor is k, the share of revenue a project funded in the second
	// stage earns (0.8 in every published instance).
	RecourseFactor float64
}

// CBRecourseFactor is Neur2RO's k.
const CBRecourseFactor = 0.8

// N is the number of projects.
func (c *CapitalBudgeting) N() int { return len(c.Cost) }

// XiDim is the dimension d of the uncertainty.
func (c *CapitalBudgeting) XiDim() int {
	if len(c.Phi) == 0 {
		return 0
	}
	return len(c.Phi[0])
}

// maxCBItems and maxCBDim bound what a file may declare, so a corrupt header
// cannot make the reader allocate without limit.
const (
	maxCBItems = 1 << 16
	maxCBDim   = 64
)

// Validate checks the sizes and signs the model relies on: costs and loadings
// φ non-negative with Σ_j φ_ij ≤ 2, so that no cost turns negative over the box
// and the worst case of c(ξ)ᵀx is at ξ = (1,…,1).
func (c *CapitalBudgeting) Validate() error {
	n, d := c.N(), c.XiDim()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: capital budgeting %q: %s", ErrInvalidInstance, c.Name, fmt.Sprintf(format, a...))
	}
	switch {
	case n == 0:
		return bad("no projects")
	case n > maxCBItems:
		return bad("%d projects, at most %d", n, maxCBItems)
	case d == 0 || d > maxCBDim:
		return bad("uncertainty dimension %d outside [1, %d]", d, maxCBDim)
	case len(c.Revenue) != n || len(c.Phi) != n || len(c.Psi) != n:
		return bad("project slices have different lengths")
	case !finite(c.Budget) || c.Budget < 0:
		return bad("budget %v: want a finite non-negative number", c.Budget)
	case !finite(c.RecourseFactor) || c.RecourseFactor < 0 || c.RecourseFactor > 1:
		return bad("recourse factor %v outside [0, 1]", c.RecourseFactor)
	}
	for i := 0; i < n; i++ {
		if err := checkCBItem(c.Cost[i], c.Revenue[i], c.Phi[i], c.Psi[i], d); err != nil {
			return bad("project %d: %v", i, err)
		}
	}
	return nil
}

func checkCBItem(cost, rev float64, phi, psi []float64, d int) error {
	if len(phi) != d || len(psi) != d {
		return fmt.Errorf("loadings have %d and %d entries, want %d", len(phi), len(psi), d)
	}
	switch {
	case !finite(cost) || cost < 0:
		return fmt.Errorf("cost %v is negative or not finite", cost)
	case !finite(rev) || rev < 0:
		return fmt.Errorf("revenue %v is negative or not finite", rev)
	}
	sum := 0.0
	for j := 0; j < d; j++ {
		if !finite(phi[j]) || phi[j] < 0 {
			return fmt.Errorf("cost loading φ_%d = %v is negative or not finite", j, phi[j])
		}
		if !finite(psi[j]) {
			return fmt.Errorf("revenue loading ψ_%d = %v is not finite", j, psi[j])
		}
		sum += phi[j]
	}
	if sum > 2+1e-9 {
		return fmt.Errorf("cost loadings sum to %v > 2: the cost would turn negative", sum)
	}
	return nil
}

// CostAt is c_i(ξ) = (1 + φ_iᵀξ/2)·c̄_i, summed in Neur2RO's order so that
// values match its evaluation to the last bit.
func (c *CapitalBudgeting) CostAt(i int, xi []float64) float64 {
	return (1 + dot(c.Phi[i], xi)/2) * c.Cost[i]
}

// RevenueAt is r_i(ξ) = (1 + ψ_iᵀξ/2)·r̄_i.
func (c *CapitalBudgeting) RevenueAt(i int, xi []float64) float64 {
	return (1 + dot(c.Psi[i], xi)/2) * c.Revenue[i]
}

func dot(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

// WorstCaseCost is max over ξ ∈ [−1,1]^d of c(ξ)ᵀx: with φ ≥ 0 it is at ξ = 1.
func (c *CapitalBudgeting) WorstCaseCost(x []bool) float64 {
	s := 0.0
	for i, in := range x {
		if in {
			sum := 0.0
			for _, v := range c.Phi[i] {
				sum += v
			}
			s += (1 + sum/2) * c.Cost[i]
		}
	}
	return s
}

// ReadCapitalBudgeting reads Neur2RO's instance format: a line `seed n d budget
// max_loan`, a line of the n costs c̄, a line of the n revenues r̄, n lines of
// d loadings φ_i and n lines of d loadings ψ_i. The budget is truncated to an
// integer (see Budget). Errors name the line: "name:line: what is wrong".
func ReadCapitalBudgeting(r io.Reader, name string) (*CapitalBudgeting, error) {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 0, 4096), 1<<22)
	line := 0
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrInvalidInstance, name, line, fmt.Sprintf(format, args...))
	}
	next := func(what string, want int) ([]float64, error) {
		for sc.Scan() {
			line++
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			if len(f) != want {
				return nil, errf("%s has %d fields, want %d", what, len(f), want)
			}
			out := make([]float64, len(f))
			for j, s := range f {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || !finite(v) {
					return nil, errf("%s field %d: %s is not a finite number", what, j+1, quote(s))
				}
				out[j] = v
			}
			return out, nil
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrInvalidInstance, name, line, err)
		}
		if line == 0 {
			return nil, fmt.Errorf("%w: %s: empty file, want a %s", ErrInvalidInstance, name, what)
		}
		return nil, fmt.Errorf("%w: %s:%d: file ends before the %s", ErrInvalidInstance, name, line, what)
	}
	head, err := next("header (seed n d budget max_loan)", 5)
	if err != nil {
		return nil, err
	}
	integer := func(v float64, lo, hi int, what string) (int, error) {
		if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
			return 0, errf("%s %v: want an integer in [%d, %d]", what, v, lo, hi)
		}
		return int(v), nil
	}
	seed, err := integer(head[0], math.MinInt32, math.MaxInt32, "seed")
	if err != nil {
		return nil, err
	}
	n, err := integer(head[1], 1, maxCBItems, "project count")
	if err != nil {
		return nil, err
	}
	d, err := integer(head[2], 1, maxCBDim, "uncertainty dimension")
	if err != nil {
		return nil, err
	}
	if head[3] < 0 {
		return nil, errf("budget %v is negative", head[3])
	}
	c := &CapitalBudgeting{Name: filepath.Base(name), Seed: seed, Budget: math.Trunc(head[3]), MaxLoan: head[4], RecourseFactor: CBRecourseFactor}
	if c.Cost, err = next("cost line (c̄)", n); err != nil {
		return nil, err
	}
	for i, v := range c.Cost {
		if v < 0 {
			return nil, errf("cost of project %d is %v: costs must not be negative", i+1, v)
		}
	}
	if c.Revenue, err = next("revenue line (r̄)", n); err != nil {
		return nil, err
	}
	for i, v := range c.Revenue {
		if v < 0 {
			return nil, errf("revenue of project %d is %v: revenues must not be negative", i+1, v)
		}
	}
	for _, m := range []struct {
		dst  *[][]float64
		what string
	}{{&c.Phi, "cost loadings φ"}, {&c.Psi, "revenue loadings ψ"}} {
		*m.dst = make([][]float64, n)
		for i := 0; i < n; i++ {
			if (*m.dst)[i], err = next(fmt.Sprintf("%s of project %d", m.what, i+1), d); err != nil {
				return nil, err
			}
			if m.dst == &c.Phi {
				if err := checkCBItem(c.Cost[i], c.Revenue[i], c.Phi[i], make([]float64, d), d); err != nil {
					return nil, errf("project %d: %v", i+1, err)
				}
			}
		}
	}
	for sc.Scan() {
		line++
		if extra := strings.TrimSpace(sc.Text()); extra != "" {
			return nil, errf("unexpected content %s after %d projects", quote(extra), n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s:%d: %v", ErrInvalidInstance, name, line, err)
	}
	return c, c.Validate()
}

// LoadCapitalBudgeting reads a capital-budgeting file; the instance is named
// after the file's base name.
func LoadCapitalBudgeting(path string) (*CapitalBudgeting, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ReadCapitalBudgeting(bytes.NewReader(data), path)
	if err != nil {
		return nil, err
	}
	c.Name = filepath.Base(path)
	return c, nil
}

// CBFeasibilityTol is how far, relative to the budget (at least 1), a cost may
// exceed it: the default feasibility tolerance of MILP solvers (Gurobi's, CBC's),
// so that first stages found by a MILP, Neur2RO's published ones included
// (CB_n30_xi4_s17's exceeds its budget by 1.3e-5 at ξ = 1), are accepted.
const CBFeasibilityTol = 1e-6

// CBSlack is the budget overrun CBFeasibilityTol allows for c.
func (c *CapitalBudgeting) CBSlack() float64 { return CBFeasibilityTol * math.Max(1, c.Budget) }

// CheckCBFirstStage validates a first stage for c: one decision per project,
// and robust feasibility, c(ξ)ᵀx ≤ B for every ξ (up to CBSlack), computed at
// ξ = (1,…,1) where φ ≥ 0 puts the worst case.
func CheckCBFirstStage(c *CapitalBudgeting, x []bool) error {
	if len(x) != c.N() {
		return fmt.Errorf("%w: first stage has %d projects, instance %q has %d", ErrInvalidSolution, len(x), c.Name, c.N())
	}
	if w := c.WorstCaseCost(x); w > c.Budget+c.CBSlack() {
		return fmt.Errorf("%w: first stage costs up to %v over the uncertainty box, budget %v", ErrInvalidSolution, w, c.Budget)
	}
	return nil
}

// CheckCBSecondStage validates a scenario and a recourse y for the first stage
// x and returns the revenue r(ξ)ᵀ(x + k·y). It trusts no solver.
func CheckCBSecondStage(c *CapitalBudgeting, x []bool, xi []float64, y []bool) (float64, error) {
	if err := CheckCBFirstStage(c, x); err != nil {
		return 0, err
	}
	if len(xi) != c.XiDim() || len(y) != c.N() {
		return 0, fmt.Errorf("%w: scenario has %d entries (want %d), recourse %d (want %d)", ErrInvalidSolution, len(xi), c.XiDim(), len(y), c.N())
	}
	for j, v := range xi {
		if !(v >= -1-1e-9 && v <= 1+1e-9) {
			return 0, fmt.Errorf("%w: ξ_%d = %v outside [−1, 1]", ErrInvalidSolution, j, v)
		}
	}
	cost, rev := 0.0, 0.0
	for i := range x {
		switch {
		case x[i] && y[i]:
			return 0, fmt.Errorf("%w: project %d funded in both stages", ErrInvalidSolution, i)
		case x[i]:
			cost += c.CostAt(i, xi)
			rev += c.RevenueAt(i, xi)
		case y[i]:
			cost += c.CostAt(i, xi)
			rev += c.RecourseFactor * c.RevenueAt(i, xi)
		}
	}
	if cost > c.Budget+c.CBSlack() {
		return 0, fmt.Errorf("%w: the projects cost %v > budget %v under ξ", ErrInvalidSolution, cost, c.Budget)
	}
	return rev, nil
}

// GenerateCapitalBudgeting draws an instance with Neur2RO's recipe, numpy's
// legacy generator seeded with seed included, so that seeds 1…100 give the
// published files: c̄ ~ U(1,10)^n, r̄ = c̄/5, B = Σc̄/2, max loan 1.5Σc̄ − B,
// then per project d−1 pairs of U(0,1) draws whose sorted values cut [0,1]
// into the loadings φ_i (first of each pair) and ψ_i (second). The budget is
// not truncated, as in Neur2RO's training instances.
func GenerateCapitalBudgeting(n, d int, seed uint32) (*CapitalBudgeting, error) {
	if n < 1 || n > maxCBItems || d < 1 || d > maxCBDim {
		return nil, fmt.Errorf("%w: n=%d, d=%d: want 1..%d projects and dimension 1..%d", ErrInvalidInstance, n, d, maxCBItems, maxCBDim)
	}
	rng := npmt.New(seed)
	c := &CapitalBudgeting{
		Name: fmt.Sprintf("CB_n%d_xi%d_s%d", n, d, seed), Seed: int(seed),
		Cost: make([]float64, n), Revenue: make([]float64, n), Phi: make([][]float64, n), Psi: make([][]float64, n),
		RecourseFactor: CBRecourseFactor,
	}
	for i := range c.Cost {
		c.Cost[i] = rng.Uniform(1, 10)
		c.Revenue[i] = c.Cost[i] / 5
	}
	// Python's sum over the array, left to right (numpy's own sum adds pairwise
	// and differs in the last bit).
	total := 0.0
	for _, v := range c.Cost {
		total += v
	}
	c.Budget = total / 2
	c.MaxLoan = 1.5*total - c.Budget
	a, b := make([]float64, d+1), make([]float64, d+1)
	for i := 0; i < n; i++ {
		a[0], b[0] = 0, 0
		for j := 1; j < d; j++ {
			a[j], b[j] = rng.Float64(), rng.Float64()
		}
		a[d], b[d] = 1, 1
		slices.Sort(a)
		slices.Sort(b)
		c.Phi[i], c.Psi[i] = make([]float64, d), make([]float64, d)
		for j := 0; j < d; j++ {
			c.Phi[i][j] = a[j+1] - a[j]
			c.Psi[i][j] = b[j+1] - b[j]
		}
	}
	return c, c.Validate()
}
