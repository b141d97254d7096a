package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/cosolve/cosolve/internal/cpuclock"
	"github.com/cosolve/cosolve/solvers"
)

// ErrUnknownSolver is returned for a configuration naming no registered solver.
var ErrUnknownSolver = errors.New("unknown solver")

// ErrBadInput marks errors caused by the user's input (instance, options, limits),
// which the CLI reports with exit code 2.
var ErrBadInput = errors.New("bad input")

// ErrInvalidResult marks a solution that failed the independent checker: a bug, never
// printed as a result; the CLI exits 1.
var ErrInvalidResult = errors.New("solution failed the independent check")

// Source says where a run's instance comes from: a file (with an index into
// multi-instance files) or a generator.
type Source struct {
	Path  string `toml:"path" json:"path,omitempty"`
	Index int    `toml:"index" json:"index,omitempty"`
	// Generator names a seeded generator: "uniform" or "clustered" (TSP, with N),
	// "taillard" (job shop, with Name = "taNN"), "random" (job shop, with Jobs and
	// Machines).
	Generator string `toml:"generator" json:"generator,omitempty"`
	Name      string `toml:"name" json:"name,omitempty"`
	N         int    `toml:"n" json:"n,omitempty"`
	Jobs      int    `toml:"jobs" json:"jobs,omitempty"`
	Machines  int    `toml:"machines" json:"machines,omitempty"`
	GenSeed   uint64 `toml:"gen_seed" json:"gen_seed,omitempty"`
	// Reader, when set, streams the content of Path (standard input for a Path
	// of "-", or a file the caller opened); adapters parse it instead of
	// opening Path. It is read once.
	Reader io.Reader `toml:"-" json:"-"`
}

// Config is a named solver configuration. The solver's own settings are in
// the options field of its kind (TSP, JSSP or Robust; nil means the
// defaults); a spec's options table is decoded into it.
type Config struct {
	Name   string `toml:"name" json:"name"`
	Solver string `toml:"solver" json:"solver"`
	// Threads, when set, overrides the spec's threads for this configuration, so
	// one sweep can compare thread counts under the same conditions.
	Threads *int           `toml:"threads" json:"threads,omitempty"`
	TSP     *TSPOptions    `toml:"-" json:"tsp,omitempty"`
	JSSP    *JSSPOptions   `toml:"-" json:"jssp,omitempty"`
	Robust  *RobustOptions `toml:"-" json:"robust,omitempty"`
	LKH     *LKHOptions    `toml:"-" json:"lkh,omitempty"`
	// Options is the spec's raw options table, decoded by LoadSpec.
	Options toml.Primitive `toml:"options" json:"-"`
}

// limits are the run-control limits of the task; options add MaxIterations.
func (t Task) limits() solvers.Limits {
	return solvers.Limits{TimeLimit: t.TimeLimit, Seed: t.Seed, Threads: t.Threads}
}

// Task is one run.
type Task struct {
	Source Source
	Config Config
	Seed   uint64
	// TimeLimit is the run's wall-clock limit from the start of Run, loading
	// the instance included; 0 means none (the solver's iteration budget ends
	// the run).
	TimeLimit time.Duration
	Threads   int
	// DataDir is where references are looked up; empty means no reference.
	DataDir string
	// Observer, when set, watches the run (the command line's search log).
	Observer *Observer `json:"-"`

	rec *recorder // the trace; set by Run
}

// Outcome is what an adapter returns: the envelope, plus the instance and solution
// in their own types so a caller can write solution files or pictures.
type Outcome struct {
	Envelope Envelope
	Instance any
	Solution any
	// ChildCPU is the CPU time of external processes the run started and
	// waited for (LKH), which the process's own CPU time does not count.
	ChildCPU float64
	// FoundBy is the phase that found the solution ("kick", "tabu", "polish",
	// …; see each solver's Solution), for captions.
	FoundBy string
}

// SolverFunc runs one task. It loads the instance, solves, validates the solution
// with the instances checker (a failure wraps ErrInvalidResult) and fills the
// envelope (cpu_s and max_rss_mb are filled by the caller). Errors caused by the
// task's input wrap ErrBadInput.
type SolverFunc func(ctx context.Context, t Task) (Outcome, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]SolverFunc{}
)

// Register makes a solver available to Run under name; adapters call it from init.
func Register(name string, fn SolverFunc) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("benchmarks: solver registered twice: " + name)
	}
	registry[name] = fn
}

func knownSolver(name string) bool {
	registryMu.RLock()
	defer registryMu.RUnlock()
	_, ok := registry[name]
	return ok
}

// Solvers lists the registered solver names.
func Solvers() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Run executes one task in this process and fills time_s, cpu_s and the
// trace of improvements.
func Run(ctx context.Context, t Task) (Outcome, error) {
	registryMu.RLock()
	fn, ok := registry[t.Config.Solver]
	registryMu.RUnlock()
	if !ok {
		return Outcome{}, fmt.Errorf("%w %q (have %s)", ErrUnknownSolver, t.Config.Solver, strings.Join(Solvers(), ", "))
	}
	if t.TimeLimit < 0 {
		return Outcome{}, fmt.Errorf("%w: time limit %v must be positive", ErrBadInput, t.TimeLimit)
	}
	cpu0 := cpuclock.Process().Seconds()
	start := time.Now()
	if t.TimeLimit > 0 {
		// The limit is wall-clock for the whole run: reading a large instance
		// counts against it, as the command line promises.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(t.TimeLimit))
		defer cancel()
	}
	t.rec = &recorder{start: start, obs: t.Observer}
	out, err := fn(ctx, t)
	if err != nil {
		return out, err
	}
	out.Envelope.TimeS = time.Since(start).Seconds()
	out.Envelope.Trace = t.rec.points()
	out.Envelope.CPUS = cpuclock.Process().Seconds() - cpu0 + out.ChildCPU
	out.Envelope.Seed = t.Seed
	if out.Envelope.Config == "" {
		out.Envelope.Config = t.Config.Name
	}
	return out, nil
}
