package robust

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
)

// Settings configure Solve. Zero values are the documented defaults.
type Settings struct {
	// Limits: TimeLimit covers the whole run, exact evaluations included;
	// MaxIterations bounds the exact evaluations (CCG proposals and polish
	// moves), the unit of work that makes a run repeatable; Threads is passed
	// to the MILP backend; Seed drives the sampling adversary and the polish's
	// kicks.
	solvers.Limits
	// OnImprove, when set, receives each first stage whose worth (the exact
	// worst-case profit for the knapsack) beats every earlier one, as soon as
	// it is known (from the solving goroutine; the solution is the callee's to
	// keep). A sampled evaluation's set grows as the answer is hardened
	// (SampledEvaluation), so there a value may fall below an earlier one.
	OnImprove func(Solution)
	// MaxScenarios caps the scenarios the CCG adds (default 20, Neur2RO's
	// max_n_models).
	MaxScenarios int
	// Model is the value network (default: the problem's shipped one,
	// ShippedModel; a problem without one needs it set).
	Model *nnsurrogate.Model
	// ModelLabel is the sense of the label Model was trained on, for a model
	// that does not record it (ModelLabel); a model that records it is read
	// by it, and a ModelLabel that contradicts it is an invalid setting. ""
	// reads an unrecorded model as a cost, as before the sense was recorded:
	// for the shipped knapsack model, trained on the saving, that is the
	// opposite of its label, and its measured results come from that reading;
	// LabelSaving reads it by its label.
	ModelLabel LabelSense
	// MILP solves the main and adversarial problems (default milp.Default(),
	// except for problems without the MILP adversary, Features.ItemXi false,
	// where it is the pure-Go milp.Simplex: on capital budgeting CBC's main
	// problem alone took the whole 6 s of an n = 10 run and left gaps of 2–11 %,
	// where the heuristic main problem reaches the best known in under 1 s).
	// When it cannot solve integer models (the pure-Go build), the adversary
	// samples scenarios and the main problem uses the problem's deterministic
	// heuristic; Stats.Backend says which ran.
	MILP milp.Solver
	// Samples is the number of scenarios the sampling adversary scores
	// (default 4000).
	Samples int
	// Tol is the relative termination tolerance of Neur2RO (default 1e-4).
	Tol float64
	// NoPolish stops after the CCG, which is Neur2RO's method alone. By default
	// an iterated first-improvement local search over single-item flips and
	// swaps of the best x follows, judged by exact evaluation (with early
	// rejection), until 20 random kicks in a row bring nothing better or the
	// budget ends.
	NoPolish bool
	// PolishKicks is how many kicks in a row the polish tries without a new
	// best before it stops on its own (default 20; a time limit or the context
	// may stop it earlier).
	PolishKicks int
	// CCGShare is the part of the run the CCG may use when the polish follows
	// (default 0.5): of the time from the start to the deadline (TimeLimit or
	// the context's), and of MaxIterations' evaluations, at least one. When it
	// is used up the CCG stops with its best first stage so far and the polish
	// starts from it; that is not a stop of the run. 1 lets the CCG use the
	// whole run, as before the share existed, which leaves the polish nothing
	// when the CCG is slow. A run without polish (NoPolish) ignores it.
	CCGShare float64
}

// defaultCCGShare is the default of Settings.CCGShare.
const defaultCCGShare = 0.5

// Solution is a first stage (the items chosen) and its worth as the problem
// evaluates it (Profit: the knapsack's exact worst-case profit, capital
// budgeting's sampled worst-case revenue), with what found it: Phase is "ccg"
// (a proposal of the main problem) or "polish", Iteration the number of
// evaluations made until then.
type Solution struct {
	FirstStage []bool
	Profit     float64
	Phase      string
	Iteration  int64
}

// Result of Solve. Objective is always the worth of the first stage as the
// problem evaluates it (Solution.Profit). Bound is NaN: the method proves no
// bound on the robust optimum.
type Result = solvers.Result[Solution, Stats]

func (s Settings) validate() error {
	if err := s.Limits.Validate(); err != nil {
		return err
	}
	switch {
	case s.MaxScenarios < 0:
		return solvers.InvalidSetting("MaxScenarios", "%d is negative", s.MaxScenarios)
	case s.Samples < 0:
		return solvers.InvalidSetting("Samples", "%d is negative", s.Samples)
	case s.PolishKicks < 0:
		return solvers.InvalidSetting("PolishKicks", "%d is negative", s.PolishKicks)
	case s.Tol < 0 || math.IsNaN(s.Tol):
		return solvers.InvalidSetting("Tol", "%v (want ≥ 0)", s.Tol)
	case !(s.CCGShare >= 0 && s.CCGShare <= 1):
		return solvers.InvalidSetting("CCGShare", "%v (want 0, the default, to 1)", s.CCGShare)
	case s.ModelLabel != "" && !s.ModelLabel.valid():
		return solvers.InvalidSetting("ModelLabel", "%q (want %q, %q or empty)", s.ModelLabel, LabelCost, LabelSaving)
	}
	return nil
}

// Stats are the counts a user tunes by.
type Stats struct {
	// Backend is "milp:<solver>" or "heuristic" (sampling adversary, scenario-DP main).
	Backend string `json:"backend"`
	// Iterations is the number of CCG iterations; Scenarios the scenarios found.
	Iterations      int           `json:"ccg_iterations"`
	Scenarios       [][]float64   `json:"-"`
	MainSolves      int           `json:"main_solves"`
	AdversarySolves int           `json:"adversary_solves"`
	MainTime        time.Duration `json:"main_ns"`
	AdversaryTime   time.Duration `json:"adversary_ns"`
	EvalTime        time.Duration `json:"eval_ns"`
	// Evaluations counts the evaluations (the unit of MaxIterations);
	// CCGEvaluations those of the CCG's proposals.
	Evaluations    int `json:"evaluations"`
	CCGEvaluations int `json:"ccg_evaluations"`
	// CCGShareUsed is true when the CCG stopped because its share of the run
	// (Settings.CCGShare) was used up.
	CCGShareUsed bool `json:"ccg_share_used,omitempty"`
	// Binaries and stable neurons of the last adversarial encoding.
	AdvBinaries int `json:"adv_binaries"`
	AdvStable   int `json:"adv_stable"`
	// MainProved counts the main problems solved without a MILP
	// (mainByDeterministic).
	MainProved int `json:"main_proved"`
	// EncodingChecks counts the MILP optima compared with the forward pass.
	EncodingChecks int `json:"encoding_checks"`
	// LastPredicted is the network's estimate at the last adversarial optimum, in
	// profit units and read as a cost (a saving model's negated; an estimate,
	// never reported as the objective).
	LastPredicted float64 `json:"predicted_ss"`
	// MILPTimeouts counts MILP solves stopped by the time limit.
	MILPTimeouts int `json:"milp_timeouts"`
	// HardenScenarios counts the scenarios added against the answer by a
	// sampled evaluation's adversary (SampledEvaluation).
	HardenScenarios int `json:"harden_scenarios,omitempty"`
	// Hardened is true when the adversary's scenario for the returned first
	// stage left its worth unchanged: the set holds its worst case as far as the
	// adversary can tell. It is false when the time limit or the round limit
	// came first (the worth is then still its value on the set).
	Hardened bool `json:"hardened,omitempty"`
	// PolishEvals, PolishKicks and PolishGain describe the local search.
	PolishEvals int     `json:"polish_evals"`
	PolishKicks int     `json:"polish_kicks"`
	PolishGain  float64 `json:"polish_gain"`
}

// ErrEncoding reports a MILP optimum that disagrees with the network's forward pass,
// which is a bug in the encoding.
var ErrEncoding = errors.New("robust: MILP encoding disagrees with the forward pass")

// predictor evaluates the network on one instance.
type predictor struct {
	prob  Problem
	unc   Uncertainty
	f     Features
	net   *encodedNet
	scale float64
}

// newPredictor reads m's predictions as costs: a model of a saving label
// (sense, see resolveLabel) is negated.
func newPredictor(prob Problem, m *nnsurrogate.Model, sense LabelSense) (*predictor, error) {
	g, err := m.Blocks()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	f := prob.Features()
	enc, err := parseNetwork(g, f.Layout)
	if err != nil {
		return nil, err
	}
	if sense == LabelSaving {
		enc.negate()
	}
	return &predictor{prob: prob, unc: prob.Uncertainty(), f: f, net: enc, scale: f.LabelScale}, nil
}

// static is item i's static features on the x path.
func (p *predictor) static(i int) []float64 {
	w := p.f.XWidth - 1
	return p.f.XStatic[w*i : w*(i+1)]
}

func (p *predictor) px(x []bool) []float64 {
	w := p.f.XWidth
	rows := make([]float64, len(x)*w)
	for i, in := range x {
		if in {
			rows[i*w] = 1
		}
		copy(rows[i*w+1:(i+1)*w], p.static(i))
	}
	return p.net.x.embed(rows)
}

func (p *predictor) pxi(xi []float64) []float64 {
	rows := make([]float64, p.prob.N()*p.f.XiWidth)
	p.f.XiRows(xi, rows)
	return p.net.xi.embed(rows)
}

// Solve runs Neur2RO's machine-learning CCG on a robust knapsack (see
// SolveProblem); Objective and Solution.Profit are the exact worst-case profit.
func Solve(ctx context.Context, k *instances.RobustKnapsack, s Settings) (Result, error) {
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	p, err := NewKnapsackProblem(k)
	if err != nil {
		return Result{}, err
	}
	return SolveProblem(ctx, p, s)
}

// SolveProblem runs Neur2RO's machine-learning CCG: the main problem picks x
// given the scenarios found so far (the network chooses the worst one, the true
// second stage is modelled for it), the adversary maximises the network over Ξ
// for that x, until the adversary finds nothing the main problem did not
// already expect. Every x the main problem proposes is evaluated by
// Problem.Evaluate, and the best is returned with that worth (Objective and
// Solution.Profit), after the polish unless NoPolish. The adversary is the
// MILP when the backend solves integer models and the problem's items each see
// one coordinate of ξ (Features.ItemXi), the sampling adversary otherwise.
func SolveProblem(ctx context.Context, prob Problem, s Settings) (Result, error) {
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	s.MaxScenarios = cmp.Or(s.MaxScenarios, 20)
	s.Samples = cmp.Or(s.Samples, 4000)
	s.Tol = cmp.Or(s.Tol, 1e-4)
	s.PolishKicks = cmp.Or(s.PolishKicks, polishStaleKicks)
	s.CCGShare = cmp.Or(s.CCGShare, defaultCCGShare)
	if s.Model == nil {
		m, err := ShippedModel(prob.Features().Kind)
		if err != nil {
			return Result{}, err
		}
		s.Model = m
	}
	if s.MILP == nil {
		s.MILP = milp.Default()
		if !prob.Features().ItemXi {
			s.MILP = milp.Simplex{}
		}
	}
	ctx, cancel := s.Limits.Context(ctx)
	defer cancel()
	ccgCtx, ccgEvals, cancelCCG := s.ccgPhase(ctx, time.Now())
	defer cancelCCG()
	sense, err := resolveLabel(s.Model, s.ModelLabel)
	if err != nil {
		return Result{}, err
	}
	pred, err := newPredictor(prob, s.Model, sense)
	if err != nil {
		return Result{}, err
	}
	useMILP := supportsIntegers(s.MILP)
	milpAdversary := useMILP && pred.f.ItemXi
	r := &run{p: prob, s: s, budget: solvers.NewBudget(ctx, s.MaxIterations), best: math.Inf(-1)}
	r.stats.Backend = "heuristic"
	if useMILP {
		r.stats.Backend = "milp:" + s.MILP.Name()
		if !milpAdversary {
			r.stats.Backend += ", sampling adversary"
		}
	}
	rng := solvers.NewRand(s.Seed, "robust/adversary", 0)
	var scen [][]float64
	reason := solvers.IterationLimit // MaxScenarios reached
	shareUsed := false
	for it := 0; it <= s.MaxScenarios; it++ {
		if r.stopped(ctx) {
			break
		}
		// The share never stops the CCG before its first proposal is
		// evaluated: the polish needs a start.
		cctx := ctx
		if r.x != nil {
			if ccgCtx.Err() != nil || ccgEvals > 0 && r.stats.Evaluations >= ccgEvals {
				shareUsed = true
				break
			}
			cctx = ccgCtx
		}
		t0 := time.Now()
		var x []bool
		var aMain float64
		if useMILP {
			x, aMain, err = mainMILP(cctx, pred, scen, s, &r.stats)
		} else {
			x, aMain, err = mainHeuristic(cctx, pred, scen)
		}
		r.stats.MainSolves++
		r.stats.MainTime += time.Since(t0)
		if err != nil {
			if errors.Is(err, errTimedOut) {
				break
			}
			return Result{}, err
		}
		if err := r.consider(cctx, x); err != nil {
			if cctx.Err() != nil {
				break
			}
			return Result{}, err
		}
		r.stats.Iterations = it
		if it == s.MaxScenarios {
			break
		}
		if r.x != nil {
			cctx = ccgCtx
		}
		t0 = time.Now()
		var xi []float64
		var phi float64
		if milpAdversary {
			xi, phi, err = adversaryMILP(cctx, pred, x, s, &r.stats)
		} else {
			var searched bool
			if xi, phi, searched = adversarySample(cctx, pred, x, s.Samples, rng); !searched {
				break // the stop reason comes from the context below
			}
		}
		r.stats.AdversarySolves++
		r.stats.AdversaryTime += time.Since(t0)
		if err != nil {
			if errors.Is(err, errTimedOut) {
				break
			}
			return Result{}, err
		}
		r.stats.LastPredicted = phi * pred.scale
		if len(scen) > 0 && math.Abs(phi-aMain) <= s.Tol*math.Max(math.Abs(phi), 1e-9) || seenScenario(scen, xi) {
			reason = solvers.Completed
			break
		}
		scen = append(scen, xi)
	}
	shareUsed = shareUsed || ccgCtx.Err() != nil && ctx.Err() == nil
	r.stats.CCGShareUsed = shareUsed
	if r.budget.Stopped() {
		reason = r.budget.Reason()
	} else if cr, ok := solvers.ContextStop(ctx); ok && reason != solvers.Completed {
		reason = cr
	} else if shareUsed && r.x != nil {
		// The CCG's share ended the CCG, not the run: the polish's end is the
		// run's.
		reason = solvers.Completed
	}
	if !s.NoPolish && r.x != nil {
		// The polish is part of the run: a stop that skips it (a signal or the
		// time limit after the CCG converged) is the run's stop reason too.
		if !r.stopped(ctx) {
			r.polish(ctx)
		}
		if r.budget.Stopped() {
			reason = r.budget.Reason()
		} else if cr, ok := solvers.ContextStop(ctx); ok {
			reason = cr
		}
	}
	if sp, ok := prob.(SampledEvaluation); ok && r.x != nil {
		if err := r.harden(ctx, sp); err != nil {
			return Result{}, err
		}
		if r.budget.Stopped() {
			reason = r.budget.Reason()
		} else if cr, ok := solvers.ContextStop(ctx); ok {
			reason = cr
		}
	}
	r.stats.Scenarios = scen
	if r.x == nil {
		// Not even one main problem finished: fall back to the empty selection,
		// which every problem must accept.
		r.x = make([]bool, prob.N())
		as, err := prob.Evaluate(context.WithoutCancel(ctx), r.x, nil)
		if err != nil {
			return Result{}, err
		}
		r.best = as.Worth
	}
	if err := prob.CheckFirstStage(r.x); err != nil {
		return Result{}, fmt.Errorf("robust: bug: the first stage fails the checker: %w", err)
	}
	return Result{
		Solution:   Solution{FirstStage: r.x, Profit: r.best, Phase: r.bestPhase, Iteration: r.bestIter},
		Objective:  r.best,
		Bound:      math.NaN(),
		Status:     solvers.Feasible,
		StopReason: reason,
		Stats:      r.stats,
	}, nil
}

// ccgPhase is the CCG's context and cap on Stats.Evaluations (0: none) for
// its share of a run that starts at start; without a polish to follow, or
// with a share of 1, the CCG has the whole run.
func (s Settings) ccgPhase(ctx context.Context, start time.Time) (context.Context, int, context.CancelFunc) {
	if s.NoPolish || s.CCGShare >= 1 {
		return ctx, 0, func() {}
	}
	evals := 0
	if s.MaxIterations > 0 {
		evals = max(1, int(s.CCGShare*float64(s.MaxIterations)))
	}
	if dl, ok := ctx.Deadline(); ok {
		c, cancel := context.WithDeadline(ctx, start.Add(time.Duration(s.CCGShare*float64(dl.Sub(start)))))
		return c, evals, cancel
	}
	return ctx, evals, func() {}
}

// run is the state of one Solve: the best first stage by exact value, the
// first stages already evaluated, and the evaluation budget.
type run struct {
	p         Problem
	s         Settings
	budget    *solvers.Budget
	x         []bool
	best      float64
	phase     string // what is proposing first stages: "ccg", then "polish"
	bestPhase string
	bestIter  int64
	evaluated map[string]bool
	stats     Stats
}

// stopped reports whether the context or the evaluation budget has ended the run.
func (r *run) stopped(ctx context.Context) bool {
	return ctx.Err() != nil || r.budget.Stopped()
}

// evaluate is the evaluation of x (Problem.Evaluate), counted against the
// budget; ok is false when the budget had run out or x is infeasible, which is
// not worth an evaluation. It stops with the context, the first proposal's
// too: a run that ends before any proposal is evaluated returns the empty
// selection, whose evaluation is quick, rather than overrun its deadline.
func (r *run) evaluate(ctx context.Context, x []bool, cutoff *float64) (ev Assessment, ok bool, err error) {
	if r.p.CheckFirstStage(x) != nil {
		return Assessment{}, false, nil
	}
	if r.x != nil && !r.budget.Spend() {
		return Assessment{}, false, nil
	}
	t0 := time.Now()
	ev, err = r.p.Evaluate(ctx, x, cutoff)
	r.stats.EvalTime += time.Since(t0)
	r.stats.Evaluations++
	return ev, true, err
}

// accept records x with exact value v when it beats the best.
func (r *run) accept(x []bool, v float64) bool {
	if r.x != nil && v <= r.best+1e-9*math.Max(1, math.Abs(r.best)) {
		return false
	}
	r.best = v
	r.x = append(r.x[:0], x...)
	r.bestPhase, r.bestIter = cmp.Or(r.phase, "ccg"), int64(r.stats.Evaluations)
	if r.s.OnImprove != nil {
		r.s.OnImprove(Solution{FirstStage: append([]bool(nil), x...), Profit: v, Phase: r.bestPhase, Iteration: r.bestIter})
	}
	return true
}

// consider evaluates a CCG proposal exactly, once per distinct first stage.
func (r *run) consider(ctx context.Context, x []bool) error {
	key := instances.FormatFirstStage(x)
	if r.evaluated == nil {
		r.evaluated = map[string]bool{}
	}
	if r.evaluated[key] {
		return nil
	}
	r.evaluated[key] = true
	ev, ok, err := r.evaluate(ctx, x, nil)
	if err != nil || !ok {
		return err
	}
	r.stats.CCGEvaluations++
	if !ev.Converged {
		// Stopped before its bounds met: the worth is not known exactly.
		return ctx.Err()
	}
	r.accept(x, ev.Worth)
	return nil
}

var errTimedOut = errors.New("robust: MILP stopped by the time limit")

func supportsIntegers(s milp.Solver) bool {
	m := &milp.Model{}
	m.AddBinary(1, "")
	_, err := s.Solve(context.Background(), m, milp.Limits{})
	return err == nil
}

func seenScenario(scen [][]float64, xi []float64) bool {
	for _, s := range scen {
		d := 0.0
		for i := range s {
			d += math.Abs(s[i] - xi[i])
		}
		if d < 1e-3 {
			return true
		}
	}
	return false
}

// adversarySample scores the problem's adversary candidates with the network
// and returns the best; false means the context ended the search first
// (thousands of network evaluations took over 100 ms at n = 80, which a
// time limit or a signal waited for).
func adversarySample(ctx context.Context, p *predictor, x []bool, samples int, rng *rand.Rand) ([]float64, float64, bool) {
	px := p.px(x)
	best := make([]float64, p.unc.Dim)
	p.prob.AdversaryCandidate(rng, x, 0, best)
	bestV := p.net.value(px, p.pxi(best))
	xi := make([]float64, p.unc.Dim)
	for s := 0; s < samples; s++ {
		if s%64 == 63 && ctx.Err() != nil {
			return nil, 0, false
		}
		p.prob.AdversaryCandidate(rng, x, s+1, xi)
		if v := p.net.value(px, p.pxi(xi)); v > bestV {
			bestV = v
			copy(best, xi)
		}
	}
	return best, bestV, true
}

// mainHeuristic is the main problem without a MILP solver: for each scenario (the
// nominal one when there are none) it solves the deterministic problem
// (Problem.Deterministic), then scores every candidate x as the main problem
// would — its worth under the scenario the network predicts worst for x — and
// returns the best candidate. Like a MILP solve it runs to its end once started.
func mainHeuristic(ctx context.Context, p *predictor, scen [][]float64) ([]bool, float64, error) {
	ctx = context.WithoutCancel(ctx)
	cands := scen
	if len(cands) == 0 {
		cands = [][]float64{p.unc.Nominal}
	}
	var bestX []bool
	bestV, bestA := math.Inf(-1), 0.0
	for _, xi := range cands {
		x, err := p.prob.Deterministic(ctx, xi)
		if err != nil {
			return nil, 0, err
		}
		worst, a := xi, math.Inf(-1)
		if len(scen) > 0 {
			px := p.px(x)
			for _, s := range scen {
				if v := p.net.value(px, p.pxi(s)); v > a {
					a, worst = v, s
				}
			}
		}
		v, err := p.prob.SecondStage(ctx, x, worst)
		if err != nil {
			return nil, 0, err
		}
		if v > bestV {
			bestV, bestX, bestA = v, x, a
		}
	}
	return bestX, bestA, nil
}

// hardenRounds bounds the adversary rounds of harden.
const hardenRounds = 10

// harden makes the best first stage face a scenario chosen against it (see
// SampledEvaluation): the problem's adversary's scenario for it joins the set,
// and its worth becomes the smaller of its value on the set and its second
// stage under that scenario, which is its value on the larger set. When the
// worth drops, the polish (unless NoPolish) looks for a better first stage
// under the larger set, and the next round hardens that one. The context
// stops the adversary; Stats.Hardened then says the answer's own adversarial
// scenario is not in the set.
func (r *run) harden(ctx context.Context, sp SampledEvaluation) error {
	for round := 0; ; round++ {
		xi, err := sp.Adversary(ctx, r.x)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		sp.AddScenario(xi)
		r.stats.HardenScenarios++
		v, err := r.p.SecondStage(context.WithoutCancel(ctx), r.x, xi)
		if err != nil {
			return err
		}
		dropped := v < r.best-1e-9*math.Max(1, math.Abs(r.best))
		r.best = math.Min(r.best, v)
		r.stats.Hardened = !dropped
		if !dropped || round+1 == hardenRounds || r.s.NoPolish || r.stopped(ctx) {
			return nil
		}
		r.polish(ctx)
	}
}

// polishStaleKicks is the default of Settings.PolishKicks.
const polishStaleKicks = 20

// polish improves the best first stage by an iterated local search judged by
// exact evaluation. The descent tries single flips until none improves, then
// swaps (one chosen item out, one other in, the move a capacity-bound selection
// needs), going back to flips after every improving swap; each candidate is
// evaluated with the current value as cutoff, so a worse one is rejected as soon
// as one scenario proves it. A descent ends in a local optimum long before a
// typical time limit, so the rest of the budget goes to kicks: a few random flips
// of the best selection, then a new descent.
func (r *run) polish(ctx context.Context) {
	r.phase = "polish"
	start := r.best
	x := append([]bool(nil), r.x...)
	cur := r.best
	halt := func() bool { return r.stopped(ctx) }
	better := func() bool {
		cut := cur + 1e-9*math.Max(1, math.Abs(cur))
		ev, ok, err := r.evaluate(ctx, x, &cut)
		r.stats.PolishEvals++
		if err != nil || !ok || !ev.Converged || ev.CutOff || ev.Worth <= cut {
			return false
		}
		cur = ev.Worth
		r.accept(x, ev.Worth)
		return true
	}
	flips := func() bool {
		improved := false
		for i := range x {
			if halt() {
				break
			}
			x[i] = !x[i]
			if better() {
				improved = true
				continue
			}
			x[i] = !x[i]
		}
		return improved
	}
	// The swap scan resumes after the item of the last improving swap rather than
	// at item 0, where it would re-evaluate the pairs it has just found wanting.
	next := 0
	swaps := func() bool {
		n := len(x)
		for k := 0; k < n; k++ {
			i := (next + k) % n
			if !x[i] {
				continue
			}
			for j := range x {
				if x[j] {
					continue
				}
				if halt() {
					return false
				}
				x[i], x[j] = false, true
				if better() {
					next = i + 1
					return true
				}
				x[i], x[j] = true, false
			}
		}
		return false
	}
	descend := func() {
		for !halt() {
			if !flips() && !swaps() {
				return
			}
		}
	}
	descend()
	rng := solvers.NewRand(r.s.Seed, "robust/polish", 0)
	for stale := 0; stale < r.s.PolishKicks && !halt(); stale++ {
		copy(x, r.x)
		for f := 2 + rng.IntN(3); f > 0; f-- {
			i := rng.IntN(len(x))
			x[i] = !x[i]
		}
		ev, ok, err := r.evaluate(ctx, x, nil)
		r.stats.PolishEvals++
		r.stats.PolishKicks++
		if err != nil || !ok || !ev.Converged {
			continue
		}
		best := r.best
		cur = ev.Worth
		r.accept(x, ev.Worth)
		descend()
		if r.best > best {
			stale = -1
		}
	}
	r.stats.PolishGain += r.best - start
}
