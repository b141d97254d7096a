package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/draw"
	"github.com/cosolve/cosolve/instances"
)

// solveFlags are the flags every `<problem> solve` command shares, in one style.
func solveFlags(defaultLimit time.Duration) []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files (TSP line sets, Taillard files)"},
		secondsFlag("time-limit", defaultLimit, "wall-clock budget `D` from the program's start (reading the instance counts) in seconds (2, 0.5) or as a duration (500ms, 10s, 2m); the library has no default limit"),
		&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S` (the library's default is 0): same seed, one thread and an iteration budget give the same result"},
		&ucli.IntFlag{Name: "threads", Value: 1, Usage: "worker goroutines `T` (0 = all cores, the library's default; one here so that runs repeat)"},
		&ucli.StringFlag{Name: "out", Usage: "write the solution to `FILE` (\"-\" for stdout)"},
		&ucli.BoolFlag{Name: "json", Usage: "print the result on stdout as one JSON object (the envelope of every cosolve tool, with the trace of improvements)"},
		&ucli.BoolFlag{Name: "log", Usage: "print the search log on stderr even when it is not a terminal (it is on by default on a terminal)"},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print neither the search log nor the summary (errors only)"},
		secondsFlag("log-interval", 5*time.Second, "with the log, print a heartbeat line after `D` without a new best (0 = never)"),
	}
}

// stopAtReferenceFlag is for the solvers whose options have StopAtReference.
func stopAtReferenceFlag() ucli.Flag {
	return &ucli.BoolFlag{Name: "stop-at-reference", Usage: "stop once the published reference is reached (LKH's OPTIMUM); the result is optimal when the reference is a proved optimum"}
}

// solveTask builds the task of a solve command from the shared flags, the
// instance argument and the configuration holding the solver's own options;
// kind is the problem the command solves, so a file of another kind is refused
// with a message naming the right command rather than a parser's complaint.
func solveTask(cmd *ucli.Command, config benchmarks.Config, kinds ...instances.Kind) (benchmarks.Task, error) {
	if cmd.Args().Len() != 1 {
		return benchmarks.Task{}, usageErr("%s: want exactly one instance file (or - for stdin), got %d arguments", cmd.FullName(), cmd.Args().Len())
	}
	limit := durationOf(cmd, "time-limit")
	if limit <= 0 {
		return benchmarks.Task{}, usageErr("--time-limit %v: must be positive", limit)
	}
	if d := durationOf(cmd, "log-interval"); d < 0 {
		return benchmarks.Task{}, usageErr("--log-interval %v: must be 0 (no heartbeat) or positive", d)
	}
	if cmd.Bool("log") && cmd.Bool("quiet") {
		return benchmarks.Task{}, usageErr("--log and --quiet contradict each other")
	}
	if cmd.Bool("json") && cmd.String("out") == "-" {
		return benchmarks.Task{}, usageErr("--json and --out - both write to stdout: write the solution to a file, or take it from the JSON")
	}
	threads := int(cmd.Int("threads"))
	if threads < 0 {
		return benchmarks.Task{}, usageErr("--threads %d: must be 0 (all cores) or more", threads)
	}
	index := int(cmd.Int("index"))
	if index < 0 {
		return benchmarks.Task{}, usageErr("--index %d: must be 0 or more", index)
	}
	if err := config.Validate(); err != nil {
		return benchmarks.Task{}, usageErr("%v", err)
	}
	src, err := instanceSource(cmd, index, kinds...)
	if err != nil {
		return benchmarks.Task{}, err
	}
	return benchmarks.Task{
		Source:    src,
		Config:    config,
		Seed:      cmd.Uint64("seed"),
		TimeLimit: limit,
		Threads:   threads,
		DataDir:   dataDir(src.Path),
	}, nil
}

// instanceSource is the command's instance argument (a file, a bundled name,
// or - for stdin) as a source for the benchmarks loaders, after checking that
// it holds one of the wanted kinds.
func instanceSource(cmd *ucli.Command, index int, kinds ...instances.Kind) (benchmarks.Source, error) {
	path := resolveInstance(cmd.Args().First())
	src := benchmarks.Source{Path: path, Index: index}
	r, name, closeInput, err := openInput(cmd.Root().Reader, path)
	if err != nil {
		return benchmarks.Source{}, err
	}
	head, err := peekHead(r, name)
	if path == "-" {
		src.Reader = r
	} else {
		// The loader opens the file itself.
		closeInput()
	}
	if err != nil {
		return benchmarks.Source{}, err
	}
	return src, checkKind(head, name, kinds...)
}

// checkKind refuses an instance of another problem than those wanted (the
// first is named in the message).
func checkKind(head []byte, name string, want ...instances.Kind) error {
	got := instances.DetectKind(head)
	if got == instances.KindUnknown || slices.Contains(want, got) {
		return nil
	}
	return usageErr("%s is a %s instance, not a %s one: use `cosolve %s`", name, kindWords[got], kindWords[want[0]], kindCommand[got])
}

var (
	kindWords = map[instances.Kind]string{instances.KindTSP: "TSP", instances.KindJobShop: "job-shop", instances.KindRobustKnapsack: "robust knapsack",
		instances.KindCapitalBudget: "capital budgeting"}
	kindCommand = map[instances.Kind]string{instances.KindTSP: "tsp solve", instances.KindJobShop: "jssp solve", instances.KindRobustKnapsack: "robust solve",
		instances.KindCapitalBudget: "robust solve"}
)

func inputName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// runSolve runs the task with the search log and the summary on stderr, then
// writes the solution with writeOut when --out is set and the JSON envelope
// with --json; those are the only things on stdout. start, when set, checks the
// loaded instance before the search (a picture that cannot be drawn is refused
// before the time limit is spent).
func runSolve(ctx context.Context, cmd *ucli.Command, task benchmarks.Task, start func(benchmarks.RunInfo) error, writeOut func(io.Writer, benchmarks.Outcome) error) (benchmarks.Outcome, error) {
	errw := cmd.Root().ErrWriter
	quiet := cmd.Bool("quiet")
	var log *searchLog
	if !quiet && (cmd.Bool("log") || isTerminal(errw)) {
		log = newSearchLog(errw, limitsText(task), durationOf(cmd, "log-interval"))
		task.Observer = log.observer(start)
	} else if start != nil {
		task.Observer = &benchmarks.Observer{Start: start}
	}
	if task.TimeLimit > 0 {
		// Wall-clock from the start of the program, as --time-limit promises:
		// start-up and reading the instance count.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, cmp.Or(programStart, time.Now()).Add(task.TimeLimit))
		defer cancel()
	}
	out, err := benchmarks.Run(ctx, task)
	if log != nil {
		if err != nil {
			log.finish(nil)
		} else {
			log.finish(&out.Envelope)
		}
	}
	if err != nil {
		return out, classify(err)
	}
	w := cmd.Root().Writer
	if path := cmd.String("out"); path != "" {
		if err := writeFileAtomic(w, path, func(fw io.Writer) error { return writeOut(fw, out) }); err != nil {
			return out, err
		}
	}
	if cmd.Bool("json") {
		if err := json.NewEncoder(w).Encode(out.Envelope); err != nil {
			return out, err
		}
	}
	if !quiet {
		fmt.Fprintln(errw, Summary(out.Envelope))
	}
	return out, nil
}

// limitsText is the task's limits in words, for the log's header.
func limitsText(t benchmarks.Task) string {
	threads := "all cores"
	if t.Threads > 0 {
		threads = plural(t.Threads, "thread")
	}
	return fmt.Sprintf("time limit %v, seed %d, %s", t.TimeLimit, t.Seed, threads)
}

// plural writes "1 thread", "2 threads".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// classify maps solver errors to exit codes: input problems are usage errors, a
// failed independent check is exit 1.
func classify(err error) error {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return err
	case errors.Is(err, benchmarks.ErrInvalidResult):
		return invalid(err)
	default:
		return badInput(err)
	}
}

// Summary is the one-line human form of an envelope.
func Summary(e benchmarks.Envelope) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  objective %s", e.Instance, e.Kind, formatPtr(e.Objective))
	if e.Bound != nil {
		fmt.Fprintf(&b, "  bound %s", formatPtr(e.Bound))
	}
	if e.Reference != nil {
		kind := ""
		if e.ReferenceKind != nil {
			kind = " (" + *e.ReferenceKind + ")"
		}
		fmt.Fprintf(&b, "  reference %s%s", formatPtr(e.Reference), kind)
		if e.GapPct != nil {
			fmt.Fprintf(&b, "  gap %+.3f%%", *e.GapPct)
		}
	}
	fmt.Fprintf(&b, "  %s (%s)  %.2fs", e.Status, e.StopReason, e.TimeS)
	return b.String()
}

func formatPtr(v *float64) string {
	if v == nil {
		return "-"
	}
	return draw.Number(*v)
}
