package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	ucli "github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/cosolve/cosolve/benchmarks"
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
					"   cosolve bench run SPEC.toml --out part3.jsonl --shard 3/8   # the 4th of 8 machines",
				Description: "Lines are appended to --out; runs already recorded there are skipped, so an interrupted\n" +
					"sweep resumes where it stopped. Each run executes in its own child process (its cpu_s and\n" +
					"max_rss_mb are its own); --shard i/n runs the runs whose position modulo n is i (0 ≤ i < n),\n" +
					"so a batch system can spread one spec over n machines and concatenate their files.",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "out", Usage: "append JSON lines to `FILE` (default: the spec's name + .jsonl)"},
					&ucli.StringFlag{Name: "shard", Usage: "run only shard `i/n` of the runs"},
					&ucli.BoolFlag{Name: "in-process", Usage: "run in this process instead of one child per run (no per-run memory figure)"},
				},
				Action: benchRun,
			},
			{
				Name:      "report",
				Usage:     "summarise JSON lines as a markdown table or CSV",
				ArgsUsage: "LINES.jsonl...",
				UsageText: "cosolve bench report tsp500.jsonl --by config\n   cosolve bench report a.jsonl b.jsonl --by kind --by config --csv",
				Flags: []ucli.Flag{
					&ucli.StringSliceFlag{Name: "by", Value: []string{"config"}, Usage: "group by `FIELD` (repeatable; any top-level field of the lines)"},
					&ucli.BoolFlag{Name: "csv", Usage: "print CSV instead of markdown"},
				},
				Action: benchReport,
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

func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usageErr("--shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

func benchRun(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("bench run: want one SPEC.toml")
	}
	specPath := cmd.Args().First()
	dir := dataDir(specPath)
	spec, err := benchmarks.LoadSpec(specPath, dir)
	if err != nil {
		return badInput(err)
	}
	shard, shards, err := parseShard(cmd.String("shard"))
	if err != nil {
		return err
	}
	out := cmd.String("out")
	if out == "" {
		name := spec.Name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(specPath), filepath.Ext(specPath))
		}
		out = name + ".jsonl"
	}
	sweep := &benchmarks.Sweep{Tasks: spec.Tasks(dir), Out: out, Shard: shard, Shards: shards}
	if !cmd.Bool("in-process") {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		sweep.Exec = benchmarks.IsolatedExecutor(exe, "bench", "one")
	}
	errw := cmd.Root().ErrWriter
	var bar *progressbar.ProgressBar
	if f, ok := errw.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(errw), progressbar.OptionSetDescription("bench"), progressbar.OptionShowCount())
	}
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
	fmt.Fprintf(cmd.Root().Writer, "%s: %d run, %d already recorded, %d failed, %d left to other shards\n", out, sum.Ran, sum.Skipped, sum.Failed, sum.OtherShards)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: run the same command again to resume")
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

func benchReport(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() == 0 {
		return usageErr("bench report: want at least one LINES.jsonl")
	}
	var rows []map[string]any
	for _, path := range cmd.Args().Slice() {
		data, name, err := readInput(cmd.Root().Reader, path)
		if err != nil {
			return err
		}
		r, err := benchmarks.ReadLines(strings.NewReader(string(data)), name)
		if err != nil {
			return badInput(err)
		}
		rows = append(rows, r...)
	}
	by := cmd.StringSlice("by")
	groups := benchmarks.Summarise(rows, by)
	w := cmd.Root().Writer
	if cmd.Bool("csv") {
		return benchmarks.WriteCSV(w, by, groups)
	}
	return benchmarks.WriteMarkdown(w, by, groups)
}
