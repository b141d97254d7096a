package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers/tsp"
)

func init() { register(tspCommand) }

func tspCommand() *ucli.Command {
	solveFl := append(solveFlags(defaultTSPLimit),
		&ucli.StringFlag{Name: "heatmap", Usage: "edge prior `H`: gt-prior, softdist or a heatmap file (dense text or sparse); default: the preset's"},
		&ucli.StringFlag{Name: "preset", Value: "cosolve", Usage: "configuration `NAME`: cosolve (ours), reference, fu-default, pan-softdist-500, pan-gt-1000-t0.01, … (see --help)"},
		&ucli.Int64Flag{Name: "iterations", Usage: "iteration budget `N` (sampled actions plus kicks); with --threads 1 the same seed gives the same tour"},
		&ucli.StringFlag{Name: "plot", Usage: "draw the tour as an SVG picture into `FILE`"},
	)
	return &ucli.Command{
		Name:  "tsp",
		Usage: "travelling salesman: heatmap + MCTS over k-opt moves, with LK-style descent",
		Commands: []*ucli.Command{
			{
				Name:  "solve",
				Usage: "find a short tour",
				UsageText: "cosolve tsp solve tsp500_test_concorde.txt --index 0 --time-limit 5s --out t.tour --plot t.svg\n" +
					"   cosolve tsp solve a280.tsp --preset reference --heatmap softdist --iterations 100000 --json\n\n" +
					"Presets: " + strings.Join(tsp.PresetNames(), ", "),
				Flags:  solveFl,
				Action: tspSolve,
			},
			{
				Name:      "heatmap",
				Usage:     "write a heatmap (edge prior) for an instance",
				UsageText: "cosolve tsp heatmap tsp500_test_concorde.txt --index 0 --heatmap softdist --out h0.txt",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files"},
					&ucli.StringFlag{Name: "heatmap", Value: "gt-prior", Usage: "`KIND`: gt-prior or softdist"},
					&ucli.Float64Flag{Name: "tau", Usage: "SoftDist temperature `T` (default: the published value for n = 500/1000/10000, else 0.16/√n)"},
					&ucli.StringFlag{Name: "format", Value: "dense", Usage: "`dense` (n then n rows of n numbers, the literature's format) or sparse (ours, O(n·k))"},
					&ucli.StringFlag{Name: "out", Usage: "write to `FILE` (\"-\" for stdout)", Required: true},
				},
				Action: tspHeatmap,
			},
		},
	}
}

const defaultTSPLimit = 5 * time.Second

func tspSolve(ctx context.Context, cmd *ucli.Command) error {
	opts := benchmarks.TSPOptions{Preset: cmd.String("preset"), Heatmap: cmd.String("heatmap"), Iterations: cmd.Int64("iterations")}
	task, err := solveTask(cmd, benchmarks.Config{Name: "tsp", Solver: "tsp", TSP: &opts})
	if err != nil {
		return err
	}
	out, err := runSolve(ctx, cmd, task, func(w io.Writer, o benchmarks.Outcome) error {
		return instances.WriteTour(w, o.Envelope.Instance, o.Solution.([]int))
	})
	if err != nil {
		return err
	}
	if path := cmd.String("plot"); path != "" {
		inst := out.Instance.(*instances.TSP)
		if !inst.HasCoords() {
			return usageErr("--plot: %s has no coordinates to draw", inst.Name)
		}
		return writeFileAtomic(cmd.Root().Writer, path, func(w io.Writer) error {
			return writeTourSVG(w, inst, out.Solution.([]int), fmt.Sprintf("%s: length %.6g", inst.Name, *out.Envelope.Objective))
		})
	}
	return nil
}

func tspHeatmap(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("tsp heatmap: want exactly one instance file, got %d arguments", cmd.Args().Len())
	}
	index := int(cmd.Int("index"))
	if index < 0 {
		return usageErr("--index %d: must be 0 or more", index)
	}
	src := benchmarks.Source{Path: cmd.Args().First(), Index: index}
	if src.Path == "-" {
		data, _, err := readInput(cmd.Root().Reader, "-")
		if err != nil {
			return err
		}
		src.Data = data
	}
	inst, err := benchmarks.LoadTSPSource(src)
	if err != nil {
		return badInput(err)
	}
	tau := cmd.Float64("tau")
	if tau < 0 || math.IsNaN(tau) {
		return usageErr("--tau %v: must be positive", tau)
	}
	h, ok := heatmap.ByName(inst, cmd.String("heatmap"), tau)
	if !ok {
		return usageErr("--heatmap %q: want one of %s", cmd.String("heatmap"), strings.Join(heatmap.Names, ", "))
	}
	var write func(io.Writer, *heatmap.Heatmap) error
	switch f := cmd.String("format"); f {
	case "dense":
		write = heatmap.WriteDense
	case "sparse":
		write = heatmap.WriteSparse
	default:
		return usageErr("--format %q: want dense or sparse", f)
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error { return write(w, h) })
}

// writeTourSVG draws the tour over the points: thin strokes and no labels, so
// n = 10,000 stays readable; points are drawn only for small n.
func writeTourSVG(w io.Writer, inst *instances.TSP, tour []int, title string) error {
	const size, margin = 1000.0, 20.0
	minX, maxX, minY, maxY := inst.X[0], inst.X[0], inst.Y[0], inst.Y[0]
	for i := range inst.X {
		minX, maxX = math.Min(minX, inst.X[i]), math.Max(maxX, inst.X[i])
		minY, maxY = math.Min(minY, inst.Y[i]), math.Max(maxY, inst.Y[i])
	}
	ext := math.Max(maxX-minX, maxY-minY)
	if ext == 0 {
		ext = 1
	}
	scale := (size - 2*margin) / ext
	px := func(i int) (float64, float64) {
		return margin + (inst.X[i]-minX)*scale, size - margin - (inst.Y[i]-minY)*scale
	}
	n := len(tour)
	stroke := math.Max(0.2, math.Min(1.5, 60/math.Sqrt(float64(n))))
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\">\n", size, size+30, size, size+30)
	fmt.Fprintf(bw, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n")
	fmt.Fprintf(bw, "<text x=\"%g\" y=\"%g\" font-family=\"sans-serif\" font-size=\"16\">%s</text>\n", margin, size+20, xmlEscape(title))
	fmt.Fprintf(bw, "<polygon fill=\"none\" stroke=\"#1f4e8c\" stroke-width=\"%.2f\" stroke-linejoin=\"round\" points=\"", stroke)
	for k, v := range tour {
		x, y := px(v)
		if k > 0 {
			bw.WriteByte(' ')
		}
		fmt.Fprintf(bw, "%.1f,%.1f", x, y)
	}
	fmt.Fprintf(bw, "\"/>\n")
	if n <= 2000 {
		r := math.Max(1, 2*stroke)
		fmt.Fprintf(bw, "<g fill=\"#c0392b\">\n")
		for i := 0; i < n; i++ {
			x, y := px(i)
			fmt.Fprintf(bw, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>\n", x, y, r)
		}
		fmt.Fprintf(bw, "</g>\n")
	}
	fmt.Fprintf(bw, "</svg>\n")
	return bw.Flush()
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")
	return r.Replace(s)
}
