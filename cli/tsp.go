package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/draw"
	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers/tsp"
)

func init() { register(tspCommand) }

func tspCommand() *ucli.Command {
	solveFl := append(solveFlags(defaultTSPLimit), stopAtReferenceFlag(),
		&ucli.StringFlag{Name: "heatmap", Usage: "edge prior `H`: gt-prior, softdist, alpha (α-nearness, with a Held–Karp lower bound), a heatmap file (dense text or sparse) or an ONNX model (FILE.onnx, see tsp heatmap --help); the default method takes its candidate edges from it; default: the preset's (cosolve: alpha up to 50,000 nodes, and up to 150,000 with a --time-limit of at least 0.6 ms per node; gt-prior above)"},
		&ucli.StringFlag{Name: "preset", Value: "cosolve", Usage: "configuration `NAME`: cosolve (ours), reference, fu-default, pan-softdist-500, pan-gt-1000-t0.01, … (see --help)"},
		&ucli.Int64Flag{Name: "iterations", Usage: "iteration budget `N` (sampled actions plus kicks); with --threads 1 the same seed gives the same tour"},
		&ucli.StringFlag{Name: "plot", Usage: "draw the tour as an SVG picture into `FILE`"},
	)
	return &ucli.Command{
		Name:  "tsp",
		Usage: "travelling salesman: heatmap + MCTS over k-opt moves, with chained k-opt descent",
		Commands: []*ucli.Command{
			{
				Name:  "solve",
				Usage: "find a short tour",
				UsageText: "cosolve tsp solve tsp500_test_concorde.txt --index 0 --time-limit 5 --out t.tour --plot t.svg\n" +
					"   cosolve tsp solve gr666.tsp --preset reference --heatmap softdist --iterations 100000 --json\n" +
					"   cosolve tsp solve burma14.tsp --stop-at-reference --log\n" +
					"   cosolve tsp solve gr17.tsp --heatmap alpha --json   # stops once the tour meets the Held–Karp bound\n\n" +
					"The search log (stderr) is on by default on a terminal: a header, one line per new best\n" +
					"(time, objective, gap to the reference and to our bound, what found it, iteration), a\n" +
					"heartbeat after --log-interval without one, and the closing statistics and summary.\n\n" +
					"Presets: " + strings.Join(tsp.PresetNames(), ", "),
				Flags:  solveFl,
				Action: tspSolve,
			},
			tspTrainHeatmapCommand(),
			{
				Name:  "heatmap",
				Usage: "write a heatmap (edge prior) for an instance",
				UsageText: "cosolve tsp heatmap tsp500_test_concorde.txt --index 0 --heatmap softdist --out h0.txt\n" +
					"   cosolve tsp heatmap tsp500_test_concorde.txt --index 0 --heatmap edge.onnx --format sparse --out h0.txt\n\n" +
					"An ONNX heatmap model (--heatmap FILE.onnx, also for tsp solve and in sweep specs) follows\n" +
					"this contract, which torch.onnx.export meets with input_names=[\"coords\", \"edges\"] and\n" +
					"output_names=[\"scores\"]:\n" +
					"  input  coords  float32 [n, 2]: the coordinates shifted to start at 0 and divided by the\n" +
					"                 larger of the x and y extents (the points span [0, 1] along the longer side)\n" +
					"  input  edges   int64 [n, k] (or [n·k]): each node's k = min(10, n−1) nearest other nodes,\n" +
					"                 nearest first, 0-based, ties to the lower number\n" +
					"  output scores  float32 [n, k]: a logit per candidate edge (i, edges[i][r])\n" +
					"The heatmap is each row's softmax, symmetrised ((H + Hᵀ)/2); a model that ends with a\n" +
					"log-softmax over the row gets its probabilities back. Opsets 13-18, the operators that\n" +
					"model info lists; n is limited by the largest tensor the model makes (2^24 values).\n" +
					"heatmap/models/tsp-edge.onnx in the repository is such a model, made by tsp train-heatmap.",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files"},
					&ucli.StringFlag{Name: "heatmap", Value: "gt-prior", Usage: "`KIND`: gt-prior, softdist, alpha, or an ONNX model FILE.onnx"},
					&ucli.Float64Flag{Name: "tau", Usage: "SoftDist temperature `T` (default: the published value for n = 500/1000/10000, else 0.16/√n)"},
					&ucli.StringFlag{Name: "format", Value: "dense", Usage: "`dense` (n then n rows of n numbers, the literature's format) or sparse (ours, O(n·k))"},
					&ucli.StringFlag{Name: "out", Usage: "write to `FILE` (\"-\" for stdout); required"},
				},
				Action: tspHeatmap,
			},
		},
	}
}

const defaultTSPLimit = 5 * time.Second

func tspSolve(ctx context.Context, cmd *ucli.Command) error {
	opts := benchmarks.TSPOptions{Preset: cmd.String("preset"), Heatmap: cmd.String("heatmap"), Iterations: cmd.Int64("iterations"),
		StopAtReference: cmd.Bool("stop-at-reference")}
	task, err := solveTask(cmd, benchmarks.Config{Name: "tsp", Solver: "tsp", TSP: &opts}, instances.KindTSP)
	if err != nil {
		return err
	}
	plot := cmd.String("plot")
	var start func(benchmarks.RunInfo) error
	if plot != "" {
		start = func(info benchmarks.RunInfo) error {
			if p := info.Problem.(*instances.TSP); draw.CanDrawTour(p) != nil {
				return usageErr("--plot: %s gives its distances as a matrix (EDGE_WEIGHT_TYPE %s), so it has no coordinates to draw; drop --plot", p.Name, p.Metric)
			}
			return nil
		}
	}
	out, err := runSolve(ctx, cmd, task, start, func(w io.Writer, o benchmarks.Outcome) error {
		return instances.WriteTour(w, o.Envelope.Instance, o.Solution.([]int))
	})
	if err != nil || plot == "" {
		return err
	}
	inst := out.Instance.(*instances.TSP)
	e := out.Envelope
	labels := draw.Labels{
		Title: fmt.Sprintf("%s (%d nodes, %s)", inst.Name, inst.N(), inst.Metric),
		Caption: draw.Caption(fmt.Sprintf("preset %s, best tour found by %s", e.Extra["preset"], cmp.Or(out.FoundBy, "the start")),
			"length", *e.Objective, e.GapPct, e.Reference, deref(e.ReferenceKind), e.TimeS),
	}
	return writeFileAtomic(cmd.Root().Writer, plot, func(w io.Writer) error {
		return draw.Tour(w, inst, out.Solution.([]int), labels)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func tspHeatmap(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("tsp heatmap: want exactly one instance file, got %d arguments", cmd.Args().Len())
	}
	if cmd.String("out") == "" {
		return usageErr("tsp heatmap: --out FILE is required (\"-\" for stdout: a dense heatmap is n² numbers)")
	}
	index := int(cmd.Int("index"))
	if index < 0 {
		return usageErr("--index %d: must be 0 or more", index)
	}
	src, err := instanceSource(cmd, index, instances.KindTSP)
	if err != nil {
		return err
	}
	inst, err := benchmarks.LoadTSPSource(src)
	if err != nil {
		return badInput(err)
	}
	tau := cmd.Float64("tau")
	if tau < 0 || math.IsNaN(tau) {
		return usageErr("--tau %v: must be positive", tau)
	}
	var write func(io.Writer, *heatmap.Heatmap) error
	switch f := cmd.String("format"); f {
	case "dense":
		if n := inst.N(); n > maxDenseNodes {
			return usageErr("--format dense: n = %d would write n² = %.1e numbers; dense heatmaps stop at %d nodes, use --format sparse", n, float64(n)*float64(n), maxDenseNodes)
		}
		write = heatmap.WriteDense
	case "sparse":
		write = heatmap.WriteSparse
	default:
		return usageErr("--format %q: want dense or sparse", f)
	}
	var h *heatmap.Heatmap
	switch name := cmd.String("heatmap"); {
	case strings.HasSuffix(name, ".onnx"):
		om, err := heatmap.LoadONNX(name)
		if err != nil {
			return badInput(err)
		}
		if h, err = om.Heatmap(inst); err != nil {
			return badInput(err)
		}
	default:
		if _, ok := heatmap.Kind(name); !ok {
			return usageErr("--heatmap %q: want one of %s, or an ONNX model FILE.onnx", name, strings.Join(heatmap.Names, ", "))
		}
		if h, _, err = heatmap.ByName(ctx, inst, name, heatmap.ByNameOptions{Tau: tau}); err != nil {
			return err
		}
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error { return write(w, h) })
}

// maxDenseNodes bounds --format dense: at 20,000 nodes the file already holds
// 4·10^8 numbers, some 4 GB, more than the literature's tools read.
const maxDenseNodes = 20_000
