package robust

import (
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
	// TimeLimit bounds the whole run, exact evaluations included (0 = context only).
	TimeLimit time.Duration
	// MaxIterations caps the scenarios added (default 20, Neur2RO's max_n_models).
	MaxIterations int
	// Model is the value network (default: DefaultModel, the shipped one).
	Model *nnsurrogate.Model
	// MILP solves the main and adversarial problems (default milp.Default()). When it
	// cannot solve integer models (the pure-Go build), the adversary samples
	// scenarios and the main problem uses the scenario-DP heuristic; Result.Backend
	// says which ran.
	MILP milp.Solver
	// Samples is the number of scenarios the sampling adversary scores (default 4000).
	Samples int
	// Tol is the relative termination tolerance of Neur2RO (default 1e-4).
	Tol float64
	// Seed drives the sampling adversary.
	Seed uint64
	// Threads is passed to the MILP backend.
	Threads int
	// Polish, after the CCG, runs an iterated first-improvement local search over
	// single-item flips and swaps of the best x, judged by exact evaluation (with
	// early rejection), until 20 random kicks in a row bring nothing better or
	// time runs out. Off by default, which is Neur2RO's method; the command line
	// turns it on.
	Polish bool
	// OnImprove, when set, receives each first stage whose exact worst-case profit
	// beats every earlier one, as soon as it is known (from the solving goroutine;
	// the slice is the caller's to keep).
	OnImprove func(firstStage []bool, objective float64)
}

// Result of Solve. Objective is always the exact worst-case profit of FirstStage.
type Result struct {
	FirstStage []bool
	Objective  float64
	// Bound is NaN: the method proves no bound on the robust optimum.
	Bound      float64
	Status     solvers.Status
	StopReason solvers.StopReason
	Iterations int
	// Backend is "milp:<solver>" or "heuristic" (sampling adversary, scenario-DP main).
	Backend   string
	Scenarios [][]float64
	Stats     Stats
}

// Stats are the counts a user tunes by.
type Stats struct {
	MainSolves, AdversarySolves int
	MainTime, AdversaryTime     time.Duration
	EvalTime                    time.Duration
	// Binaries and stable neurons of the last adversarial encoding.
	AdvBinaries, AdvStable int
	// EncodingChecks counts the MILP optima compared with the forward pass.
	EncodingChecks int
	// LastPredicted is the network's estimate at the last adversarial optimum, in
	// profit units (an estimate, never reported as the objective).
	LastPredicted float64
	// MILPTimeouts counts MILP solves stopped by the time limit.
	MILPTimeouts int
	// PolishEvals, PolishKicks and PolishGain describe the optional local search.
	PolishEvals, PolishKicks int
	PolishGain               float64
}

// ErrEncoding reports a MILP optimum that disagrees with the network's forward pass,
// which is a bug in the encoding.
var ErrEncoding = errors.New("robust: MILP encoding disagrees with the forward pass")

// predictor evaluates the network on one instance.
type predictor struct {
	k     *instances.RobustKnapsack
	net   *encodedNet
	feats []float64
	scale float64
}

func newPredictor(k *instances.RobustKnapsack, m *nnsurrogate.Model) (*predictor, error) {
	g, err := m.Blocks()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	enc, err := parseNetwork(g)
	if err != nil {
		return nil, err
	}
	return &predictor{k: k, net: enc, feats: itemFeatures(k), scale: labelScale(k)}, nil
}

func (p *predictor) px(x []bool) []float64 { return p.net.x.embed(boolsToFloats(x), p.feats) }
func (p *predictor) pxi(xi []float64) []float64 {
	return p.net.xi.embed(xi, p.feats)
}

// Solve runs Neur2RO's machine-learning CCG: the main problem picks x given the
// scenarios found so far (the network chooses the worst one, the true second stage
// is modelled for it), the adversary maximises the network over Ξ for that x, until
// the adversary finds nothing the main problem did not already expect. Every x the
// main problem proposes is evaluated exactly, and the best is returned with its
// exact worst-case profit.
func Solve(ctx context.Context, k *instances.RobustKnapsack, s Settings) (Result, error) {
	if err := k.Validate(); err != nil {
		return Result{}, err
	}
	if s.MaxIterations <= 0 {
		s.MaxIterations = 20
	}
	if s.Samples <= 0 {
		s.Samples = 4000
	}
	if s.Tol <= 0 {
		s.Tol = 1e-4
	}
	if s.Model == nil {
		m, err := DefaultModel()
		if err != nil {
			return Result{}, err
		}
		s.Model = m
	}
	if s.MILP == nil {
		s.MILP = milp.Default()
	}
	if s.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.TimeLimit)
		defer cancel()
	}
	pred, err := newPredictor(k, s.Model)
	if err != nil {
		return Result{}, err
	}
	useMILP := supportsIntegers(s.MILP)
	res := Result{Bound: math.NaN(), Objective: math.Inf(-1), Backend: "heuristic"}
	if useMILP {
		res.Backend = "milp:" + s.MILP.Name()
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x43434))
	n := k.N()
	var scen [][]float64
	res.StopReason = solvers.IterationLimit
	evaluated := map[string]bool{}
	consider := func(x []bool) error {
		key := instances.FormatFirstStage(x)
		if evaluated[key] {
			return nil
		}
		evaluated[key] = true
		t0 := time.Now()
		// The first proposal is evaluated even past the deadline, so that a run always
		// returns a first stage with its exact value; later ones only within time.
		ectx := ctx
		if res.FirstStage == nil {
			ectx = context.WithoutCancel(ctx)
		}
		ev, err := Evaluate(ectx, k, x, EvalSettings{})
		res.Stats.EvalTime += time.Since(t0)
		if err != nil {
			return err
		}
		if ev.Profit > res.Objective {
			res.Objective = ev.Profit
			res.FirstStage = append([]bool(nil), x...)
			if s.OnImprove != nil {
				s.OnImprove(append([]bool(nil), x...), ev.Profit)
			}
		}
		return nil
	}
	for it := 0; it <= s.MaxIterations; it++ {
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		var x []bool
		var aMain float64
		if useMILP {
			x, aMain, err = mainMILP(ctx, k, pred, scen, s, &res.Stats)
		} else {
			x, aMain = mainHeuristic(k, pred, scen)
		}
		res.Stats.MainSolves++
		res.Stats.MainTime += time.Since(t0)
		if err != nil {
			if errors.Is(err, errTimedOut) {
				break
			}
			return res, err
		}
		if err := consider(x); err != nil {
			if ctx.Err() != nil {
				break
			}
			return res, err
		}
		res.Iterations = it
		if it == s.MaxIterations {
			break
		}
		t0 = time.Now()
		var xi []float64
		var phi float64
		if useMILP {
			xi, phi, err = adversaryMILP(ctx, k, pred, x, s, &res.Stats)
		} else {
			xi, phi = adversarySample(k, pred, x, scen, s.Samples, rng)
		}
		res.Stats.AdversarySolves++
		res.Stats.AdversaryTime += time.Since(t0)
		if err != nil {
			if errors.Is(err, errTimedOut) {
				break
			}
			return res, err
		}
		res.Stats.LastPredicted = phi * pred.scale
		if len(scen) > 0 && math.Abs(phi-aMain) <= s.Tol*math.Max(math.Abs(phi), 1e-9) {
			res.StopReason = solvers.Completed
			break
		}
		if seenScenario(scen, xi) {
			res.StopReason = solvers.Completed
			break
		}
		scen = append(scen, xi)
	}
	if ctx.Err() != nil && res.StopReason != solvers.Completed {
		res.StopReason = solvers.TimeLimit
		if errors.Is(ctx.Err(), context.Canceled) {
			res.StopReason = solvers.Canceled
		}
	}
	if s.Polish && res.FirstStage != nil && ctx.Err() == nil {
		polish(ctx, k, &res, s.Seed, s.OnImprove)
		if ctx.Err() != nil {
			res.StopReason = solvers.TimeLimit
		}
	}
	res.Scenarios = scen
	if res.FirstStage == nil {
		// Not even one main problem finished: fall back to the empty selection, whose
		// worst case is 0 and needs no LP.
		res.FirstStage = make([]bool, n)
		res.Objective = 0
	}
	res.Status = solvers.Feasible
	return res, nil
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

// adversarySample scores sampled scenarios (vertex-like and spread, plus the greedy
// one) with the network and returns the best.
func adversarySample(k *instances.RobustKnapsack, p *predictor, x []bool, scen [][]float64, samples int, rng *rand.Rand) ([]float64, float64) {
	px := p.px(x)
	n := k.N()
	var active []int
	for i := range x {
		if x[i] && k.Degradation[i] > 0 {
			active = append(active, i)
		}
	}
	best := make([]float64, n)
	greedyScenario(k, active, best)
	bestV := p.net.value(px, p.pxi(best))
	xi := make([]float64, n)
	for s := 0; s < samples; s++ {
		clear(xi)
		if s%2 == 0 {
			vertexScenario(rng, k.Gamma, x, xi)
		} else {
			spreadScenario(rng, k.Gamma, xi)
			for i := range xi {
				if !x[i] {
					xi[i] = 0
				}
			}
		}
		if v := p.net.value(px, p.pxi(xi)); v > bestV {
			bestV = v
			copy(best, xi)
		}
	}
	return best, bestV
}

// mainHeuristic is the main problem without a MILP solver: for each scenario (the
// nominal one when there are none) it solves the deterministic problem exactly by
// DP, then scores every candidate x as the main problem would — the profit under the
// scenario the network predicts worst for x — and returns the best candidate.
func mainHeuristic(k *instances.RobustKnapsack, p *predictor, scen [][]float64) ([]bool, float64) {
	n := k.N()
	ss := NewSecondStage(k)
	cands := scen
	if len(cands) == 0 {
		cands = [][]float64{make([]float64, n)}
	}
	var bestX []bool
	bestV, bestA := math.Inf(-1), 0.0
	y, r := make([]bool, n), make([]bool, n)
	for _, xi := range cands {
		x := make([]bool, n)
		ss.SolveJoint(xi, x, y, r)
		worst, a := xi, math.Inf(-1)
		if len(scen) > 0 {
			px := p.px(x)
			for _, s := range scen {
				if v := p.net.value(px, p.pxi(s)); v > a {
					a, worst = v, s
				}
			}
		}
		if v := ss.Solve(x, worst, nil, nil); v > bestV {
			bestV, bestX, bestA = v, x, a
		}
	}
	return bestX, bestA
}

// polishStaleKicks is how many kicks in a row the polish tries without a new best
// before it stops on its own (a time limit or the context may stop it earlier).
const polishStaleKicks = 20

// polish improves res.FirstStage by an iterated local search judged by exact
// evaluation. The descent tries single flips until none improves, then swaps
// (one chosen item out, one other in, the move a capacity-bound selection
// needs), going back to flips after every improving swap; each candidate is
// evaluated with the current value as cutoff, so a worse one is rejected as soon
// as one scenario proves it. A descent ends in a local optimum long before a
// typical time limit, so the rest of the budget goes to kicks: a few random flips
// of the best selection, then a new descent.
func polish(ctx context.Context, k *instances.RobustKnapsack, res *Result, seed uint64, onImprove func([]bool, float64)) {
	t0 := time.Now()
	start := res.Objective
	x := append([]bool(nil), res.FirstStage...)
	cur := res.Objective
	accept := func(v float64) {
		cur = v
		if v > res.Objective+1e-9*math.Max(1, math.Abs(res.Objective)) {
			res.Objective = v
			res.FirstStage = append(res.FirstStage[:0], x...)
			if onImprove != nil {
				onImprove(append([]bool(nil), x...), v)
			}
		}
	}
	better := func() bool {
		cut := cur + 1e-9*math.Max(1, math.Abs(cur))
		ev, err := Evaluate(ctx, k, x, EvalSettings{Cutoff: &cut})
		res.Stats.PolishEvals++
		if err != nil || !ev.Converged || ev.CutOff || ev.Profit <= cut {
			return false
		}
		accept(ev.Profit)
		return true
	}
	flips := func() bool {
		improved := false
		for i := range x {
			if ctx.Err() != nil {
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
		for r := 0; r < n; r++ {
			i := (next + r) % n
			if !x[i] {
				continue
			}
			for j := range x {
				if x[j] {
					continue
				}
				if ctx.Err() != nil {
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
		for ctx.Err() == nil {
			if !flips() && !swaps() {
				return
			}
		}
	}
	descend()
	rng := rand.New(rand.NewPCG(seed, 0x9011))
	for stale := 0; stale < polishStaleKicks && ctx.Err() == nil; stale++ {
		copy(x, res.FirstStage)
		for f := 2 + rng.IntN(3); f > 0; f-- {
			i := rng.IntN(len(x))
			x[i] = !x[i]
		}
		ev, err := Evaluate(ctx, k, x, EvalSettings{})
		res.Stats.PolishEvals++
		res.Stats.PolishKicks++
		if err != nil || !ev.Converged {
			continue
		}
		best := res.Objective
		accept(ev.Profit)
		descend()
		if res.Objective > best {
			stale = -1
		}
	}
	res.Stats.PolishGain = res.Objective - start
	res.Stats.EvalTime += time.Since(t0)
}
