package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/draw"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers/jssp"
)

func init() { register(jsspCommand) }

// defaultJSSPLimit keeps a plain `cosolve jssp solve FILE` interactive; the
// portfolio keeps improving for as long as it is given.
const defaultJSSPLimit = 10 * time.Second

func jsspCommand() *ucli.Command {
	solveFl := append(solveFlags(defaultJSSPLimit), stopAtReferenceFlag(),
		&ucli.StringFlag{Name: "policy", Usage: "dispatching `P`: spt, mwkr, mopnr, fdd-mwkr, fifo, learned (the shipped network, trained by jssp train), or an ONNX policy file (see import-weights and train); default fdd-mwkr, and learned with --samples"},
		&ucli.IntFlag{Name: "samples", Usage: "`K`: 0 = greedy; K > 0 = best of K rollouts sampled at temperatures 0.5 + 1.5·i/K (ONNX policies only)"},
		&ucli.StringFlag{Name: "gantt", Usage: "draw the schedule as an SVG Gantt chart into `FILE`"},
		&ucli.StringFlag{Name: "method", Value: "portfolio", Usage: "after dispatching: `M` = dispatch (stop there), tabu, lns, exact (CP branch and bound; proves optimality on small instances) or portfolio (tabu + LNS)"},
		&ucli.Int64Flag{Name: "iterations", Usage: "machine-independent budget `N` of the improvement (tabu iterations, LNS neighbourhoods or CP nodes); with --threads 1 runs repeat exactly"},
		&ucli.StringFlag{Name: "warm-start", Usage: "improve the schedule in `FILE` (as --out writes it) instead of dispatching"},
		&ucli.IntFlag{Name: "freeze-before", Usage: "with --warm-start: keep every operation that starts before `T` (and those before it in its job or on its machine) where it is, and start nothing else before T"},
	)
	return &ucli.Command{
		Name:  "jssp",
		Usage: "job shop: dispatching rules and learned policies in a CP environment (Tassel et al. 2023)",
		Commands: []*ucli.Command{
			{
				Name:  "solve",
				Usage: "build a schedule by dispatching, then improve it for the rest of the time limit",
				UsageText: "cosolve jssp solve ta01 --time-limit 30 --gantt ta01.svg\n" +
					"   cosolve jssp solve ft10 --method exact --time-limit 10m\n" +
					"   cosolve jssp solve ta01 --policy fdd-mwkr --method dispatch\n" +
					"   cosolve jssp solve ta01 --out plan.json && cosolve jssp solve ta01 --warm-start plan.json --freeze-before 300 --out replan.json\n" +
					"   cosolve jssp import-weights checkpoint_model_state_dict.json --out tassel.onnx\n" +
					"   cosolve jssp solve ta01 --policy tassel.onnx --samples 32 --seed 3 --json\n\n" +
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
			jsspTrainCommand(),
		},
	}
}

func jsspSolve(ctx context.Context, cmd *ucli.Command) error {
	method := cmd.String("method")
	if method == "auto" {
		return usageErr("--method %q: want dispatch, tabu, lns, exact or portfolio", method)
	}
	freeze := int(cmd.Int("freeze-before"))
	switch {
	case cmd.IsSet("freeze-before") && !cmd.IsSet("warm-start"):
		return usageErr("--freeze-before %d: freezes operations of a warm start; give --warm-start FILE", freeze)
	case freeze < 0:
		return usageErr("--freeze-before %d: must not be negative", freeze)
	case cmd.IsSet("warm-start") && method == "dispatch":
		return usageErr("--method dispatch: a warm start replaces dispatching; leave --method out to improve it")
	}
	opts := benchmarks.JSSPOptions{Policy: cmd.String("policy"), Samples: int(cmd.Int("samples")), Method: method, Iterations: cmd.Int64("iterations"),
		StopAtReference: cmd.Bool("stop-at-reference"), WarmStart: cmd.String("warm-start"), FreezeBefore: freeze}
	task, err := solveTask(cmd, benchmarks.Config{Name: "jssp", Solver: "jssp", JSSP: &opts}, instances.KindJobShop)
	if err != nil {
		return err
	}
	out, err := runSolve(ctx, cmd, task, nil, func(w io.Writer, o benchmarks.Outcome) error {
		return writeScheduleLine(w, o.Solution.(*instances.Schedule))
	})
	if err != nil {
		return err
	}
	path := cmd.String("gantt")
	if path == "" {
		return nil
	}
	js := out.Instance.(*instances.JobShop)
	sched := out.Solution.(*instances.Schedule)
	e := out.Envelope
	construction := fmt.Sprintf("%v dispatching", e.Extra["policy"])
	if opts.WarmStart != "" {
		construction = "warm start"
	}
	labels := draw.Labels{
		Title: fmt.Sprintf("%s (%d jobs × %d machines)", js.Name, js.NumJobs(), js.Machines),
		Caption: draw.Caption(fmt.Sprintf("%s, then %s; best schedule found by %s", construction, method, cmp.Or(out.FoundBy, "dispatching")),
			"makespan", *e.Objective, e.GapPct, e.Reference, deref(e.ReferenceKind), e.TimeS),
	}
	return writeFileAtomic(cmd.Root().Writer, path, func(w io.Writer) error {
		return draw.Gantt(w, js, sched.Starts, labels)
	})
}

// writeScheduleLine writes the schedule JSON on one line, so that a file of
// schedules is a file of JSON lines like every other cosolve output.
func writeScheduleLine(w io.Writer, s *instances.Schedule) error {
	var buf bytes.Buffer
	if err := instances.WriteSchedule(&buf, s); err != nil {
		return err
	}
	var line bytes.Buffer
	if err := json.Compact(&line, buf.Bytes()); err != nil {
		return err
	}
	line.WriteByte('\n')
	_, err := w.Write(line.Bytes())
	return err
}

func jsspImportWeights(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("jssp import-weights: want exactly one state-dict JSON file, got %d arguments", cmd.Args().Len())
	}
	data, name, err := readInput(cmd.Root().Reader, resolveInstance(cmd.Args().First()), maxModelBytes, "state dict")
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
	m, err := nnsurrogate.LoadReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("jssp import-weights: the converted graph does not load: %w", err)
	}
	out := cmd.String("out")
	if err := writeFileAtomic(cmd.Root().Writer, out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return err
	}
	// The file stores more numbers than the network trains (the positional
	// table and the graph's constants); say both, as `model info` counts the
	// stored ones.
	_, err = fmt.Fprintf(cmd.Root().ErrWriter, "%s: %d trainable parameters → %s (ONNX, %d bytes, %d stored float32 values with the positional table and constants)\n",
		name, net.NumParams(), out, buf.Len(), m.NumParams())
	return err
}
