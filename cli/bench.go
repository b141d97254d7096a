package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	ucli "github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/draw"
)

func init() { register(benchCommand) }

func benchCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "bench",
		Usage: "run benchmark sweeps and report them",
		Commands: []*ucli.Command{
			{
				Name:      "run",
				Usage:     "run every (instance, configuration, seed) of a TOML spec, one JSON line each",
				ArgsUsage: "SPEC.toml",
				UsageText: "cosolve bench run benchmarks/specs/tsp-500-5s.toml --out tsp500.jsonl\n" +
					"   cosolve bench run benchmarks/specs/tsp-500-5s.toml --shard 3/8    # the 4th of 8 machines\n" +
					"   cosolve bench run benchmarks/specs/tsp-500-5s.toml --shard auto   # in a Slurm array task\n" +
					"   cosolve bench run benchmarks/specs/tsp-500-5s.toml --shard auto --shard-count 8   # Kubernetes, GNU parallel",
				Description: specFormat + "\n\n" +
					"The spec is checked before any run: files exist and hold the indices asked for, each\n" +
					"instance is of the kind its configurations solve, options and presets are known. The exit\n" +
					"code is 1 when any run failed (its line says why; the next bench run tries it again).\n\n" +
					"Lines are appended to --out; runs already recorded there are skipped, so an interrupted\n" +
					"sweep resumes where it stopped. A run recorded under other settings (the spec changed its\n" +
					"time limit, threads or options) runs again, and its old line moves to FILE.stale.\n" +
					"Each run executes in its own child process (its cpu_s and\n" +
					"max_rss_mb are its own); --shard i/n runs the runs whose position modulo n is i (0 ≤ i < n),\n" +
					"so a batch system can spread one spec over n machines. --shard auto reads i and n from a\n" +
					"Slurm job array (SLURM_ARRAY_TASK_ID and _COUNT), a Kubernetes Indexed Job\n" +
					"(JOB_COMPLETION_INDEX, n from --shard-count) or GNU parallel (PARALLEL_SEQ, n from\n" +
					"--shard-count). Each shard writes its own file (the default name includes the shard) and\n" +
					"locks it; bench merge or bench report read them together.",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "out", Usage: "append JSON lines to `FILE` (default: the spec's name, the shard when there are several, .jsonl)"},
					&ucli.StringFlag{Name: "shard", Usage: "run only shard `i/n` of the runs, or auto: the batch engine's task index"},
					&ucli.IntFlag{Name: "shard-count", Usage: "with --shard auto: the number of shards `N` (needed by Kubernetes and GNU parallel, and by a resubmitted part of a Slurm array)"},
					&ucli.BoolFlag{Name: "in-process", Usage: "run in this process instead of one child per run (no per-run memory figure)"},
				},
				Action: benchRun,
			},
			{
				Name:      "report",
				Usage:     "summarise JSON lines as a markdown table or CSV",
				ArgsUsage: "LINES.jsonl|GLOB...",
				UsageText: "cosolve bench report tsp500.jsonl --by config\n" +
					"   cosolve bench report tsp500.jsonl tsp-500-5s.shard-3-of-8.jsonl --by kind --by config --csv\n" +
					"   cosolve bench report 'tsp-500-5s.shard-*.jsonl' --spec benchmarks/specs/tsp-500-5s.toml\n" +
					"   cosolve bench report tsp500.jsonl --plot tsp500.svg   # then: rsvg-convert tsp500.svg -o tsp500.png",
				Description: "Files may be globs (quoted or not); a run recorded in several files counts once.\n" +
					"With --spec, rows follow the spec's order and stderr says which runs are missing,\n" +
					"failed, recorded twice or not in the spec.",
				Flags: []ucli.Flag{
					&ucli.StringSliceFlag{Name: "by", Value: []string{"config"}, Usage: "group by `FIELD` (repeatable; any top-level field of the lines)"},
					&ucli.BoolFlag{Name: "csv", Usage: "print CSV instead of markdown"},
					&ucli.StringFlag{Name: "spec", Usage: "check the runs against `SPEC.toml` and order them as it does"},
					&ucli.StringFlag{Name: "plot", Usage: "also draw the sweep into `FILE.svg`: mean gap to the reference against time (log axis), one line per configuration, and the mean final gap per class"},
					&ucli.StringFlag{Name: "class", Usage: "with --plot, the `FIELD` whose values are the bars' classes (default: size, n, corr or kind, the first the lines have)"},
				},
				Action: benchReport,
			},
			{
				Name:      "merge",
				Usage:     "merge the files of a sharded sweep into one, checking them against the spec",
				ArgsUsage: "LINES.jsonl|GLOB...",
				UsageText: "cosolve bench merge 'tsp-500-5s.shard-*.jsonl' --spec benchmarks/specs/tsp-500-5s.toml --out tsp-500-5s.jsonl",
				Description: "Writes one line per run (its successful line if it has one), in the spec's order with\n" +
					"--spec. Stderr lists runs missing, failed, recorded more than once or not in the spec; the\n" +
					"exit code is 1 when any run of the spec has no single successful line (the merged file is\n" +
					"written all the same) and 0 when every run ran exactly once.",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "spec", Usage: "check the runs against `SPEC.toml`"},
					&ucli.StringFlag{Name: "out", Value: "-", Usage: "write the merged lines to `FILE` (- for stdout)"},
				},
				Action: benchMerge,
			},
			{
				Name:      "plan",
				Usage:     "print what a batch system must reserve for a sweep split into shards",
				ArgsUsage: "SPEC.toml",
				UsageText: "cosolve bench plan benchmarks/specs/jssp-improve-taillard-60s.toml --shards 70",
				Description: "Prints key=value lines: runs, shards (at most one per run), runs_per_shard (of the\n" +
					"busiest shard), cpus_per_task (the largest thread count), shard_time_s (an upper bound\n" +
					"on a shard's wall time: each run's child is killed after twice its time limit plus a\n" +
					"minute) and files (a glob matching the shards' default files). deploy/slurm/submit.sh\n" +
					"sizes a job array with it.",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "shards", Usage: "split into `N` shards (default: one per run)"},
				},
				Action: benchPlan,
			},
			{
				Name:   "one",
				Usage:  "run one task given as JSON on stdin and print its envelope (used by bench run)",
				Hidden: true,
				Action: benchOne,
			},
		},
	}
}

// specName names a sweep's files: the spec's name, else its file name.
func specName(spec *benchmarks.Spec, path string) string {
	if spec.Name != "" {
		return spec.Name
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

func benchRun(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("bench run: want one SPEC.toml")
	}
	shard, err := benchmarks.ParseShard(cmd.String("shard"), int(cmd.Int("shard-count")), os.LookupEnv)
	if err != nil {
		return badInput(err)
	}
	specPath := cmd.Args().First()
	dir := dataDir(specPath)
	spec, err := benchmarks.LoadSpec(specPath, dir)
	if err != nil {
		return badInput(err)
	}
	if err := spec.Check(); err != nil {
		return badInput(fmt.Errorf("%s: %w", specPath, err))
	}
	out := cmd.String("out")
	if out == "" {
		out = shard.FileName(specName(spec, specPath))
	}
	errw := cmd.Root().ErrWriter
	if shard.Engine != "" {
		fmt.Fprintf(errw, "shard %s from %s, writing %s\n", shard, shard.Engine, out)
	}
	sweep := &benchmarks.Sweep{Tasks: spec.Tasks(dir), Out: out, Shard: shard.Index, Shards: shard.Count}
	if !cmd.Bool("in-process") {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		sweep.Exec = benchmarks.IsolatedExecutor(exe, "bench", "one")
	}
	var bar *progressbar.ProgressBar
	if f, ok := errw.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(errw), progressbar.OptionSetDescription("bench"), progressbar.OptionShowCount())
	}
	sweep.Warn = func(msg string) { fmt.Fprintln(errw, "warning:", msg) }
	sweep.Progress = func(done, total int, e benchmarks.Envelope, skipped bool) {
		if bar != nil {
			bar.ChangeMax(total)
			bar.Set(done)
			return
		}
		switch {
		case skipped:
		case e.Error != "":
			fmt.Fprintf(errw, "[%d/%d] %s %s seed %d: error: %s\n", done, total, e.Source, e.Config, e.Seed, e.Error)
		default:
			fmt.Fprintf(errw, "[%d/%d] %s\n", done, total, Summary(e))
		}
	}
	sum, err := sweep.Run(ctx)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(errw)
	}
	// A bad input stops the sweep before its first run: there is nothing to count.
	if errors.Is(err, benchmarks.ErrBadInput) {
		return badInput(err)
	}
	fmt.Fprintf(errw, "%s: %s, %d already recorded, %d failed, %d left to other shards\n", out, plural(sum.Ran, "run"), sum.Skipped, sum.Failed, sum.OtherShards)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: run the same command again to resume")
	}
	if err == nil && sum.Failed > 0 {
		return invalid(fmt.Errorf("%d of %d runs failed; their lines in %s say why, and the next bench run tries them again",
			sum.Failed, sum.Failed+sum.Ran, out))
	}
	return err
}

func benchOne(ctx context.Context, cmd *ucli.Command) error {
	var t benchmarks.Task
	if err := json.NewDecoder(cmd.Root().Reader).Decode(&t); err != nil {
		return usageErr("bench one: task JSON on stdin: %v", err)
	}
	out, err := benchmarks.Run(ctx, t)
	if err != nil {
		return classify(err)
	}
	return json.NewEncoder(cmd.Root().Writer).Encode(out.Envelope)
}

// mergeResults merges the files and globs of a report or merge, streamed line
// by line; with --spec it checks them against the spec's tasks.
func mergeResults(cmd *ucli.Command) (*benchmarks.Merged, error) {
	if cmd.Args().Len() == 0 {
		return nil, usageErr("bench %s: want at least one LINES.jsonl or glob", cmd.Name)
	}
	paths, err := expandGlobs(cmd.Args().Slice())
	if err != nil {
		return nil, err
	}
	var inputs []benchmarks.Input
	for _, path := range paths {
		r, name, closeInput, err := openInput(cmd.Root().Reader, path)
		if err != nil {
			return nil, err
		}
		defer closeInput()
		lines, err := decompressed(r, name)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, benchmarks.Input{Name: name, Reader: lines})
	}
	var tasks []benchmarks.Task
	if specPath := cmd.String("spec"); specPath != "" {
		dir := dataDir(specPath)
		spec, err := benchmarks.LoadSpec(specPath, dir)
		if err != nil {
			return nil, badInput(err)
		}
		tasks = spec.Tasks(dir)
	}
	merged, err := benchmarks.Merge(inputs, tasks)
	if err != nil {
		return nil, badInput(err)
	}
	return merged, nil
}

// expandGlobs expands the patterns among args itself, so a quoted glob works as
// well as one the shell expanded (and in a manifest, where no shell runs). A path
// named twice is read once.
func expandGlobs(args []string) ([]string, error) {
	var paths []string
	seen := map[string]bool{}
	for _, a := range args {
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			var err error
			matches, err = filepath.Glob(a)
			if err != nil {
				return nil, usageErr("%q: %v", a, err)
			}
			if len(matches) == 0 {
				return nil, usageErr("%q matches no file", a)
			}
		}
		for _, m := range matches {
			if key := filepath.Clean(m); m == "-" || !seen[key] {
				seen[key] = true
				paths = append(paths, m)
			}
		}
	}
	return paths, nil
}

func benchReport(_ context.Context, cmd *ucli.Command) error {
	merged, err := mergeResults(cmd)
	if err != nil {
		return err
	}
	if cmd.String("spec") != "" || !merged.Complete() {
		merged.WriteCheck(cmd.Root().ErrWriter, 20)
	}
	by := cmd.StringSlice("by")
	rows := merged.Rows()
	if missing := benchmarks.MissingFields(rows, by); len(rows) > 0 && len(missing) > 0 {
		return usageErr("--by %s: no line has this field (they have %s)", strings.Join(missing, ", "), strings.Join(benchmarks.Fields(rows), ", "))
	}
	if path := cmd.String("plot"); path != "" {
		if err := plotSweep(cmd, path, rows); err != nil {
			return err
		}
	}
	groups := benchmarks.Summarise(rows, by)
	w := cmd.Root().Writer
	if cmd.Bool("csv") {
		return benchmarks.WriteCSV(w, by, groups)
	}
	return benchmarks.WriteMarkdown(w, by, groups)
}

func benchMerge(_ context.Context, cmd *ucli.Command) error {
	merged, err := mergeResults(cmd)
	if err != nil {
		return err
	}
	err = writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error {
		_, err := merged.WriteTo(w)
		return err
	})
	if err != nil {
		return err
	}
	merged.WriteCheck(cmd.Root().ErrWriter, 50)
	if !merged.Complete() {
		return invalid(fmt.Errorf("bench merge: %d missing, %d failed, %d recorded more than once",
			len(merged.Missing), len(merged.Failed), len(merged.Duplicates)))
	}
	return nil
}

func benchPlan(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("bench plan: want one SPEC.toml")
	}
	if cmd.Int("shards") < 0 {
		return usageErr("--shards %d: want a positive number of shards", cmd.Int("shards"))
	}
	specPath := cmd.Args().First()
	dir := dataDir(specPath)
	spec, err := benchmarks.LoadSpec(specPath, dir)
	if err != nil {
		return badInput(err)
	}
	p := benchmarks.PlanShards(spec.Tasks(dir), int(cmd.Int("shards")))
	_, err = fmt.Fprintf(cmd.Root().Writer, "runs=%d\nshards=%d\nruns_per_shard=%d\ncpus_per_task=%d\nshard_time_s=%.0f\nfiles=%s\n",
		p.Runs, p.Shards, p.RunsPerShard, p.CPUs, p.ShardTime.Seconds(), benchmarks.ShardGlob(specName(spec, specPath), p.Shards))
	return err
}

// plotSweep draws the report's lines into path (see draw.SweepCharts).
func plotSweep(cmd *ucli.Command, path string, rows []map[string]any) error {
	class := cmd.String("class")
	if class != "" && !slices.Contains(benchmarks.Fields(rows), class) {
		return usageErr("--class %s: no line has this field", class)
	}
	series, bars := benchmarks.PlotData(rows, class)
	title := strings.Join(cmd.Args().Slice(), ", ")
	if spec := cmd.String("spec"); spec != "" {
		title = strings.TrimSuffix(filepath.Base(spec), filepath.Ext(spec))
	}
	err := writeFileAtomic(cmd.Root().Writer, path, func(w io.Writer) error {
		return draw.SweepCharts(w, title, series, bars)
	})
	if errors.Is(err, draw.ErrNothingToPlot) {
		return badInput(fmt.Errorf("--plot: %w", err))
	}
	return err
}
