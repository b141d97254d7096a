package jssp

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

// MCTSSettings tune Method MCTS, the policy-guided tree search that builds
// the start schedule. The zero value is the measured default.
type MCTSSettings struct {
	// Simulations is how many simulations a decision gets before it is
	// committed (visits kept from earlier decisions count). 0 means: when the
	// construction has a deadline (its share of TimeLimit or the context's),
	// as many as the time allows, paced evenly over the operations, so
	// decisions may be committed on the policy's priors alone once the pace
	// runs short; without a deadline, DefaultSimulations. A positive value
	// caps the paced search, or fixes it when there is no deadline (then the
	// construction is deterministic for a seed on one thread).
	Simulations int
	// Rollout is the policy that completes a leaf's schedule to value it. A
	// rule rolls out non-delay; a network samples (see RolloutTemperature),
	// reusing Settings.Policy's scores of the leaf's step when it is that
	// policy. nil means FDDMWKR when Settings.Policy is a rule. When it is a
	// network, nil means mixed rollouts below PolicyRolloutOperations
	// operations: FDD/MWKR and the policy sampling its own rollouts share the
	// time about evenly, and the tree keeps whichever finds better schedules;
	// from PolicyRolloutOperations on, the policy's own rollouts alone. On
	// small shops FDD/MWKR rollouts are the stronger half because
	// they measured better at equal CPU time than the authors' policy
	// sampling its own rollouts with the authors' policy's priors (ft10,
	// ta01–05, ta11–13, ta21–23: mean gaps 10.3 / 14.3 / 12.4 % against
	// 13.0 / 16.9 / 15.9 % on 15×15 / 20×15 / 20×20, both rolling out in the
	// environment): a rule's rollout costs far less than the network's, so
	// the tree gets many more simulations, and rule rollouts now run on a
	// simulation of the environment that is cheaper still (9.8 / 12.7 /
	// 11.6 % on the same instances).
	Rollout Policy
	// RolloutTemperature is the sampling temperature of a network's rollouts;
	// 0 cycles through the reference protocol's 0.5 … 1.95 (rollout i of a
	// worker uses Temperature(i mod 32, 32)). GreedyRollouts decodes greedily
	// instead.
	RolloutTemperature float64
	GreedyRollouts     bool
	// Exploration is PUCT's c (default 1; see mcts.Config).
	Exploration float64
	// Backup is how a node's value is backed up (default mcts.Max: a
	// decision is worth the best schedule found below it; measured against
	// mcts.Mean on ft10, ta01–05, ta11–13, ta21–23 with the policy's own
	// rollouts: 13.0 / 16.9 / 15.9 % against 15.3 / 18.1 / 19.2 % on
	// 15×15 / 20×15 / 20×20).
	Backup mcts.Backup
}

// PolicyRolloutOperations is the shop size (jobs × machines) from which a
// network's MCTS rolls out with the network alone by default. Construction
// alone at equal time (5 s, one thread, the authors' policy, against best-of-K
// sampling; benchmarks/specs/jssp-construction*.toml): below 750 operations
// mixed rollouts beat best-of-K by 2.6–7.2 points in every Taillard and DMU
// class but one (DMU 41–80 40×15, level). From 750 on, they lost on Taillard
// 50×15 (9.73 % against 9.17 %), while the network's own rollouts came out
// ahead in every Taillard class there (8.93 / 12.03 / 4.52 % against 9.17 /
// 12.38 / 4.62 % on 50×15 / 50×20 / 100×20). Over the eight Taillard and
// DMU classes from 750 to 1000 operations the two rollouts average the same
// (18.31 % and 18.30 %) and trade classes, so the
// threshold follows the Taillard result. On long shops an FDD/MWKR rollout
// is one deterministic schedule per leaf, while the sampled rollouts at the
// reference temperatures are what makes best-of-K strong there.
const PolicyRolloutOperations = 750

// networkWeight is the cost of a network rollout's dispatch in simulated
// rule dispatches (measured 374–554 on one core on ta01, ta41, ta51, ta71,
// dmu41 and dmu76), so mixed rollouts split the time about evenly while
// staying deterministic.
const networkWeight = 450

// MCTSDispatchShare is the default share of the time MCTS builds the start
// in before the portfolio improves it. At 60 s on one thread the portfolio
// gains more from time than from a better start: MCTS with FDD/MWKR
// rollouts for 5 % / 10 % of the time ended at 3.02 / 3.19 % on the ten
// 100×100 Da Col & Teppan shops and 2.17 / 2.12 % on ta41–ta50, against
// 3.09 % and 2.05 % from the FDD/MWKR start with all the time (seed 1, a
// loaded machine, process CPU time).
const MCTSDispatchShare = 0.05

// DefaultSimulations is the number of simulations per decision of a
// construction that has no deadline.
const DefaultSimulations = 8

// ruleSharpness turns a rule's keys into priors: over a step's actions the
// keys are scaled to [0, 1] (best to worst), so the worst action gets e^-4
// of the best one's weight.
const ruleSharpness = 4.0

func (m MCTSSettings) validate() error {
	switch {
	case m.Simulations < 0:
		return solvers.InvalidSetting("MCTS.Simulations", "%d is negative", m.Simulations)
	case m.RolloutTemperature < 0 || math.IsNaN(m.RolloutTemperature) || math.IsInf(m.RolloutTemperature, 0):
		return solvers.InvalidSetting("MCTS.RolloutTemperature", "%v (want > 0, or 0 for the reference range)", m.RolloutTemperature)
	case m.Exploration < 0 || math.IsNaN(m.Exploration) || math.IsInf(m.Exploration, 0):
		return solvers.InvalidSetting("MCTS.Exploration", "%v (want a finite value ≥ 0)", m.Exploration)
	case m.Backup != mcts.Max && m.Backup != mcts.Mean:
		return solvers.InvalidSetting("MCTS.Backup", "unknown backup %d", int(m.Backup))
	}
	return nil
}

// searchState is the dispatching environment as an mcts.State. A decision
// dispatches one job at the current time or takes No-Op. The decisions made
// while the clock stands form one environment step, as in the reference
// protocol, where the policy ranks the actions legal at the step's start and
// the environment takes them in that order until the time moves: so an
// action is offered only if it was legal at the step's start and is not taken
// yet, the policy is asked once per step, and the priors over what remains of
// a step are its softmax restricted to it, the very probabilities with which
// the reference samples its priority permutation.
type searchState struct {
	env        *Env
	open       bool // a step is in progress
	stepTime   int
	member     []bool // per action: legal at the step's start and not taken
	scored     bool   // scores are the prior policy's scores of this step
	scores     []float64
	noNoOp     bool // the prior policy never proposes No-Op (rules)
	dispatched int  // operations dispatched
	scale      float64
	inc        *incumbent // where Value records complete schedules (not copied)
}

func newSearchState(env *Env, noNoOp bool, scale float64, inc *incumbent) *searchState {
	return &searchState{
		env: env, member: make([]bool, env.J+1), scores: make([]float64, env.J+1),
		noNoOp: noNoOp, scale: scale, inc: inc,
	}
}

// begin opens a step if none is open, or a new one at the same time when
// everything the open step ranked was taken or became illegal while the
// clock stood (zero durations), as the reference does.
func (s *searchState) begin() {
	e := s.env
	if s.open {
		for a, m := range s.member {
			if m && e.legal[a] {
				return
			}
		}
	}
	copy(s.member, e.legal)
	if s.noNoOp {
		s.member[e.J] = false
	}
	s.open, s.stepTime, s.scored = true, e.t, false
}

func (s *searchState) Actions(buf []int32) []int32 {
	s.begin()
	for a, m := range s.member {
		if m && s.env.legal[a] {
			buf = append(buf, int32(a))
		}
	}
	return buf
}

func (s *searchState) Apply(a int32) error {
	s.begin()
	if a < 0 || int(a) > s.env.J || !s.member[a] || !s.env.Act(int(a)) {
		return fmt.Errorf("jssp: action %d is not open at time %d", a, s.env.t)
	}
	s.member[a] = false
	if int(a) < s.env.J {
		s.dispatched++
	}
	if s.env.t != s.stepTime || s.env.Done() {
		s.open = false
	}
	return nil
}

func (s *searchState) Terminal() bool { return s.env.Done() }

// Value is −makespan/scale of a complete schedule, which it also offers as
// the incumbent.
func (s *searchState) Value() float64 {
	s.inc.offer(s.env)
	return -float64(s.env.Makespan()) / s.scale
}

func (s *searchState) CopyFrom(src *searchState) {
	s.env.CopyFrom(src.env)
	s.open, s.stepTime, s.scored, s.noNoOp = src.open, src.stepTime, src.scored, src.noNoOp
	s.dispatched, s.scale = src.dispatched, src.scale
	copy(s.member, src.member)
	copy(s.scores, src.scores)
}

// searchEval gives the tree a policy's priors and values by rollout, for one
// worker; its rollout runs on the worker's environment.
type searchEval struct {
	prior     Scorer
	rulePrior bool
	sim       *ruleSim // rolls out a rule
	ro        *rollout // rolls out a network
	// With both, each simulation takes the one that has done less work so
	// far, in dispatches, a network's weighted by networkWeight.
	simWork, netWork int64
	same             bool // the network rolling out is the prior policy: reuse a step's scores
	greedy           bool
	temp             float64
	rollouts         int
	netRollouts      int
	truncated        int
	priorCall        int
}

func (ev *searchEval) Priors(s *searchState, actions []int32, priors []float64) error {
	if !s.scored {
		if err := ev.prior.Scores(s.env, s.scores); err != nil {
			return err
		}
		s.scored = true
		ev.priorCall++
	}
	hi, lo := math.Inf(-1), math.Inf(1)
	for _, a := range actions {
		hi, lo = max(hi, s.scores[a]), min(lo, s.scores[a])
	}
	scale := 1.0
	if ev.rulePrior && hi > lo {
		scale = ruleSharpness / (hi - lo)
	}
	for i, a := range actions {
		// exp(x − hi) keeps the largest weight at 1; a NaN score stays NaN
		// and is rejected by the tree.
		priors[i] = math.Exp((s.scores[a] - hi) * scale)
	}
	return nil
}

func (ev *searchEval) Evaluate(s *searchState, rng *rand.Rand, b *solvers.Budget, trail []int32) (float64, []int32, bool, error) {
	ev.rollouts++
	from := len(trail)
	if ev.sim != nil && (ev.ro == nil || ev.netWork >= ev.simWork) {
		ms, complete := ev.sim.run(s.env, &trail, b)
		ev.simWork += int64(len(trail) - from)
		if complete {
			s.inc.offerStarts(ev.sim.starts, ms)
		} else {
			ev.truncated++
		}
		return -float64(ms) / s.scale, trail, complete, nil
	}
	v, trail, complete, err := ev.networkRollout(s, rng, b, trail)
	ev.netWork += networkWeight * int64(len(trail)-from)
	return v, trail, complete, err
}

// networkRollout completes s by sampling the network rollout policy.
func (ev *searchEval) networkRollout(s *searchState, rng *rand.Rand, b *solvers.Budget, trail []int32) (float64, []int32, bool, error) {
	ev.netRollouts++
	ro := ev.ro
	temp := ev.temp
	if temp == 0 {
		temp = Temperature((ev.netRollouts-1)%32, 32)
	}
	if ev.greedy {
		rng = nil
	}
	ro.record, ro.trail = true, trail
	defer func() { ro.record, ro.trail = false, nil }()
	if s.open {
		// Finish the open step with a permutation of what remains of it.
		scores := s.scores
		if !ev.same || !s.scored {
			if err := ro.sc.Scores(s.env, ro.scores); err != nil {
				return 0, trail, false, err
			}
			ro.calls++
			scores = ro.scores
		}
		s.env.step(ro.priorities(scores, s.member, temp, rng), &ro.trail)
		ro.steps++
		s.open = false
	}
	truncated, err := ro.finish(temp, rng, b)
	trail = ro.trail
	if err != nil {
		return 0, trail, false, err
	}
	if truncated {
		// The search is stopping; a partial schedule is no incumbent.
		ev.truncated++
		return -float64(s.env.Makespan()) / s.scale, trail, false, nil
	}
	return s.Value(), trail, true, nil
}

// incumbent is the best complete schedule any worker has seen, stored as one
// start per operation.
type incumbent struct {
	best      atomic.Int64
	mu        sync.Mutex
	starts    []int
	js        *instances.JobShop
	onImprove func(Solution)
}

func newIncumbent(env *Env, onImprove func(Solution)) *incumbent {
	in := &incumbent{starts: make([]int, env.total), js: env.inst, onImprove: onImprove}
	in.best.Store(math.MaxInt64)
	return in
}

// offer records the complete schedule of e if it is the best so far; the
// lock-free test keeps the common case cheap.
func (in *incumbent) offer(e *Env) { in.offerStarts(e.lb[:e.total], e.Makespan()) }

// offerStarts is offer for a schedule given as one start per operation.
func (in *incumbent) offerStarts(starts []int, makespan int) {
	ms := int64(makespan)
	if ms >= in.best.Load() {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if ms >= in.best.Load() {
		return
	}
	in.best.Store(ms)
	copy(in.starts, starts)
	if in.onImprove != nil {
		starts := in.solution()
		if _, err := instances.CheckSchedule(in.js, starts); err == nil {
			in.onImprove(Solution{Starts: starts, Makespan: int(ms)})
		}
	}
}

// solution is the incumbent per job (call with mu held or after the search).
func (in *incumbent) solution() [][]int {
	out := make([][]int, len(in.js.Jobs))
	k := 0
	for j, ops := range in.js.Jobs {
		out[j] = append([]int(nil), in.starts[k:k+len(ops)]...)
		k += len(ops)
	}
	return out
}

// newSearch builds the tree over env (its root) with one worker per thread,
// each on its own copy of env.
func newSearch(env *Env, p Policy, s Settings, scale float64, inc *incumbent) (*mcts.Tree[*searchState], []*searchEval, error) {
	_, rulePrior := p.(Rule)
	simRule, useSim := FDDMWKR, true
	var netP Policy
	switch r := s.MCTS.Rollout.(type) {
	case nil:
		if !rulePrior {
			netP = p
			useSim = env.total < PolicyRolloutOperations
		}
	case Rule:
		simRule = r
	default:
		useSim, netP = false, r
	}
	threads := s.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	evals := make([]*searchEval, threads)
	workers := make([]mcts.Worker[*searchState], threads)
	for i := range workers {
		wenv := env.Clone()
		ev := &searchEval{rulePrior: rulePrior, same: netP == p, greedy: s.MCTS.GreedyRollouts, temp: s.MCTS.RolloutTemperature}
		if useSim {
			ev.sim = newRuleSim(wenv, simRule, newRuleTables(wenv))
		}
		var err error
		if netP != nil {
			if ev.ro, err = newRollout(wenv, netP); err != nil {
				return nil, nil, err
			}
		}
		if ev.same {
			ev.prior = ev.ro.sc
		} else if ev.prior, err = p.NewScorer(wenv); err != nil {
			return nil, nil, err
		}
		evals[i] = ev
		workers[i] = mcts.Worker[*searchState]{State: newSearchState(wenv, rulePrior, scale, inc), Eval: ev}
	}
	tree, err := mcts.New(newSearchState(env, rulePrior, scale, inc), workers, mcts.Config{
		Exploration: s.MCTS.Exploration, Backup: s.MCTS.Backup, Seed: s.Seed, Phase: "jssp/mcts",
	})
	return tree, evals, err
}

// searchDispatch is Method MCTS's construction: the tree search commits one
// decision at a time, pacing itself to ctx's deadline when there is one, and
// returns the best complete schedule it saw (any rollout's counts).
func searchDispatch(ctx context.Context, js *instances.JobShop, s Settings, begin time.Time) (Result, error) {
	env, err := NewEnv(js)
	if err != nil {
		return Result{}, err
	}
	p := s.Policy // never nil: Solve fills in DefaultPolicy
	bound := improve.TrivialBound(js)
	inc := newIncumbent(env, s.OnImprove)
	tree, evals, err := newSearch(env, p, s, float64(max(bound, 1)), inc)
	if err != nil {
		return Result{}, err
	}
	root := tree.Root()

	b := solvers.NewBudget(ctx, 0)
	perMove := s.MCTS.Simulations
	var pace func() bool
	var elapsed func() time.Duration
	var span time.Duration
	if s.clock != nil {
		start := s.clock()
		elapsed = func() time.Duration { return s.clock() - start }
		span = time.Duration(s.dispatchShare(MCTS) * float64(s.clockLimit))
		b.WithClock(elapsed, span)
	} else if deadline, ok := ctx.Deadline(); ok {
		start := time.Now()
		elapsed = func() time.Duration { return time.Since(start) }
		span = time.Until(deadline)
	}
	if elapsed != nil {
		if perMove == 0 {
			perMove = math.MaxInt32
		}
		// A decision may simulate while the time used is behind the share of
		// the span due once its operation is dispatched: an even pace over
		// the operations (front-loading it, 1−(1−x)^p for p = 2 or 3, measured
		// no better on ft10 and ta01–ta23).
		total := float64(js.NumOperations())
		pace = func() bool {
			return float64(elapsed()) < float64(span)*float64(root.dispatched+1)/total
		}
	} else if perMove == 0 {
		perMove = DefaultSimulations
	}
	if err := tree.Construct(b, perMove, pace); err != nil {
		return Result{}, fmt.Errorf("jssp: mcts: %w", err)
	}
	if root.Terminal() {
		root.Value()
	}

	ts := tree.Stats()
	stats := Stats{Policy: p.Name(), BestRollout: -1, MCTS: &ts}
	for _, ev := range evals {
		stats.Rollouts += ev.rollouts - ev.truncated
		stats.Truncated += ev.truncated
		stats.Inferences += ev.priorCall
		if ev.ro != nil {
			stats.Steps += ev.ro.steps
			stats.Inferences += ev.ro.calls
		}
	}
	stats.Elapsed = time.Since(begin)
	res := Result{Bound: float64(bound), Stats: stats, Status: solvers.Feasible}
	res.StopReason, _ = solvers.ContextStop(ctx)
	var starts [][]int
	if inc.best.Load() < math.MaxInt64 {
		starts = inc.solution()
	} else {
		// Stopped before any schedule was complete: finish the committed
		// prefix by appending (feasible, not good), as dispatching does.
		starts = completeSchedule(root.env)
	}
	ms, err := instances.CheckSchedule(js, starts)
	if err != nil {
		return Result{}, fmt.Errorf("jssp: bug: the mcts schedule fails the checker: %w", err)
	}
	if inc.best.Load() == math.MaxInt64 && s.OnImprove != nil {
		s.OnImprove(Solution{Starts: starts, Makespan: ms})
	}
	res.Solution = Solution{Starts: starts, Makespan: ms}
	res.Objective = float64(ms)
	if ms == bound {
		res.Status = solvers.Optimal
	}
	return res, nil
}
