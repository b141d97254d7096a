package improve

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
	"github.com/cosolve/cosolve/solvers"
)

// Method selects the improvement algorithm of Run.
type Method int

const (
	// Portfolio (the default). One thread: on instances of at most 150
	// operations a short exact search first (2000 nodes, proves small
	// instances optimal), then tabu search with path relinking and a CP
	// neighbourhood between tabu runs (at most a tenth of the work). Two or
	// more threads: independent searches sharing the elite pool and the best
	// schedule; thread 0 runs tabu with path relinking, thread 1 the exact
	// search first (small instances), then the same with CP neighbourhoods,
	// like the others. All stop once the best is proved optimal.
	Portfolio Method = iota
	// Tabu runs the tabu search with path relinking between the schedules of
	// an elite pool the threads share, and restarts from its members.
	Tabu
	// LNS repeatedly relaxes part of the best schedule and re-optimises it with
	// the CP branch and bound under a node limit.
	LNS
	// Exact runs a short tabu search for an incumbent, then the CP branch and
	// bound on the whole instance until it proves optimality or runs out of budget.
	Exact
)

var methodNames = [...]string{"portfolio", "tabu", "lns", "exact"}

func (m Method) String() string { return solvers.EnumName(m, methodNames[:], "Method") }

// ParseMethod maps "portfolio", "tabu", "lns" and "exact" to a Method.
func ParseMethod(s string) (Method, bool) { return solvers.ParseEnum[Method](s, methodNames[:]) }

// Settings of Run. The zero value runs the portfolio on GOMAXPROCS threads
// until the context ends; set TimeLimit or MaxIterations for a finite run.
type Settings struct {
	// Limits: MaxIterations bounds the work in machine-independent units: tabu
	// iterations per thread for Tabu and Portfolio, relaxed neighbourhoods
	// solved for LNS, search nodes for Exact (after its fixed warm-up of
	// 10000 + 50·operations tabu iterations).
	solvers.Limits
	// OnImprove receives each schedule better than every one before it. Calls
	// come one at a time; the schedule is the callee's to keep.
	OnImprove func(Solution)
	Method    Method
	// Neighborhood of the tabu search (default N7).
	Neighborhood Neighborhood
	// StallIterations is the number of tabu iterations without a new best after
	// which a thread restarts from an elite schedule; 0 means 2500 + 10·operations.
	StallIterations int
	// NoElite turns the elite pool and path relinking off: a stalled tabu run
	// restarts from its thread's best or the shared best, slightly perturbed,
	// and a portfolio of two or more threads gives one thread to LNS. This is
	// the search as it was before the pool, kept for comparisons.
	NoElite bool
	// NoDiversify turns off the two ways the elite search keeps its pool
	// diverse: the tabu runs from random active schedules after the first run,
	// and the emptying of the pool after a long stretch without a new best.
	// This is the pool search as it was before them, kept for comparisons.
	NoDiversify bool
	// Frozen[j][k] true keeps operation k of job j at exactly its start in the
	// start schedule given to Run: rescheduling after part of a plan has run.
	// Run freezes with it every operation before it in its job or on its
	// machine in the start schedule (a frozen start depends on them), so the
	// frozen operations form a prefix of every job and every machine
	// sequence; the free operations are scheduled after the frozen ones of
	// their machine, never in an idle gap before one. Every method respects
	// it, and Optimal then means optimal under these constraints. nil freezes
	// nothing; otherwise it must have the instance's shape.
	Frozen [][]bool
	// NotBefore is the earliest start of every operation that is not frozen:
	// re-planning at time NotBefore cannot start anything in the past. The
	// start schedule must respect it (the operations that start earlier are
	// the ones to freeze). 0 means no such limit.
	NotBefore int

	// clock replaces the wall clock for TimeLimit (tests use thread CPU time);
	// clockLimit is then the limit on it.
	clock      func() time.Duration
	clockLimit time.Duration
	// poolReset is the number of tabu runs (of all threads together) without
	// a new shared best after which the pool is emptied down to its best
	// member (0: defaultPoolReset; negative: never).
	poolReset int
	// diverseStarts is the number of tabu runs, after the first to end, that
	// start from random active schedules instead of the pool, shared by the
	// threads; a pool reset then refills from random active schedules too (0:
	// defaultDiverseStarts; negative: never; ignored with frozen operations).
	diverseStarts int
}

// Solution is a schedule: Starts[j][k] is the start of operation k of job j.
// Phase says what found it ("shift" for the start's left shift, "tabu", "lns"
// or "exact"; jssp.Solve adds "dispatch" and "warm-start") and Iteration the work count of that
// phase in the thread that found it (tabu iterations, LNS neighbourhoods, CP
// nodes; the rollout for dispatch). Both are "" and 0 for the start schedule.
// Bound, in the schedules given to OnImprove, is the lower bound on the
// makespan proved by then (the root bound of the improvement phase), 0 when
// none is; Result.Bound is the final one.
type Solution struct {
	Starts    [][]int
	Makespan  int
	Phase     string
	Iteration int64
	Bound     int
}

// Stats are the counts of one Run.
type Stats struct {
	Iterations      int64         `json:"tabu_iterations"`
	MovesEvaluated  int64         `json:"moves_evaluated"` // tabu moves estimated
	Restarts        int64         `json:"restarts"`        // tabu restarts from elite schedules
	Relinks         int64         `json:"relinks"`         // of those, from a schedule between two elite schedules
	RandomStarts    int64         `json:"random_starts"`   // of those, from a random active schedule
	PoolResets      int64         `json:"pool_resets"`     // times the pool was emptied to its best
	Nodes           int64         `json:"cp_nodes"`        // CP search nodes (exact and LNS)
	Neighborhoods   int64         `json:"neighborhoods"`   // LNS neighbourhoods solved
	LNSImprovements int64         `json:"lns_improvements"`
	StartMakespan   int           `json:"start_makespan"`
	Frozen          int           `json:"frozen"` // operations kept at their start (Settings.Frozen and their predecessors)
	Elapsed         time.Duration `json:"elapsed_ns"`
}

// Result of Run. The solution is the best schedule; it has passed
// instances.CheckSchedule and is never worse than the start. Objective is its
// makespan. Bound is a lower bound proved here: the longest job, the
// one-machine preemptive bound (which includes the most loaded machine), and
// root propagation refuting makespans above them (within about 0.1 s of work),
// raised by the exact search when it runs. Status is Optimal only when the
// makespan equals Bound.
type Result = solvers.Result[Solution, Stats]

// TrivialBound is max(longest job, most loaded machine).
func TrivialBound(js *instances.JobShop) int {
	load := make([]int, js.Machines)
	lb := 0
	for _, ops := range js.Jobs {
		s := 0
		for _, op := range ops {
			s += op.Duration
			load[op.Machine] += op.Duration
		}
		lb = max(lb, s)
	}
	for _, l := range load {
		lb = max(lb, l)
	}
	return lb
}

// shared is the best schedule and the best lower bound across threads.
type shared struct {
	mu        sync.Mutex
	best      *Graph
	bestPhase string
	bestIter  int64
	onImprove func(Solution)
	bound     atomic.Int64
	proved    atomic.Bool
	cancel    context.CancelFunc // stops the other threads once optimality is proved
}

// offer records g if it beats the shared best; it reports whether it did.
// phase and iter say what found it.
func (s *shared) offer(g *Graph, phase string, iter int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.makespan >= s.best.makespan {
		return false
	}
	s.best.copyFrom(g)
	s.bestPhase, s.bestIter = phase, iter
	if s.onImprove != nil {
		s.onImprove(Solution{Starts: g.Starts(), Makespan: g.makespan, Phase: phase, Iteration: iter, Bound: int(s.bound.Load())})
	}
	if int64(g.makespan) <= s.bound.Load() {
		s.cancel()
	}
	return true
}

func (s *shared) makespan() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.best.makespan
}

// raise records a proved lower bound, and optimality when it meets the best.
func (s *shared) raise(bound int, optimal bool) {
	for {
		old := s.bound.Load()
		if int64(bound) <= old || s.bound.CompareAndSwap(old, int64(bound)) {
			break
		}
	}
	if optimal || s.makespan() <= int(s.bound.Load()) {
		s.proved.Store(true)
		s.cancel()
	}
}

func (s *shared) done() bool { return s.proved.Load() }

// clone returns a copy of the shared best.
func (s *shared) clone() *Graph {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.best.Clone()
}

// snapshot copies the shared best into dst.
func (s *shared) snapshot(dst *Graph) {
	s.mu.Lock()
	dst.copyFrom(s.best)
	s.mu.Unlock()
}

// Portfolio sizes: the exact search runs first (with a node budget on one
// thread) on instances of at most exactOps operations.
const (
	exactOps          = 150
	exactNodesSingle  = 2000
	lnsRoundsPerStall = 1
	// A CP node costs about as much time as 60 tabu iterations; LNS rounds
	// between tabu runs are skipped while they have used more than a tenth of
	// the work (counted in iterations, so runs stay deterministic).
	lnsShare = 600
)

// Run improves a feasible start schedule of js with the method of Settings and
// returns the best schedule found. The start's machine orders are kept and its
// operations left-shifted (semi-active) before the search; the result is never
// worse than the start.
func Run(ctx context.Context, js *instances.JobShop, start [][]int, s Settings) (Result, error) {
	begin := time.Now()
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	g0, startMS, frozen, err := startGraph(js, start, s.Frozen, s.NotBefore)
	if err != nil {
		return Result{}, err
	}
	threads := s.Threads
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	if s.clock != nil {
		// The limit is on the caller's clock, not the wall clock.
		s.Limits.TimeLimit, s.clockLimit = 0, s.TimeLimit
	}
	parent, cancelLimit := s.Limits.Context(ctx)
	defer cancelLimit()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sh := &shared{best: g0.Clone(), onImprove: s.OnImprove, cancel: cancel}
	sh.bound.Store(int64(provedBound(g0, s.budget(ctx, 0))))
	if sh.best.makespan < startMS {
		sh.bestPhase = "shift"
		if s.OnImprove != nil {
			s.OnImprove(Solution{Starts: sh.best.Starts(), Makespan: sh.best.makespan, Phase: "shift", Bound: int(sh.bound.Load())})
		}
	}
	res := Result{Stats: Stats{StartMakespan: startMS, Frozen: frozen}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var reasons []solvers.StopReason
	spawn := func(fn func(st *solvers.Budget) Stats) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s.budget(ctx, s.MaxIterations)
			stats := fn(st)
			// A thread stopped by another's proof of optimality was not cut short.
			reason := st.Reason()
			if r, ok := solvers.ContextStop(parent); ok {
				reason = r
			} else if ctx.Err() != nil {
				reason = solvers.Completed
			}
			mu.Lock()
			res.Stats.add(stats)
			reasons = append(reasons, reason)
			mu.Unlock()
		}()
	}
	seedOf := func(i int) uint64 { return solvers.DeriveSeed(s.Seed, "improve/thread", uint64(i)) }
	pool := newElitePool(g0)
	if !s.NoDiversify {
		randomStarts := cmp.Or(s.diverseStarts, defaultDiverseStarts)
		if g0.fixed != nil {
			randomStarts = 0
		}
		pool.diversify(cmp.Or(s.poolReset, defaultPoolReset), randomStarts)
	}
	// search is thread i's tabu search with lnsRounds CP neighbourhoods between runs.
	search := func(i, lnsRounds int, st *solvers.Budget) Stats {
		if s.NoElite {
			return runTabu(sh, s, seedOf(i), st, lnsRounds)
		}
		return runElite(sh, pool, s, i, st, lnsRounds)
	}
	if r, over := solvers.ContextStop(parent); over {
		// Over before the search starts (a cancelled construction): the
		// searches' set-up alone is tens of milliseconds on large shops.
		reasons = append(reasons, r)
	} else if sh.best.makespan > int(sh.bound.Load()) {
		switch s.Method {
		case Tabu:
			for i := 0; i < threads; i++ {
				spawn(func(st *solvers.Budget) Stats { return search(i, 0, st) })
			}
		case LNS:
			for i := 0; i < threads; i++ {
				seed := seedOf(i)
				spawn(func(st *solvers.Budget) Stats { return runLNS(sh, s, seed, st) })
			}
		case Exact:
			spawn(func(st *solvers.Budget) Stats {
				stats := warmExact(ctx, sh, s, g0.n, st, s.MaxIterations)
				// Without a proof or a stop of its own, the search ran out of nodes.
				if !sh.done() && s.MaxIterations > 0 {
					st.Stop(solvers.IterationLimit)
				}
				return stats
			})
		case Portfolio:
			small := g0.n <= exactOps
			if threads == 1 {
				spawn(func(st *solvers.Budget) Stats {
					var stats Stats
					if small {
						stats = warmExact(ctx, sh, s, g0.n, st, exactNodesSingle)
					}
					if !sh.done() {
						stats.add(search(0, lnsRoundsPerStall, st))
					}
					return stats
				})
				break
			}
			spawn(func(st *solvers.Budget) Stats { return search(0, 0, st) })
			spawn(func(st *solvers.Budget) Stats {
				var stats Stats
				if small {
					stats = warmExact(ctx, sh, s, g0.n, st, 0)
				}
				if sh.done() || st.Stopped() {
					return stats
				}
				if s.NoElite {
					stats.add(runLNS(sh, s, seedOf(1), st))
				} else {
					stats.add(search(1, lnsRoundsPerStall, st))
				}
				return stats
			})
			for i := 2; i < threads; i++ {
				spawn(func(st *solvers.Budget) Stats { return search(i, lnsRoundsPerStall, st) })
			}
		}
	}
	wg.Wait()
	best := sh.best
	starts := best.Starts()
	ms, err := instances.CheckSchedule(js, starts)
	if err != nil {
		return Result{}, fmt.Errorf("improve: bug: result schedule fails the checker: %w", err)
	}
	if ms != best.makespan {
		return Result{}, fmt.Errorf("improve: bug: makespan %d, graph says %d", ms, best.makespan)
	}
	starts, ms, err = keptStarts(js, start, startMS, starts, ms, g0)
	if err != nil {
		return Result{}, err
	}
	res.Solution = Solution{Starts: starts, Makespan: ms}
	if ms < startMS {
		res.Solution.Phase, res.Solution.Iteration = sh.bestPhase, sh.bestIter
	}
	res.Objective = float64(ms)
	bound := min(int(sh.bound.Load()), ms)
	res.Status = solvers.Feasible
	if sh.done() || ms <= bound {
		res.Status, bound = solvers.Optimal, ms
	}
	res.Bound = float64(bound)
	res.StopReason = solvers.Merge(reasons...)
	if res.Status == solvers.Optimal {
		res.StopReason = solvers.Completed
	}
	res.Stats.Elapsed = time.Since(begin)
	return res, nil
}

// Shift is Run without a search: the semi-active schedule of start's machine
// orders, with the operations of frozen (as Settings.Frozen) kept at their
// starts.
func Shift(js *instances.JobShop, start [][]int, frozen [][]bool, notBefore int) (Result, error) {
	begin := time.Now()
	if notBefore < 0 {
		return Result{}, solvers.InvalidSetting("NotBefore", "%d is negative", notBefore)
	}
	g, startMS, count, err := startGraph(js, start, frozen, notBefore)
	if err != nil {
		return Result{}, err
	}
	res := Result{Stats: Stats{StartMakespan: startMS, Frozen: count}, Status: solvers.Feasible, StopReason: solvers.Completed}
	starts, ms, err := keptStarts(js, start, startMS, g.Starts(), g.makespan, g)
	if err != nil {
		return Result{}, err
	}
	res.Solution = Solution{Starts: starts, Makespan: ms}
	if ms < startMS {
		res.Solution.Phase = "shift"
	}
	res.Objective = float64(ms)
	bound := min(TrivialBound(js), ms)
	if ms == bound {
		res.Status = solvers.Optimal
	}
	res.Bound = float64(bound)
	res.Stats.Elapsed = time.Since(begin)
	return res, nil
}

// startGraph checks the start schedule and the freeze, and returns the start's
// graph with the freeze applied, the start's makespan and how many operations
// are frozen.
func startGraph(js *instances.JobShop, start [][]int, frozen [][]bool, notBefore int) (*Graph, int, int, error) {
	startMS, err := instances.CheckSchedule(js, start)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("improve: start schedule: %w", err)
	}
	if err := checkFrozenShape(js, frozen); err != nil {
		return nil, 0, 0, err
	}
	g, err := NewGraph(js, start)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("improve: start schedule: %w", err)
	}
	count := g.freeze(start, frozen, notBefore)
	if err := checkFrozen(js, start, start, g.fixed, g.notBefore); err != nil {
		return nil, 0, 0, fmt.Errorf("improve: start schedule: %w", err)
	}
	return g, startMS, count, nil
}

// keptStarts is the result schedule: starts, or the start itself where the
// left shift could not keep its makespan (only with zero-length operations),
// checked to keep g's freeze.
func keptStarts(js *instances.JobShop, start [][]int, startMS int, starts [][]int, ms int, g *Graph) ([][]int, int, error) {
	if ms > startMS {
		starts, ms = cloneStarts(start), startMS
	}
	if err := checkFrozen(js, start, starts, g.fixed, g.notBefore); err != nil {
		return nil, 0, fmt.Errorf("improve: bug: %w", err)
	}
	return starts, ms, nil
}

// checkFrozenShape reports a Frozen that does not match the instance.
func checkFrozenShape(js *instances.JobShop, frozen [][]bool) error {
	if frozen == nil {
		return nil
	}
	if len(frozen) != len(js.Jobs) {
		return solvers.InvalidSetting("Frozen", "%d jobs, the instance has %d", len(frozen), len(js.Jobs))
	}
	for j, ops := range js.Jobs {
		if len(frozen[j]) != len(ops) {
			return solvers.InvalidSetting("Frozen", "job %d: %d operations, the instance has %d", j, len(frozen[j]), len(ops))
		}
	}
	return nil
}

// checkFrozen reports the first operation whose start in got differs from
// its start in want although fixed (indexed by operation number, -1 for a free
// one; nil for none) says it is frozen, or a free one that starts before
// notBefore.
func checkFrozen(js *instances.JobShop, want, got [][]int, fixed []int32, notBefore int32) error {
	if fixed == nil {
		return nil
	}
	op := 0
	for j, ops := range js.Jobs {
		for k := range ops {
			switch {
			case fixed[op] != none && got[j][k] != want[j][k]:
				return fmt.Errorf("frozen operation %d of job %d starts at %d, not at %d", k, j, got[j][k], want[j][k])
			case fixed[op] == none && got[j][k] < int(notBefore):
				return fmt.Errorf("operation %d of job %d starts at %d, before %d, and is not frozen", k, j, got[j][k], notBefore)
			}
			op++
		}
	}
	return nil
}

func (s Settings) validate() error {
	if err := s.Limits.Validate(); err != nil {
		return err
	}
	switch {
	case s.Method < Portfolio || s.Method > Exact:
		return solvers.InvalidSetting("Method", "unknown method %d", int(s.Method))
	case s.Neighborhood != N7 && s.Neighborhood != N5:
		return solvers.InvalidSetting("Neighborhood", "unknown neighbourhood %d", int(s.Neighborhood))
	case s.NotBefore < 0:
		return solvers.InvalidSetting("NotBefore", "%d is negative", s.NotBefore)
	case s.StallIterations < 0:
		return solvers.InvalidSetting("StallIterations", "%d is negative", s.StallIterations)
	}
	return nil
}

// budget is a thread's or phase's budget under ctx.
func (s Settings) budget(ctx context.Context, maxIter int64) *solvers.Budget {
	b := solvers.NewBudget(ctx, maxIter)
	if s.clock != nil {
		b.WithClock(s.clock, s.clockLimit)
	}
	return b
}

func cloneStarts(s [][]int) [][]int {
	out := make([][]int, len(s))
	for j := range s {
		out[j] = append([]int(nil), s[j]...)
	}
	return out
}

// warmExact runs an iteration-bounded tabu search for an incumbent (a good upper
// bound prunes far more than propagation alone), then the branch and bound with
// the given node budget (0: none).
func warmExact(ctx context.Context, sh *shared, s Settings, ops int, st *solvers.Budget, nodes int64) Stats {
	warm := s
	warm.MaxIterations = int64(10000 + 50*ops)
	wst := s.budget(ctx, warm.MaxIterations)
	stats := runTabu(sh, warm, s.Seed, wst, 0)
	if !st.Check() || sh.done() {
		return stats
	}
	es, bound, opt := runExact(sh, st, nodes)
	sh.raise(bound, opt)
	stats.add(es)
	return stats
}

func (a *Stats) add(b Stats) {
	a.Iterations += b.Iterations
	a.MovesEvaluated += b.MovesEvaluated
	a.Restarts += b.Restarts
	a.Relinks += b.Relinks
	a.RandomStarts += b.RandomStarts
	a.PoolResets += b.PoolResets
	a.Nodes += b.Nodes
	a.Neighborhoods += b.Neighborhoods
	a.LNSImprovements += b.LNSImprovements
}

// runTabu is one tabu thread: search from the shared best, restart from an
// elite schedule (the thread's own best or the shared best) after a stall.
func runTabu(sh *shared, s Settings, seed uint64, st *solvers.Budget, lnsRounds int) Stats {
	g := sh.clone()
	ts := NewTabu(g, s.Neighborhood, seed)
	rng := rand.New(rand.NewPCG(seed, 0xe117e))
	stallLimit := s.StallIterations
	if stallLimit == 0 {
		stallLimit = 2500 + 10*g.n
	}
	elite := sh.clone()
	var l *lns
	stall := 0
	// A clock read per ~20k operations of work keeps the 50 ms promise on large
	// instances at no cost on small ones.
	every := max(1, min(64, 20000/g.n))
	for st.Progress(ts.Iterations) {
		for i := 0; i < every; i++ {
			if s.MaxIterations > 0 && ts.Iterations >= s.MaxIterations {
				break
			}
			improved, ok := ts.Step()
			if !ok && ts.provedOptimal() {
				sh.offer(ts.Current(), "tabu", ts.Iterations)
				sh.raise(ts.Current().makespan, false)
				st.Stop(solvers.Completed)
				break
			}
			if improved {
				stall = 0
				sh.offer(ts.Best(), "tabu", ts.Iterations)
				if sh.done() || int64(ts.Best().makespan) <= sh.bound.Load() {
					st.Stop(solvers.Completed)
					break
				}
				continue
			}
			if stall++; !ok || stall >= stallLimit {
				stall = 0
				sh.snapshot(elite)
				if lnsRounds > 0 && (l == nil || l.totalNodes*lnsShare < ts.Iterations) {
					// A few CP neighbourhoods on the elite schedule between tabu runs.
					if l == nil {
						l = newLNS(elite, seed)
					}
					for r := 0; r < lnsRounds && !st.Stopped(); r++ {
						if l.round(st) {
							sh.offer(elite, "lns", l.rounds)
						}
					}
				}
				src := ts.Best()
				if elite.makespan < src.makespan || rng.IntN(2) == 0 {
					src = elite
				}
				ts.Perturb(src, 1+rng.IntN(4))
			}
		}
		if st.Stopped() {
			break
		}
	}
	stats := Stats{Iterations: ts.Iterations, MovesEvaluated: ts.Evaluated, Restarts: ts.Restarts}
	if l != nil {
		stats.Nodes, stats.Neighborhoods, stats.LNSImprovements = l.totalNodes, l.rounds, l.improvements
	}
	return stats
}

// defaultPoolReset and defaultDiverseStarts were chosen on ft10 + ta01–ta10
// at 10 s (seeds 1–6) and ta11–ta50 at 60 s against the pool search without
// them (benchmarks/RESULTS.md, issue 18); without them the 60 s runs ended
// at the makespans their 10 s runs had reached.
const (
	defaultPoolReset     = 100
	defaultDiverseStarts = 8
)

// restartEvery: one tabu run in restartEvery starts from a perturbed pool
// member (i-TSAB's restarts from elite schedules) rather than from a relinked
// schedule, so the neighbourhoods of the best schedules are searched again.
const restartEvery = 4

// runElite is one thread of tabu search with path relinking: each tabu run
// starts from a schedule on the way between two members of the shared elite
// pool (or, one run in restartEvery and while the pool has fewer than two
// members, from a perturbed member), and the run's best is offered to the pool.
// Thread i draws from its own streams of the seed, so with one thread the run
// is repeatable.
func runElite(sh *shared, pool *elitePool, s Settings, thread int, st *solvers.Budget, lnsRounds int) Stats {
	g := sh.clone()
	seed := solvers.DeriveSeed(s.Seed, "improve/thread", uint64(thread))
	ts := NewTabu(g, s.Neighborhood, seed)
	rng := solvers.NewRand(s.Seed, "improve/elite", uint64(thread))
	stallLimit := s.StallIterations
	if stallLimit == 0 {
		stallLimit = 2500 + 10*g.n
	}
	a, b := g.Clone(), g.Clone()
	rl := newRelinker(g)
	var l *lns
	var relinks, randomStarts, poolResets int64
	stall := 0
	var sampler *activeSampler
	if pool.randomStarts {
		sampler = newActiveSampler(g)
	}
	// A clock read per ~20k operations of work keeps the 50 ms promise on large
	// instances at no cost on small ones.
	every := max(1, min(64, 20000/g.n))
	for st.Progress(ts.Iterations) {
		for i := 0; i < every; i++ {
			if s.MaxIterations > 0 && ts.Iterations >= s.MaxIterations {
				break
			}
			improved, ok := ts.Step()
			if !ok && ts.provedOptimal() {
				sh.offer(ts.Current(), "tabu", ts.Iterations)
				sh.raise(ts.Current().makespan, false)
				st.Stop(solvers.Completed)
				break
			}
			if improved {
				stall = 0
				if sh.offer(ts.Best(), "tabu", ts.Iterations) {
					pool.newBest()
				}
				if sh.done() || int64(ts.Best().makespan) <= sh.bound.Load() {
					st.Stop(solvers.Completed)
					break
				}
				continue
			}
			if stall++; ok && stall < stallLimit {
				continue
			}
			stall = 0
			pool.offer(ts.Best())
			if lnsRounds > 0 && (l == nil || l.totalNodes*lnsShare < ts.Iterations) {
				// A few CP neighbourhoods on the shared best between tabu runs.
				sh.snapshot(a)
				if l == nil {
					l = newLNS(a, seed)
				}
				for r := 0; r < lnsRounds && !st.Stopped(); r++ {
					if l.round(st) {
						sh.offer(a, "lns", l.rounds)
						pool.offer(a)
					}
				}
			}
			fresh, emptied := pool.endRun()
			if emptied {
				poolResets++
			}
			if fresh {
				if sampler != nil {
					sampler.sample(a, rng)
					randomStarts++
					ts.Restart(a, 0)
				} else {
					pool.pick(rng, a)
					ts.Restart(a, 20+rng.IntN(20))
				}
				continue
			}
			var from *Graph
			if rng.IntN(restartEvery) != 0 {
				if d, ok := pool.pair(rng, a, b); ok {
					from = rl.relink(a, b, d, rng, st)
				}
			}
			if from != nil {
				relinks++
				ts.Restart(from, 0)
			} else {
				pool.pick(rng, a) // never empty: the run's best was just offered
				ts.Restart(a, 1+rng.IntN(4))
			}
		}
		if st.Stopped() {
			break
		}
	}
	stats := Stats{Iterations: ts.Iterations, MovesEvaluated: ts.Evaluated, Restarts: ts.Restarts, Relinks: relinks, RandomStarts: randomStarts, PoolResets: poolResets}
	if l != nil {
		stats.Nodes, stats.Neighborhoods, stats.LNSImprovements = l.totalNodes, l.rounds, l.improvements
	}
	return stats
}
