package robust

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/npmt"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/solvers"
)

// CBOptions configure NewCapitalBudgeting's evaluation. Zero values are
// Neur2RO's protocol.
type CBOptions struct {
	// Scenarios join the evaluation's scenario set. Neur2RO's evaluation uses
	// the scenarios every compared method found (instances.CBScenariosFor).
	Scenarios [][]float64
	// RandomScenarios is how many scenarios numpy's legacy generator draws
	// uniformly from the box, seeded with RandomSeed (default 10,000 with seed
	// 10,000: Neur2RO seeds with the sample count). Negative: none.
	RandomScenarios int
	RandomSeed      uint32
}

// ErrCBInfeasible reports a first stage that exceeds the budget under a scenario.
var ErrCBInfeasible = errors.New("robust: first stage exceeds the budget")

// capitalBudgeting is the capital budgeting problem as a Problem; its worth is
// the revenue, Neur2RO's objective negated.
type capitalBudgeting struct {
	c    *instances.CapitalBudgeting
	scen [][]float64 // the sampled-scenario evaluation's set
	tabs []cbTable   // per scenario of scen, built by the first evaluation
	hot  []int       // the scenarios that were worst lately, most recent first
	kp   cbKnapsack
	feat []float64
	buf  cbTable
}

// cbTable is the data of a scenario: each project's cost and revenue, and the
// projects in decreasing revenue per cost, the order the second stage's
// knapsack searches in.
type cbTable struct {
	cost, rev []float64
	order     []int32
}

// hotScenarios is how many recent worst scenarios a cutoff evaluation tries
// first: a candidate the polish rejects is usually beaten by one of them.
const hotScenarios = 8

func (p *capitalBudgeting) table(xi []float64, t *cbTable) {
	c := p.c
	n := c.N()
	t.cost, t.rev = growFloat(t.cost, n), growFloat(t.rev, n)
	if cap(t.order) < n {
		t.order = make([]int32, n)
	}
	t.order = t.order[:n]
	for i := 0; i < n; i++ {
		t.cost[i], t.rev[i] = c.CostAt(i, xi), c.RevenueAt(i, xi)
		t.order[i] = int32(i)
	}
	slices.SortStableFunc(t.order, func(a, b int32) int { return cmp.Compare(t.rev[b]*t.cost[a], t.rev[a]*t.cost[b]) })
}

// NewCapitalBudgeting wraps a capital-budgeting instance as a Problem whose
// Evaluate is Neur2RO's sampled-scenario approximation: the smallest revenue
// of x over a finite scenario set (o.Scenarios and the random ones), each
// scenario's second stage solved exactly. It is an optimistic estimate of the
// true worst case, and the one the published results use.
func NewCapitalBudgeting(c *instances.CapitalBudgeting, o CBOptions) (Problem, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	d := c.XiDim()
	if d != cbDim {
		return nil, fmt.Errorf("%w: capital budgeting %q has uncertainty dimension %d; the value network's inputs are laid out for %d", instances.ErrInvalidInstance, c.Name, d, cbDim)
	}
	p := &capitalBudgeting{c: c}
	for i, s := range o.Scenarios {
		if len(s) != d {
			return nil, fmt.Errorf("%w: scenario %d has %d entries, want %d", instances.ErrInvalidSolution, i, len(s), d)
		}
		for _, v := range s {
			if !(v >= -1 && v <= 1) {
				return nil, fmt.Errorf("%w: scenario %d has %v outside [−1, 1]", instances.ErrInvalidSolution, i, v)
			}
		}
		p.scen = append(p.scen, s)
	}
	n := o.RandomScenarios
	if n == 0 {
		n = 10000
	}
	seed := o.RandomSeed
	if seed == 0 {
		seed = 10000
	}
	if n > 0 {
		p.scen = append(p.scen, RandomCBScenarios(n, d, seed)...)
	}
	if len(p.scen) == 0 {
		return nil, solvers.InvalidSetting("RandomScenarios", "no random scenario and no other: the evaluation has no scenario")
	}
	p.feat = cbStatic(c)
	return p, nil
}

// RandomCBScenarios is np.random.seed(seed); np.random.uniform(−1, 1, (n, d)).
func RandomCBScenarios(n, d int, seed uint32) [][]float64 {
	rng := npmt.New(seed)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = rng.Uniform(-1, 1)
		}
	}
	return out
}

func (p *capitalBudgeting) Name() string { return p.c.Name }
func (p *capitalBudgeting) N() int       { return p.c.N() }

func (p *capitalBudgeting) CheckFirstStage(x []bool) error {
	return instances.CheckCBFirstStage(p.c, x)
}

func (p *capitalBudgeting) Uncertainty() Uncertainty {
	d := p.c.XiDim()
	return Uncertainty{Dim: d, Lo: -1, Hi: 1, Budget: math.Inf(1), Nominal: make([]float64, d)}
}

// SecondStage: the projects x earn r(ξ); the rest of the budget funds a
// subset of the others, at k times their revenue, by an exact knapsack.
func (p *capitalBudgeting) SecondStage(ctx context.Context, x []bool, xi []float64) (float64, error) {
	p.table(xi, &p.buf)
	return p.exact(ctx, x, &p.buf)
}

// load fills the knapsack with the projects outside x under the table's
// scenario, in search order, and returns the revenue of x and the budget left.
func (p *capitalBudgeting) load(x []bool, t *cbTable) (rx, room float64) {
	p.kp.reset()
	cost := 0.0
	for i, in := range x {
		if in {
			cost += t.cost[i]
			rx += t.rev[i]
		}
	}
	k := p.c.RecourseFactor
	for _, i := range t.order {
		if !x[i] {
			p.kp.add(t.cost[i], k*t.rev[i])
		}
	}
	return rx, p.c.Budget - cost
}

func (p *capitalBudgeting) exact(ctx context.Context, x []bool, t *cbTable) (float64, error) {
	rx, room, err := p.loadFeasible(x, t)
	if err != nil {
		return 0, err
	}
	v, err := p.kp.solve(ctx, room)
	return rx + v, err
}

// loadFeasible is load that refuses a first stage over budget by more than
// the checker's tolerance and reads an overrun within it as no budget left.
func (p *capitalBudgeting) loadFeasible(x []bool, t *cbTable) (rx, room float64, err error) {
	rx, room = p.load(x, t)
	if room < -p.c.CBSlack() {
		return 0, 0, fmt.Errorf("%w: by %v", ErrCBInfeasible, -room)
	}
	return rx, math.Max(room, 0), nil
}

// Evaluate is the sampled-scenario approximation: the smallest second-stage
// worth over the scenario set. Each scenario's worth is at least the revenue
// with the greedy second stage; scenarios are solved exactly in order of that
// bound until it reaches the smallest exact worth found, which no later
// scenario can then undercut. With a cutoff, the recent worst scenarios are
// tried first.
func (p *capitalBudgeting) Evaluate(ctx context.Context, x []bool, cutoff *float64) (Assessment, error) {
	if err := p.CheckFirstStage(x); err != nil {
		return Assessment{}, err
	}
	if p.tabs == nil {
		p.tabs = make([]cbTable, len(p.scen))
		for s, xi := range p.scen {
			p.table(xi, &p.tabs[s])
		}
	}
	worst, arg := math.Inf(1), -1
	solved := map[int]bool{}
	try := func(s int) (bool, error) {
		solved[s] = true
		v, err := p.exact(ctx, x, &p.tabs[s])
		if err != nil {
			return false, err
		}
		if v < worst {
			worst, arg = v, s
		}
		return cutoff != nil && worst <= *cutoff, nil
	}
	done := func(cut bool) Assessment {
		p.remember(arg)
		return Assessment{Worth: worst, Converged: true, CutOff: cut}
	}
	if cutoff != nil {
		for _, s := range p.hot {
			cut, err := try(s)
			if err != nil {
				return Assessment{Worth: worst}, err
			}
			if cut {
				return done(true), nil
			}
		}
	}
	type cand struct {
		s  int
		lb float64
	}
	cands := make([]cand, 0, len(p.scen))
	for s := range p.scen {
		if solved[s] {
			continue
		}
		rx, room, err := p.loadFeasible(x, &p.tabs[s])
		if err != nil {
			return Assessment{}, fmt.Errorf("scenario %d: %w", s, err)
		}
		cands = append(cands, cand{s, rx + p.kp.greedy(room)})
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.lb, b.lb) })
	for t, cd := range cands {
		if cd.lb >= worst {
			break
		}
		if t%64 == 0 {
			if err := ctx.Err(); err != nil {
				return Assessment{Worth: worst}, err
			}
		}
		cut, err := try(cd.s)
		if err != nil {
			return Assessment{Worth: worst}, err
		}
		if cut {
			return done(true), nil
		}
	}
	return done(false), nil
}

// remember puts scenario s first among the hot ones.
func (p *capitalBudgeting) remember(s int) {
	if s < 0 {
		return
	}
	if i := slices.Index(p.hot, s); i >= 0 {
		p.hot = slices.Delete(p.hot, i, i+1)
	}
	p.hot = slices.Insert(p.hot, 0, s)
	if len(p.hot) > hotScenarios {
		p.hot = p.hot[:hotScenarios]
	}
}

// Deterministic funds projects greedily by revenue per cost under ξ: in the
// first stage while robust feasibility allows, else in the second.
func (p *capitalBudgeting) Deterministic(_ context.Context, xi []float64) ([]bool, error) {
	c := p.c
	n := c.N()
	order := make([]int, n)
	eff := make([]float64, n)
	for i := range order {
		order[i] = i
		eff[i] = c.RevenueAt(i, xi) / math.Max(c.CostAt(i, xi), 1e-12)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(eff[b], eff[a]) })
	x := make([]bool, n)
	spent := 0.0
	for _, i := range order {
		ci := c.CostAt(i, xi)
		if spent+ci > c.Budget {
			continue
		}
		spent += ci
		x[i] = true
		if c.WorstCaseCost(x) > c.Budget {
			x[i] = false // funded in the second stage
		}
	}
	return x, nil
}

// AdversaryCandidate: the scenario −1 (every revenue at its lowest), the
// vertices of the box (for d ≤ 12), then points drawn uniformly from random
// faces: each coordinate at a random bound with probability 1/2, else uniform.
func (p *capitalBudgeting) AdversaryCandidate(rng *rand.Rand, _ []bool, c int, xi []float64) {
	d := len(xi)
	if c == 0 {
		for j := range xi {
			xi[j] = -1
		}
		return
	}
	if d <= 12 && c <= 1<<d {
		for j := range xi {
			xi[j] = float64(2*((c-1)>>j&1) - 1)
		}
		return
	}
	for j := range xi {
		if rng.IntN(2) == 0 {
			xi[j] = float64(2*rng.IntN(2) - 1)
		} else {
			xi[j] = 2*rng.Float64() - 1
		}
	}
}

// The capital-budgeting network's inputs. Item i's x row is [x_i, c̄_i/10,
// r̄_i/2, B/Σc̄, φ_i…, ψ_i…]: with its loadings, the per-item embedding can
// carry x_i·ψ_i, whose sum drives the revenue of x under any ξ. Its ξ row is
// [1+φ_iᵀξ/2, 1+ψ_iᵀξ/2, c̄_i/10, r̄_i/2, ξ/n…]; the last block sums to ξ.
var capitalBudgetingLayout = Layout{Kind: "cb", XInput: "cb_x_items", XiInput: "cb_xi_items", XWidth: 12, XiWidth: 8}

const cbDim = 4 // the layout's uncertainty dimension (Neur2RO's instances)

func cbStatic(c *instances.CapitalBudgeting) []float64 {
	w := capitalBudgetingLayout.XWidth - 1
	out := make([]float64, 0, w*c.N())
	total := 0.0
	for _, v := range c.Cost {
		total += v
	}
	tight := 0.0
	if total > 0 {
		tight = c.Budget / total
	}
	for i := range c.Cost {
		out = append(out, c.Cost[i]/10, c.Revenue[i]/2, tight)
		out = append(out, c.Phi[i]...)
		out = append(out, c.Psi[i]...)
	}
	return out
}

func (p *capitalBudgeting) Features() Features {
	c := p.c
	n := c.N()
	w := capitalBudgetingLayout.XiWidth
	scale := 0.0
	for _, r := range c.Revenue {
		scale += r
	}
	return Features{
		Layout:  capitalBudgetingLayout,
		XStatic: p.feat,
		XiRows: func(xi []float64, rows []float64) {
			for i := 0; i < n; i++ {
				row := rows[i*w : (i+1)*w]
				row[0] = 1 + dotF(c.Phi[i], xi)/2
				row[1] = 1 + dotF(c.Psi[i], xi)/2
				row[2], row[3] = c.Cost[i]/10, c.Revenue[i]/2
				for j, v := range xi {
					row[4+j] = v / float64(n)
				}
			}
		},
		LabelScale: math.Max(scale, 1e-9),
	}
}

func dotF(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

// SampleFirstStage is Neur2RO's (p ~ U(0,1), x_i ~ Bernoulli(1−p), drawn again
// until it fits the budget), with robust feasibility as the fit.
func (p *capitalBudgeting) SampleFirstStage(rng *rand.Rand) []bool {
	x := make([]bool, p.c.N())
	for try := 0; try < 1000; try++ {
		q := rng.Float64()
		for j := range x {
			x[j] = rng.Float64() >= q
		}
		if p.CheckFirstStage(x) == nil {
			return x
		}
	}
	clear(x)
	return x
}

// SampleScenario alternates Neur2RO's uniform draws from the box and points
// on random faces, where the adversary's optima lie.
func (p *capitalBudgeting) SampleScenario(rng *rand.Rand, x []bool, c int, xi []float64) {
	if c%2 == 0 {
		for j := range xi {
			xi[j] = 2*rng.Float64() - 1
		}
		return
	}
	p.AdversaryCandidate(rng, x, 1<<20, xi)
}

// Label is Neur2RO's: the objective, minus the revenue, of x under ξ.
func (p *capitalBudgeting) Label(ctx context.Context, x []bool, xi []float64) (float64, bool, error) {
	v, err := p.SecondStage(ctx, x, xi)
	if errors.Is(err, ErrCBInfeasible) {
		return 0, false, nil
	}
	return -v, err == nil, err
}

// EncodeMain: robust feasibility (the worst-case cost row), the revenue of x
// and of the second-stage projects y under the selected scenario, with the
// products x_i·s_j and y_i·s_j as continuous u, w in [0,1] tied exactly by
// u ≤ x_i, u ≤ s_j, u ≥ x_i + s_j − 1.
func (p *capitalBudgeting) EncodeMain(m *milp.Model, xv, sv []int, scen [][]float64) {
	c := p.c
	n := c.N()
	worst := make([]float64, n)
	for i := range worst {
		one := make([]bool, n)
		one[i] = true
		worst[i] = c.WorstCaseCost(one)
	}
	m.AddRow(xv, worst, -milp.Inf, c.Budget, "robust feasibility")
	var budIdx []int
	var budVal []float64
	product := func(a, b int, obj float64) int {
		u := m.AddVar(0, 1, obj, false, "prod")
		m.AddRow([]int{u, a}, []float64{1, -1}, -milp.Inf, 0, "")
		m.AddRow([]int{u, b}, []float64{1, -1}, -milp.Inf, 0, "")
		m.AddRow([]int{u, a, b}, []float64{1, -1, -1}, -1, milp.Inf, "")
		return u
	}
	for i := 0; i < n; i++ {
		y := m.AddBinary(0, "y")
		m.AddRow([]int{xv[i], y}, []float64{1, 1}, -milp.Inf, 1, "")
		for j, xi := range scen {
			cost, rev := c.CostAt(i, xi), c.RevenueAt(i, xi)
			u := product(xv[i], sv[j], rev)
			w := product(y, sv[j], c.RecourseFactor*rev)
			budIdx = append(budIdx, u, w)
			budVal = append(budVal, cost, cost)
		}
	}
	m.AddRow(budIdx, budVal, -milp.Inf, c.Budget, "budget")
}

// CapitalBudgetingFamily draws training instances with Neur2RO's recipe
// (instances.GenerateCapitalBudgeting) at generator seeds 10^6 + seed, far
// from the published evaluation seeds 1…100, with n from Sizes (default 10,
// 20, …, 50) and d = 4.
type CapitalBudgetingFamily struct {
	Sizes []int
}

func (CapitalBudgetingFamily) Kind() string { return capitalBudgetingLayout.Kind }

func (f CapitalBudgetingFamily) Instance(rng *rand.Rand, seed uint64) (Problem, error) {
	sizes := f.Sizes
	if len(sizes) == 0 {
		sizes = []int{10, 20, 30, 40, 50}
	}
	c, err := instances.GenerateCapitalBudgeting(sizes[rng.IntN(len(sizes))], cbDim, uint32(1_000_000+seed))
	if err != nil {
		return nil, err
	}
	// Training needs no evaluation set: the second stage labels each sample.
	return NewCapitalBudgeting(c, CBOptions{Scenarios: [][]float64{make([]float64, cbDim)}, RandomScenarios: -1})
}

// AddScenario adds ξ to the evaluation's set.
func (p *capitalBudgeting) AddScenario(xi []float64) {
	xi = append([]float64(nil), xi...)
	p.scen = append(p.scen, xi)
	if p.tabs != nil {
		p.tabs = append(p.tabs, cbTable{})
		p.table(xi, &p.tabs[len(p.tabs)-1])
	}
}

// Adversary searches the box for the scenario that leaves x the least
// revenue, with the exact second stage: the vertices, the set's worst
// scenarios for x lately and 2,000 uniform draws are scored, and a pattern
// search (each coordinate up and down by a step halved from 0.5 to 1e-4)
// descends from the best four.
func (p *capitalBudgeting) Adversary(ctx context.Context, x []bool) ([]float64, error) {
	d := p.c.XiDim()
	worth := func(xi []float64) (float64, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return p.SecondStage(ctx, x, xi)
	}
	type point struct {
		xi []float64
		v  float64
	}
	var starts []point
	try := func(xi []float64) error {
		v, err := worth(xi)
		starts = append(starts, point{append([]float64(nil), xi...), v})
		return err
	}
	xi := make([]float64, d)
	for c := 0; c < 1<<d; c++ {
		for j := range xi {
			xi[j] = float64(2*(c>>j&1) - 1)
		}
		if err := try(xi); err != nil {
			return nil, err
		}
	}
	for _, s := range p.hot {
		if err := try(p.scen[s]); err != nil {
			return nil, err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(p.scen)), 0xadf))
	for i := 0; i < 2000; i++ {
		for j := range xi {
			xi[j] = 2*rng.Float64() - 1
		}
		if err := try(xi); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(starts, func(a, b point) int { return cmp.Compare(a.v, b.v) })
	best := starts[0]
	for _, st := range starts[:min(4, len(starts))] {
		cur := st
		for step := 0.5; step >= 1e-4; step /= 2 {
			for moved := true; moved; {
				moved = false
				for j := 0; j < d; j++ {
					for _, dir := range []float64{-1, 1} {
						cand := append([]float64(nil), cur.xi...)
						cand[j] = math.Max(-1, math.Min(1, cand[j]+dir*step))
						v, err := worth(cand)
						if err != nil {
							return nil, err
						}
						if v < cur.v-1e-12 {
							cur, moved = point{cand, v}, true
						}
					}
				}
			}
		}
		if cur.v < best.v {
			best = cur
		}
	}
	return best.xi, nil
}
