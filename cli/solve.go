package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
)

// solveFlags are the flags every `<problem> solve` command shares, in one style.
func solveFlags(defaultLimit time.Duration) []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files (TSP line sets, Taillard files)"},
		&ucli.DurationFlag{Name: "time-limit", Value: defaultLimit, Usage: "wall-clock budget `D` (e.g. 500ms, 10s, 2m); the library has no default limit"},
		&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S` (the library's default is 0): same seed, one thread and an iteration budget give the same result"},
		&ucli.IntFlag{Name: "threads", Value: 1, Usage: "worker goroutines `T` (0 = all cores, the library's default; one here so that runs repeat)"},
		&ucli.StringFlag{Name: "out", Usage: "write the solution to `FILE` (\"-\" for stdout)"},
		&ucli.BoolFlag{Name: "json", Usage: "print the result as one JSON object (the envelope of every cosolve tool)"},
	}
}

// solveTask builds the task of a solve command from the shared flags, the
// instance argument and the configuration holding the solver's own options.
func solveTask(cmd *ucli.Command, config benchmarks.Config) (benchmarks.Task, error) {
	if cmd.Args().Len() != 1 {
		return benchmarks.Task{}, usageErr("%s: want exactly one instance file (or - for stdin), got %d arguments", cmd.FullName(), cmd.Args().Len())
	}
	path := cmd.Args().First()
	limit := cmd.Duration("time-limit")
	if limit <= 0 {
		return benchmarks.Task{}, usageErr("--time-limit %v: must be positive", limit)
	}
	threads := int(cmd.Int("threads"))
	if threads < 0 {
		return benchmarks.Task{}, usageErr("--threads %d: must be 0 (all cores) or more", threads)
	}
	index := int(cmd.Int("index"))
	if index < 0 {
		return benchmarks.Task{}, usageErr("--index %d: must be 0 or more", index)
	}
	src := benchmarks.Source{Path: path, Index: index}
	if path == "-" {
		data, _, err := readInput(cmd.Root().Reader, path)
		if err != nil {
			return benchmarks.Task{}, err
		}
		src.Data = data
	}
	if err := config.Validate(); err != nil {
		return benchmarks.Task{}, usageErr("%v", err)
	}
	dir := dataDir(path)
	return benchmarks.Task{
		Source:    src,
		Config:    config,
		Seed:      cmd.Uint64("seed"),
		TimeLimit: limit,
		Threads:   threads,
		DataDir:   dir,
	}, nil
}

// runSolve runs the task, writes the solution with writeOut when --out is set, and
// prints the JSON envelope or a one-line summary.
func runSolve(ctx context.Context, cmd *ucli.Command, task benchmarks.Task, writeOut func(io.Writer, benchmarks.Outcome) error) (benchmarks.Outcome, error) {
	out, err := benchmarks.Run(ctx, task)
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
		enc := json.NewEncoder(w)
		return out, enc.Encode(out.Envelope)
	}
	_, err = fmt.Fprintln(w, Summary(out.Envelope))
	return out, err
}

// classify maps solver errors to exit codes: input problems are usage errors, a
// failed independent check is exit 1.
func classify(err error) error {
	switch {
	case errors.Is(err, benchmarks.ErrInvalidResult):
		return invalid(err)
	default:
		return badInput(err)
	}
}

// Summary is the one-line human form of an envelope.
func Summary(e benchmarks.Envelope) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  objective %s", e.Instance, e.Kind, fmtNum(e.Objective))
	if e.Bound != nil {
		fmt.Fprintf(&b, "  bound %s", fmtNum(e.Bound))
	}
	if e.Reference != nil {
		kind := ""
		if e.ReferenceKind != nil {
			kind = " (" + *e.ReferenceKind + ")"
		}
		fmt.Fprintf(&b, "  reference %s%s", fmtNum(e.Reference), kind)
		if e.GapPct != nil {
			fmt.Fprintf(&b, "  gap %+.3f%%", *e.GapPct)
		}
	}
	fmt.Fprintf(&b, "  %s (%s)  %.2fs", e.Status, e.StopReason, e.TimeS)
	return b.String()
}

func fmtNum(v *float64) string {
	if v == nil {
		return "-"
	}
	if *v == math.Trunc(*v) && math.Abs(*v) < 1e15 {
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.6g", *v)
}
