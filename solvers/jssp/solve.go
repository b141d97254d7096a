package jssp

import (
	"cmp"
	"context"
	"fmt"
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

// Method says what Solve does after dispatching.
type Method int

const (
	// Auto improves the dispatched schedule with the portfolio when the run has a
	// budget (TimeLimit, MaxIterations or a context deadline), and stops after
	// dispatching otherwise.
	Auto      Method = iota
	Dispatch         // dispatching only
	Tabu             // dispatching, then tabu search (N7)
	LNS              // dispatching, then CP large-neighbourhood search
	Exact            // dispatching, then CP branch and bound (proves optimality on small instances)
	Portfolio        // dispatching, then tabu search and LNS sharing the time and threads
	// MCTS builds the start by policy-guided tree search (Settings.MCTS) in
	// the construction's share of the time, then improves it with the
	// portfolio when the run has a budget.
	MCTS
)

var methodNames = [...]string{"auto", "dispatch", "tabu", "lns", "exact", "portfolio", "mcts"}

func (m Method) String() string { return solvers.EnumName(m, methodNames[:], "Method") }

// ParseMethod reads the names String gives.
func ParseMethod(s string) (Method, bool) { return solvers.ParseEnum[Method](s, methodNames[:]) }

// Settings of Solve. The zero value dispatches greedily with FDD/MWKR and, when
// the run has a budget, improves the schedule with the portfolio.
type Settings struct {
	// Limits: TimeLimit covers dispatching and improvement; MaxIterations
	// bounds the improvement phase in machine-independent units (see
	// improve.Settings). Rollout i samples from its own stream of Seed, so the
	// dispatched schedule does not depend on Threads.
	solvers.Limits
	// OnImprove, when set, receives each better schedule found (called from the
	// solving goroutines, one call at a time).
	OnImprove func(Solution)
	// Policy scores the dispatching decisions; nil means FDDMWKR, or the
	// shipped network (LearnedPolicy) when Samples asks for sampled rollouts.
	Policy Policy
	// Samples is K: 0 decodes greedily (the priority list is the argsort of the
	// scores), K > 0 runs the reference protocol, K rollouts with temperatures
	// 0.5 + 1.5·i/K sampling a whole priority permutation per step (Gumbel-top-k),
	// and keeps the best. Rules are deterministic and take only 0. Rollouts check
	// the budget before every step (every 64 dispatches for rules); an
	// interrupted rollout is completed by appending each job's remaining
	// operations (feasible, not good) and rollouts not yet started are skipped,
	// so a stopped run still returns a schedule.
	Samples int
	// Method is what follows dispatching (default Auto).
	Method Method
	// DispatchShare is the part of TimeLimit (or of the time to the context's
	// deadline, for MCTS) the dispatching phase may use before the
	// improvement starts. Default 0.2; greedy dispatching needs far less.
	// MCTS paces itself to use all of it, and its default is
	// MCTSDispatchShare. 1 means the run ends with the construction.
	DispatchShare float64
	// MCTS tunes Method MCTS.
	MCTS MCTSSettings
	// NoElite turns off the improvement's elite pool and path relinking
	// (improve.Settings.NoElite), for comparisons with the search before them.
	NoElite bool
	// NoDiversify turns off the pool's restarts from random active schedules
	// and its emptying after a stagnant stretch (improve.Settings.NoDiversify),
	// for comparisons with the pool search before them.
	NoDiversify bool
	// WarmStart, when set, is a complete feasible schedule (Starts[j][k]) that
	// replaces the construction: it is the start of the improvement (Method
	// Auto improves it with the portfolio when the run has a budget, and
	// otherwise returns it left-shifted). Policy and DispatchShare are then
	// unused; Samples > 0 and Methods Dispatch and MCTS, which only say how
	// to construct, are invalid settings. A warm start that is not a feasible
	// schedule of the instance is an error, with the checker's message.
	WarmStart [][]int
	// Frozen[j][k] true keeps operation k of job j at its start in WarmStart
	// (which it requires), with every operation before it in its job or on its
	// machine: rescheduling what has not run yet. See improve.Settings.Frozen.
	Frozen [][]bool
	// NotBefore (requires WarmStart) is the earliest start of every
	// operation not frozen: the time of re-planning, before which nothing new
	// can start. See improve.Settings.NotBefore.
	NotBefore int

	// clock, when set, replaces the wall clock for MCTS's construction share:
	// it gets DispatchShare of clockLimit on this clock (measurements on a
	// loaded machine use process CPU time this way).
	clock      func() time.Duration
	clockLimit time.Duration
}

// Solution is a schedule: Starts[j][k] is the start of operation k of job j.
type Solution = improve.Solution

// Stats are the counts of one Solve call.
type Stats struct {
	Policy          string        `json:"policy"`
	Rollouts        int           `json:"rollouts"`         // episodes run to the end
	Truncated       int           `json:"truncated"`        // episodes interrupted by the deadline and completed by appending
	Steps           int           `json:"steps"`            // environment steps taken by scored policies
	Inferences      int           `json:"inferences"`       // Scorer calls
	BestRollout     int           `json:"best_rollout"`     // index of the rollout that gave the solution
	BestTemperature float64       `json:"best_temperature"` // its temperature (0 for greedy)
	Elapsed         time.Duration `json:"elapsed_ns"`
	// DispatchMakespan is the makespan of the dispatched start (of the warm
	// start with Settings.WarmStart); Improvement holds
	// the counts of the improvement phase (zero when it did not run).
	DispatchMakespan int           `json:"dispatch_makespan"`
	Improvement      improve.Stats `json:"improvement"`
	// MCTS holds the tree search's counts when Method MCTS built the start.
	MCTS *mcts.TreeStats `json:"mcts,omitempty"`
}

// Result of Solve. Objective is the makespan; Bound is the lower bound our own
// search proved (at least the larger of the longest job and the most loaded
// machine; when the improvement runs, the one-machine preemptive bound and root
// propagation, raised by the exact search). Status is Optimal only when the two
// meet.
type Result = solvers.Result[Solution, Stats]

func (s Settings) validate() error {
	if err := s.Limits.Validate(); err != nil {
		return err
	}
	switch {
	case s.DispatchShare < 0 || s.DispatchShare > 1:
		return solvers.InvalidSetting("DispatchShare", "%v (want 0…1)", s.DispatchShare)
	case s.Method < Auto || s.Method > MCTS:
		return solvers.InvalidSetting("Method", "unknown method %d", int(s.Method))
	case s.Samples < 0:
		return solvers.InvalidSetting("Samples", "%d (want 0 for greedy or K > 0)", s.Samples)
	case s.Samples > 0 && s.Method == MCTS:
		return solvers.InvalidSetting("Samples", "best-of-K sampling and MCTS are two different constructions; set one")
	case s.Frozen != nil && s.WarmStart == nil:
		return solvers.InvalidSetting("Frozen", "freezes operations of WarmStart, which is not set")
	case s.NotBefore != 0 && s.WarmStart == nil:
		return solvers.InvalidSetting("NotBefore", "re-plans WarmStart, which is not set")
	case s.NotBefore < 0:
		return solvers.InvalidSetting("NotBefore", "%d is negative", s.NotBefore)
	case s.WarmStart != nil && s.Samples > 0:
		return solvers.InvalidSetting("Samples", "a warm start replaces the construction; nothing is sampled")
	case s.WarmStart != nil && (s.Method == Dispatch || s.Method == MCTS):
		return solvers.InvalidSetting("Method", "%v constructs a schedule, which a warm start replaces (Auto without a budget returns the warm start left-shifted)", s.Method)
	}
	if err := s.MCTS.validate(); err != nil {
		return err
	}
	if _, isRule := s.Policy.(Rule); isRule && s.Samples > 0 {
		return solvers.InvalidSetting("Samples", "sampling needs a neural policy; rule %s is deterministic", s.Policy.Name())
	}
	return nil
}

// DefaultPolicy is the policy of Settings with a nil Policy: FDDMWKR for a
// greedy construction, the shipped network when samples > 0 asks for sampled
// rollouts (a rule cannot be sampled).
func DefaultPolicy(samples int) (Policy, error) {
	if samples > 0 {
		return LearnedPolicy()
	}
	return FDDMWKR, nil
}

// Solve builds a schedule by dispatching in the CP environment with
// Settings.Policy, greedily or as the best of Settings.Samples sampled rollouts,
// then, depending on Settings.Method, improves it by local search on the
// disjunctive graph and CP search (package improve) for the rest of the time.
// With Settings.WarmStart the given schedule replaces the construction. The
// result is never worse than the dispatched (or warm) start, and every
// returned schedule has passed instances.CheckSchedule.
func Solve(ctx context.Context, js *instances.JobShop, s Settings) (Result, error) {
	begin := time.Now()
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	if s.Policy == nil {
		p, err := DefaultPolicy(s.Samples)
		if err != nil {
			return Result{}, err
		}
		s.Policy = p
	}
	bounded := s.Limits.Bounded(ctx)
	method := s.Method
	if method == Auto {
		method = Dispatch
		if bounded {
			method = Portfolio
		}
	}
	// improver is what follows the construction; MCTS is a construction and
	// is followed by the portfolio when there is time for it.
	improver, improves := improveMethod[method]
	if method == MCTS {
		improver, improves = improve.Portfolio, bounded
	}
	if improves && !bounded {
		return Result{}, solvers.InvalidSetting("Method", "%v needs a time limit, a context deadline or MaxIterations", method)
	}
	if s.WarmStart != nil {
		return improveWarmStart(ctx, js, s, improver, improves, begin)
	}
	// The whole time for the construction leaves none to improve it, even
	// when the construction ends early (MCTS paces itself to end near its
	// deadline, not at it): comparisons of constructions rely on this.
	improves = improves && s.DispatchShare < 1
	ctx, cancel := s.Limits.Context(ctx)
	defer cancel()
	dispatchCtx := ctx
	if improves {
		share := s.dispatchShare(method)
		span := s.TimeLimit
		if d, ok := ctx.Deadline(); ok && method == MCTS {
			span = time.Until(d)
		}
		if span > 0 && !(method == MCTS && s.clock != nil) {
			var cancel context.CancelFunc
			dispatchCtx, cancel = context.WithTimeout(ctx, time.Duration(share*float64(span)))
			defer cancel()
		}
	}
	var res Result
	var err error
	if method == MCTS {
		cs := s
		if !improves {
			cs.DispatchShare = 1
		}
		res, err = searchDispatch(dispatchCtx, js, cs, begin)
	} else {
		res, err = dispatch(ctx, dispatchCtx, js, s, begin)
	}
	res.Stats.DispatchMakespan = res.Solution.Makespan
	if err != nil || !improves || res.Status != solvers.Feasible {
		if err == nil && improves && res.Status == solvers.Optimal {
			res.StopReason = solvers.Completed
		}
		return res, err
	}
	imp, err := improve.Run(ctx, js, res.Solution.Starts, improve.Settings{
		Limits:      solvers.Limits{MaxIterations: s.MaxIterations, Seed: s.Seed, Threads: s.Threads},
		Method:      improver,
		OnImprove:   s.OnImprove,
		NoElite:     s.NoElite,
		NoDiversify: s.NoDiversify,
	})
	if err != nil {
		return Result{}, fmt.Errorf("jssp: improvement: %w", err)
	}
	// improve.Run has already passed its schedule through instances.CheckSchedule
	// and never returns one worse than its start.
	if imp.Solution.Phase == "" {
		// The improvement kept the dispatched schedule as it was.
		imp.Solution.Phase, imp.Solution.Iteration = res.Solution.Phase, res.Solution.Iteration
	}
	res.Solution, res.Objective = imp.Solution, imp.Objective
	res.Bound = max(res.Bound, imp.Bound)
	res.Status = imp.Status
	if res.Objective == res.Bound {
		res.Status = solvers.Optimal
	}
	res.StopReason = imp.StopReason
	res.Stats.Improvement = imp.Stats
	res.Stats.Elapsed = time.Since(begin)
	return res, nil
}

// improveWarmStart is Solve from Settings.WarmStart: the improvement with
// method when improves, else the warm start's left shift.
func improveWarmStart(ctx context.Context, js *instances.JobShop, s Settings, method improve.Method, improves bool, begin time.Time) (Result, error) {
	warmMS, err := instances.CheckSchedule(js, s.WarmStart)
	if err != nil {
		return Result{}, fmt.Errorf("jssp: warm start: %w", err)
	}
	ctx, cancel := s.Limits.Context(ctx)
	defer cancel()
	if s.OnImprove != nil {
		s.OnImprove(Solution{Starts: cloneStarts(s.WarmStart), Makespan: warmMS, Phase: "warm-start"})
	}
	is := improve.Settings{
		Limits:      solvers.Limits{MaxIterations: s.MaxIterations, Seed: s.Seed, Threads: s.Threads},
		Method:      method,
		OnImprove:   s.OnImprove,
		NoElite:     s.NoElite,
		NoDiversify: s.NoDiversify,
		Frozen:      s.Frozen,
		NotBefore:   s.NotBefore,
	}
	var imp improve.Result
	if improves {
		imp, err = improve.Run(ctx, js, s.WarmStart, is)
	} else {
		imp, err = improve.Shift(js, s.WarmStart, s.Frozen, s.NotBefore)
	}
	if err != nil {
		return Result{}, fmt.Errorf("jssp: improvement: %w", err)
	}
	// improve has checked its schedule; this is the promise made here, checked
	// apart from improve's own bookkeeping.
	ms, err := instances.CheckSchedule(js, imp.Solution.Starts)
	if err != nil {
		return Result{}, fmt.Errorf("jssp: bug: the improved warm start fails the checker: %w", err)
	}
	if ms > warmMS {
		return Result{}, fmt.Errorf("jssp: bug: makespan %d, worse than the warm start's %d", ms, warmMS)
	}
	for j := range s.Frozen {
		for k, f := range s.Frozen[j] {
			if f && imp.Solution.Starts[j][k] != s.WarmStart[j][k] {
				return Result{}, fmt.Errorf("jssp: bug: frozen operation %d of job %d starts at %d, the warm start has %d", k, j, imp.Solution.Starts[j][k], s.WarmStart[j][k])
			}
		}
	}
	for j, starts := range imp.Solution.Starts {
		for k, t := range starts {
			if t < s.NotBefore && t != s.WarmStart[j][k] {
				return Result{}, fmt.Errorf("jssp: bug: operation %d of job %d moved to %d, before NotBefore %d", k, j, t, s.NotBefore)
			}
		}
	}
	res := Result{Solution: imp.Solution, Objective: imp.Objective, Bound: imp.Bound, Status: imp.Status, StopReason: imp.StopReason,
		Stats: Stats{DispatchMakespan: warmMS, BestRollout: -1, Improvement: imp.Stats}}
	if res.Solution.Phase == "" {
		res.Solution.Phase = "warm-start"
	}
	res.Stats.Elapsed = time.Since(begin)
	return res, nil
}

func cloneStarts(s [][]int) [][]int {
	out := make([][]int, len(s))
	for j := range s {
		out[j] = append([]int(nil), s[j]...)
	}
	return out
}

// dispatchShare is DispatchShare with its default for method.
func (s Settings) dispatchShare(method Method) float64 {
	if method == MCTS {
		return cmp.Or(s.DispatchShare, MCTSDispatchShare)
	}
	return cmp.Or(s.DispatchShare, 0.2)
}

var improveMethod = map[Method]improve.Method{Tabu: improve.Tabu, LNS: improve.LNS, Exact: improve.Exact, Portfolio: improve.Portfolio}

// dispatch is the dispatching phase: greedy or best-of-K rollouts in the CP
// environment. The first rollout runs until ctx ends, the others until
// samplesCtx (the construction's share of the time) ends: a schedule cut
// short is completed by appending, which on large shops is several times
// the makespan of a finished rollout (a 1000×10 shop at 1 s: 285,491 against
// about 52,000), so the improver is better served by a late start than by a
// truncated one.
func dispatch(ctx, samplesCtx context.Context, js *instances.JobShop, s Settings, begin time.Time) (Result, error) {
	env, err := NewEnv(js)
	if err != nil {
		return Result{}, err
	}
	p := s.Policy // never nil: Solve fills in DefaultPolicy

	k := max(s.Samples, 1)
	threads := s.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = min(threads, k)

	type best struct {
		makespan, index int
		starts          [][]int
	}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		stats    = Stats{Policy: p.Name(), BestRollout: -1}
		global   = best{makespan: -1}
		firstErr error
		wg       sync.WaitGroup
	)
	worker := func(env *Env) {
		defer wg.Done()
		b, first := solvers.NewBudget(samplesCtx, 0), solvers.NewBudget(ctx, 0)
		ro, err := newRollout(env, p)
		if err != nil {
			mu.Lock()
			firstErr = cmpErr(firstErr, err)
			mu.Unlock()
			return
		}
		for {
			i := int(next.Add(1)) - 1
			if i >= k || (i > 0 && !b.Check()) {
				break
			}
			var rng *rand.Rand
			temp := 0.0
			if s.Samples > 0 {
				temp = Temperature(i, k)
				rng = solvers.NewRand(s.Seed, "jssp/rollout", uint64(i))
			}
			rb := b
			if i == 0 {
				rb = first
			}
			truncated, err := ro.episode(temp, rng, rb)
			var starts [][]int
			ms := 0
			if err == nil {
				starts = completeSchedule(env)
				if ms, err = instances.CheckSchedule(js, starts); err != nil {
					err = fmt.Errorf("jssp: bug: the schedule of rollout %d fails the checker: %w", i, err)
				}
			}
			mu.Lock()
			if err != nil {
				firstErr = cmpErr(firstErr, err)
				mu.Unlock()
				return
			}
			stats.Rollouts++
			if truncated {
				stats.Truncated++
			}
			if global.makespan < 0 || ms < global.makespan || (ms == global.makespan && i < global.index) {
				improved := global.makespan < 0 || ms < global.makespan
				global = best{makespan: ms, index: i, starts: starts}
				stats.BestRollout, stats.BestTemperature = i, temp
				if improved && s.OnImprove != nil {
					s.OnImprove(Solution{Starts: global.starts, Makespan: ms, Phase: "dispatch", Iteration: int64(i)})
				}
			}
			mu.Unlock()
		}
		mu.Lock()
		stats.Steps += ro.steps
		stats.Inferences += ro.calls
		mu.Unlock()
	}
	// Every worker gets its own copy, made before any of them starts stepping.
	envs := make([]*Env, threads)
	envs[0] = env
	for w := 1; w < threads; w++ {
		envs[w] = env.Clone()
	}
	wg.Add(threads)
	for _, e := range envs {
		go worker(e)
	}
	wg.Wait()
	stats.Elapsed = time.Since(begin)
	if firstErr != nil {
		return Result{}, firstErr
	}
	res := Result{Bound: float64(improve.TrivialBound(js)), Stats: stats, Status: solvers.NoSolution}
	res.StopReason, _ = solvers.ContextStop(ctx)
	if global.makespan < 0 {
		return res, nil
	}
	ms := global.makespan
	res.Solution = Solution{Starts: global.starts, Makespan: ms, Phase: "dispatch", Iteration: int64(global.index)}
	res.Objective = float64(ms)
	res.Status = solvers.Feasible
	if res.Objective == res.Bound {
		res.Status = solvers.Optimal
	}
	return res, nil
}

func cmpErr(prev, err error) error {
	if prev != nil {
		return prev
	}
	return err
}
