package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers/jssp"
)

func init() { register(jsspCommand) }

// defaultJSSPLimit keeps a plain `cosolve jssp solve FILE` interactive; the
// portfolio keeps improving for as long as it is given.
const defaultJSSPLimit = 10 * time.Second

func jsspCommand() *ucli.Command {
	solveFl := append(solveFlags(defaultJSSPLimit),
		&ucli.StringFlag{Name: "policy", Value: "fdd-mwkr", Usage: "dispatching `P`: spt, mwkr, mopnr, fdd-mwkr, fifo, or an ONNX policy file (see import-weights)"},
		&ucli.IntFlag{Name: "samples", Usage: "`K`: 0 = greedy; K > 0 = best of K rollouts sampled at temperatures 0.5 + 1.5·i/K (ONNX policies only)"},
		&ucli.StringFlag{Name: "gantt", Usage: "draw the schedule as an SVG Gantt chart into `FILE`"},
		&ucli.StringFlag{Name: "method", Value: "portfolio", Usage: "after dispatching: `M` = dispatch (stop there), tabu, lns, exact (CP branch and bound; proves optimality on small instances) or portfolio (tabu + LNS)"},
		&ucli.Int64Flag{Name: "iterations", Usage: "machine-independent budget `N` of the improvement (tabu iterations, LNS neighbourhoods or CP nodes); with --threads 1 runs repeat exactly"},
	)
	return &ucli.Command{
		Name:  "jssp",
		Usage: "job shop: dispatching rules and learned policies in a CP environment (Tassel et al. 2023)",
		Commands: []*ucli.Command{
			{
				Name:  "solve",
				Usage: "build a schedule by dispatching, then improve it for the rest of the time limit",
				UsageText: "cosolve jssp solve ta01.txt --time-limit 30s --gantt ta01.svg\n" +
					"   cosolve jssp solve ft10.txt --method exact --time-limit 10m\n" +
					"   cosolve jssp solve ta01.txt --policy fdd-mwkr --method dispatch\n" +
					"   cosolve jssp import-weights checkpoint_model_state_dict.json --out tassel.onnx\n" +
					"   cosolve jssp solve ta01.txt --policy tassel.onnx --samples 32 --seed 3 --json --out ta01.json\n\n" +
					"An ONNX policy takes float32 inputs interval_rep [B,J,5,4], start_end_tokens [B,J,5],\n" +
					"attention_interval_mask [B,J,5], index_interval [B,J,5], job_resource_mask [B,J+1,J+1],\n" +
					"action_mask [B,J+1] and returns logits [B,J+1], the last entry being No-Op.",
				Flags:  solveFl,
				Action: jsspSolve,
			},
			{
				Name:      "import-weights",
				Usage:     "convert the authors' pretrained state dict (JSON) into an ONNX policy",
				UsageText: "cosolve jssp import-weights checkpoint_model_state_dict.json --out tassel.onnx",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "out", Usage: "write the ONNX model to `FILE`", Required: true},
				},
				Action: jsspImportWeights,
			},
		},
	}
}

func jsspSolve(ctx context.Context, cmd *ucli.Command) error {
	method := cmd.String("method")
	if method == "auto" {
		return usageErr("--method %q: want dispatch, tabu, lns, exact or portfolio", method)
	}
	opts := benchmarks.JSSPOptions{Policy: cmd.String("policy"), Samples: int(cmd.Int("samples")), Method: method, Iterations: cmd.Int64("iterations")}
	task, err := solveTask(cmd, benchmarks.Config{Name: "jssp", Solver: "jssp", JSSP: &opts})
	if err != nil {
		return err
	}
	out, err := runSolve(ctx, cmd, task, func(w io.Writer, o benchmarks.Outcome) error {
		return instances.WriteSchedule(w, o.Solution.(*instances.Schedule))
	})
	if err != nil {
		return err
	}
	if path := cmd.String("gantt"); path != "" {
		js := out.Instance.(*instances.JobShop)
		sched := out.Solution.(*instances.Schedule)
		title := fmt.Sprintf("%s (%d×%d), %s: makespan %d", js.Name, js.NumJobs(), js.Machines, out.Envelope.Extra["policy"], sched.Objective)
		return writeFileAtomic(cmd.Root().Writer, path, func(w io.Writer) error {
			return writeGanttSVG(w, js, sched.Starts, title)
		})
	}
	return nil
}

func jsspImportWeights(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("jssp import-weights: want exactly one state-dict JSON file, got %d arguments", cmd.Args().Len())
	}
	data, name, err := readInput(cmd.Root().Reader, cmd.Args().First())
	if err != nil {
		return err
	}
	net, err := jssp.ReadStateDict(bytes.NewReader(data), name)
	if err != nil {
		return badInput(err)
	}
	var buf bytes.Buffer
	if err := net.WriteONNX(&buf); err != nil {
		return err
	}
	// Read the graph back through the ONNX checker before writing it out.
	if _, err := jssp.ReadPolicy(bytes.NewReader(buf.Bytes()), filepath.Base(cmd.String("out"))); err != nil {
		return fmt.Errorf("jssp import-weights: the converted graph does not load: %w", err)
	}
	out := cmd.String("out")
	if err := writeFileAtomic(cmd.Root().Writer, out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return err
	}
	if out != "-" {
		_, err = fmt.Fprintf(cmd.Root().Writer, "%s: %d parameters → %s (ONNX, %d bytes)\n", name, net.NumParams(), out, buf.Len())
	}
	return err
}

// writeGanttSVG draws one row per machine, each operation a bar coloured by its
// job (hues spread by the golden angle, three lightness levels, so neighbouring
// job ids differ clearly even at 100 jobs), the job id inside bars wide enough to
// hold it and in a tooltip on every bar, and the makespan as a red line.
func writeGanttSVG(w io.Writer, js *instances.JobShop, starts [][]int, title string) error {
	makespan := 0
	for j, ops := range js.Jobs {
		for k, op := range ops {
			makespan = max(makespan, starts[j][k]+op.Duration)
		}
	}
	M := js.Machines
	const left, right, top, bottom, plotW = 60.0, 30.0, 40.0, 40.0, 1400.0
	rowH := math.Max(8, math.Min(28, 900/float64(M)))
	plotH := rowH * float64(M)
	width, height := left+plotW+right, top+plotH+bottom
	scale := plotW / math.Max(1, float64(makespan))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="24" font-size="16">%s</text>`+"\n", left, xmlEscape(title))
	for m := 0; m < M; m++ {
		y := top + float64(m)*rowH
		if m%2 == 1 {
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.0f" height="%.1f" fill="#f3f3f3"/>`+"\n", left, y, plotW, rowH)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="%.0f" text-anchor="end" dominant-baseline="middle">M%d</text>`+"\n", left-6, y+rowH/2, math.Min(12, rowH-1), m)
	}
	step := niceStep(float64(makespan) / 10)
	for x := 0.0; x <= float64(makespan); x += step {
		px := left + x*scale
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#ccc" stroke-width="0.5"/>`+"\n", px, top, px, top+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%.0f</text>`+"\n", px, top+plotH+14, x)
	}
	fontSize := math.Min(11, rowH-3)
	for j, ops := range js.Jobs {
		fill := jobColour(j)
		for k, op := range ops {
			if op.Duration == 0 {
				continue
			}
			x := left + float64(starts[j][k])*scale
			y := top + float64(op.Machine)*rowH + 1
			bw := float64(op.Duration) * scale
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s" stroke="white" stroke-width="0.4"><title>job %d, operation %d: %d–%d on M%d</title></rect>`+"\n",
				x, y, bw, rowH-2, fill, j, k, starts[j][k], starts[j][k]+op.Duration, op.Machine)
			label := fmt.Sprint(j)
			if fontSize >= 6 && bw >= float64(len(label))*fontSize*0.62+2 {
				fmt.Fprintf(&b, `<text x="%.2f" y="%.1f" font-size="%.0f" text-anchor="middle" dominant-baseline="middle" fill="black" pointer-events="none">%s</text>`+"\n",
					x+bw/2, y+(rowH-2)/2, fontSize, label)
			}
		}
	}
	mx := left + float64(makespan)*scale
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#d00" stroke-width="2" stroke-dasharray="6 3"/>`+"\n", mx, top-6, mx, top+plotH+4)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="#d00" text-anchor="end">makespan %d</text>`+"\n", mx, top-8, makespan)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12" text-anchor="middle">time</text>`+"\n", left+plotW/2, height-6)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// jobColour spreads hues by the golden angle and cycles lightness, so that jobs
// with nearby ids never share a colour.
func jobColour(j int) string {
	hue := math.Mod(float64(j)*137.508, 360)
	light := [...]int{62, 48, 74}[j%3]
	return fmt.Sprintf("hsl(%.1f,70%%,%d%%)", hue, light)
}

// niceStep rounds a raw tick spacing up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= raw {
			return f * p
		}
	}
	return 10 * p
}
