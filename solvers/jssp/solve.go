package jssp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

// ErrSettings reports settings that cannot be used (negative sample count,
// sampling with a rule).
var ErrSettings = errors.New("invalid settings")

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
)

var methodNames = [...]string{"auto", "dispatch", "tabu", "lns", "exact", "portfolio"}

func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// ParseMethod reads the names String gives.
func ParseMethod(s string) (Method, bool) {
	for i, name := range methodNames {
		if name == s {
			return Method(i), true
		}
	}
	return 0, false
}

// Settings of Solve. The zero value dispatches greedily with FDD/MWKR and, when
// the run has a budget, improves the schedule with the portfolio.
type Settings struct {
	// Policy scores the dispatching decisions; nil means FDDMWKR.
	Policy Policy
	// Samples is K: 0 decodes greedily (the priority list is the argsort of the
	// scores), K > 0 runs the reference protocol, K rollouts with temperatures
	// 0.5 + 1.5·i/K sampling a whole priority permutation per step (Gumbel-top-k),
	// and keeps the best. Rules are deterministic and take only 0.
	Samples int
	// TimeLimit bounds the run with the context's deadline; 0 means no limit
	// beyond the context. Rollouts poll the context before every step (every 64
	// dispatches for rules); an interrupted rollout is completed by appending each
	// job's remaining operations (feasible, not good) and rollouts not yet started
	// are skipped, so a stopped run still returns a schedule.
	TimeLimit time.Duration
	// Seed makes sampling reproducible: rollout i draws from its own generator
	// seeded by (Seed, i), so the result does not depend on Threads.
	Seed uint64
	// Threads is the number of rollout goroutines; 0 means GOMAXPROCS.
	Threads int
	// OnImprove, when set, receives each better schedule found (called from the
	// solving goroutines, one call at a time).
	OnImprove func(Solution)
	// Method is what follows dispatching (default Auto).
	Method Method
	// MaxIterations bounds the improvement phase in machine-independent units (see
	// improve.Settings.MaxIterations); with Threads = 1 and a fixed Seed it makes
	// runs identical on every machine. 0 means no bound beyond the time.
	MaxIterations int64
	// DispatchShare is the part of TimeLimit the dispatching phase may use before
	// the improvement starts (default 0.2); greedy dispatching needs far less.
	DispatchShare float64
}

// Solution is a schedule: Starts[j][k] is the start of operation k of job j.
type Solution struct {
	Starts   [][]int
	Makespan int
}

// Stats are the counts of one Solve call.
type Stats struct {
	Policy          string
	Rollouts        int     // episodes run to the end
	Truncated       int     // episodes interrupted by the deadline and completed by appending
	Steps           int     // environment steps taken by scored policies
	Inferences      int     // Scorer calls
	BestRollout     int     // index of the rollout that gave the solution
	BestTemperature float64 // its temperature (0 for greedy)
	Elapsed         time.Duration
	// DispatchMakespan is the makespan of the dispatched start; Improvement holds
	// the counts of the improvement phase (zero when it did not run).
	DispatchMakespan int
	Improvement      improve.Stats
}

// Result of Solve. Objective is the makespan; Bound is the lower bound our own
// search proved (at least the larger of the longest job and the most loaded
// machine; raised by the exact search). Status is Optimal only when the two meet.
type Result struct {
	Solution   Solution
	Objective  int
	Bound      int
	Status     solvers.Status
	StopReason solvers.StopReason
	Stats      Stats
}

func scheduleMakespan(js *instances.JobShop, starts [][]int) int {
	ms := 0
	for j, ops := range js.Jobs {
		for k, op := range ops {
			ms = max(ms, starts[j][k]+op.Duration)
		}
	}
	return ms
}

// Solve builds a schedule by dispatching in the CP environment with
// Settings.Policy, greedily or as the best of Settings.Samples sampled rollouts,
// then, depending on Settings.Method, improves it by local search on the
// disjunctive graph and CP search (package improve) for the rest of the time.
// The result is never worse than the dispatched start, and every returned
// schedule has passed instances.CheckSchedule.
func Solve(ctx context.Context, js *instances.JobShop, s Settings) (Result, error) {
	begin := time.Now()
	if s.DispatchShare < 0 || s.DispatchShare > 1 {
		return Result{}, fmt.Errorf("%w: dispatch share %v (want 0…1)", ErrSettings, s.DispatchShare)
	}
	if s.MaxIterations < 0 {
		return Result{}, fmt.Errorf("%w: %d iterations", ErrSettings, s.MaxIterations)
	}
	method := s.Method
	if method < Auto || method > Portfolio {
		return Result{}, fmt.Errorf("%w: unknown method %d", ErrSettings, int(method))
	}
	if s.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.TimeLimit)
		defer cancel()
	}
	_, hasDeadline := ctx.Deadline()
	if method == Auto {
		method = Dispatch
		if hasDeadline || s.MaxIterations > 0 {
			method = Portfolio
		}
	}
	if method != Dispatch && !hasDeadline && s.MaxIterations == 0 {
		return Result{}, fmt.Errorf("%w: method %v needs a time limit, a context deadline or MaxIterations", ErrSettings, method)
	}
	dispatchCtx := ctx
	if method != Dispatch && s.TimeLimit > 0 {
		share := s.DispatchShare
		if share == 0 {
			share = 0.2
		}
		var cancel context.CancelFunc
		dispatchCtx, cancel = context.WithTimeout(ctx, time.Duration(share*float64(s.TimeLimit)))
		defer cancel()
	}
	res, err := dispatch(dispatchCtx, js, s, begin)
	res.Stats.DispatchMakespan = res.Objective
	if err != nil || method == Dispatch || res.Status != solvers.Feasible {
		if err == nil && method != Dispatch && res.Status == solvers.Optimal {
			res.StopReason = solvers.Completed
		}
		return res, err
	}
	var onImprove func([][]int, int)
	if s.OnImprove != nil {
		onImprove = func(starts [][]int, makespan int) { s.OnImprove(Solution{Starts: starts, Makespan: makespan}) }
	}
	imp, err := improve.Run(ctx, js, res.Solution.Starts, improve.Settings{
		Method:        improveMethod[method],
		MaxIterations: s.MaxIterations,
		Seed:          s.Seed,
		Threads:       s.Threads,
		OnImprove:     onImprove,
	})
	if err != nil {
		return Result{}, fmt.Errorf("jssp: improvement: %w", err)
	}
	// improve.Run has already passed its schedule through instances.CheckSchedule.
	if imp.Makespan <= res.Objective {
		res.Solution = Solution{Starts: imp.Starts, Makespan: imp.Makespan}
		res.Objective = imp.Makespan
	}
	res.Bound = max(res.Bound, imp.Bound)
	res.Status = solvers.Feasible
	if res.Objective == res.Bound {
		res.Status = solvers.Optimal
	}
	res.StopReason = imp.StopReason
	res.Stats.Improvement = imp.Stats
	res.Stats.Elapsed = time.Since(begin)
	return res, nil
}

var improveMethod = map[Method]improve.Method{Tabu: improve.Tabu, LNS: improve.LNS, Exact: improve.Exact, Portfolio: improve.Portfolio}

// dispatch is the dispatching phase: greedy or best-of-K rollouts in the CP
// environment.
func dispatch(ctx context.Context, js *instances.JobShop, s Settings, begin time.Time) (Result, error) {
	env, err := NewEnv(js)
	if err != nil {
		return Result{}, err
	}
	if s.Samples < 0 {
		return Result{}, fmt.Errorf("%w: %d samples (want 0 for greedy or K > 0)", ErrSettings, s.Samples)
	}
	p := s.Policy
	if p == nil {
		p = FDDMWKR
	}
	if _, isRule := p.(Rule); isRule && s.Samples > 0 {
		return Result{}, fmt.Errorf("%w: sampling needs a neural policy; rule %s is deterministic", ErrSettings, p.Name())
	}
	stop := func() bool { return ctx.Err() != nil }

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
		ro, err := newRollout(env, p)
		if err != nil {
			mu.Lock()
			firstErr = cmpErr(firstErr, err)
			mu.Unlock()
			return
		}
		for {
			i := int(next.Add(1)) - 1
			if i >= k || (i > 0 && stop()) {
				break
			}
			var rng *rand.Rand
			temp := 0.0
			if s.Samples > 0 {
				temp = Temperature(i, k)
				rng = rand.New(rand.NewPCG(s.Seed, uint64(i)))
			}
			truncated, err := ro.episode(temp, rng, stop)
			var starts [][]int
			ms := 0
			if err == nil {
				starts = completeSchedule(env)
				ms = scheduleMakespan(js, starts)
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
					s.OnImprove(Solution{Starts: global.starts, Makespan: ms})
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
	res := Result{Bound: improve.TrivialBound(js), Stats: stats, Status: solvers.NoSolution}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.StopReason = solvers.TimeLimit
	case ctx.Err() != nil:
		res.StopReason = solvers.Canceled
	default:
		res.StopReason = solvers.Completed
	}
	if global.makespan < 0 {
		return res, nil
	}
	ms, err := instances.CheckSchedule(js, global.starts)
	if err != nil {
		return Result{}, fmt.Errorf("jssp: schedule of rollout %d failed the check: %w", global.index, err)
	}
	if ms != global.makespan {
		return Result{}, fmt.Errorf("jssp: rollout %d reported makespan %d, the checker %d", global.index, global.makespan, ms)
	}
	res.Solution = Solution{Starts: global.starts, Makespan: ms}
	res.Objective = ms
	res.Status = solvers.Feasible
	if ms == res.Bound {
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
