package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/robust"
)

func init() { register(robustCommand) }

func robustCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "robust",
		Usage: "two-stage robust knapsack (Arslan & Detienne) and capital budgeting (Neur2RO's benchmark): Neur2RO-style CCG and evaluation",
		Commands: []*ucli.Command{
			{
				Name:  "solve",
				Usage: "Neur2RO-style CCG with the value network; reports the worst case of the first stage it returns",
				UsageText: "cosolve robust solve RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5 --time-limit 60\n" +
					"   cosolve gen robust --corr SC --n 30 --seed 1 --out sc30.txt && cosolve robust solve sc30.txt --backend heuristic --time-limit 5 --out x.txt\n" +
					"   cosolve robust solve CB_n20_xi4_s1 --time-limit 10",
				Description: "The problem is told from the file (or --problem). Knapsack: objective = exact worst-case\n" +
					"profit of the returned first stage (cutting planes, never the network's estimate); reference =\n" +
					"the branch-and-price value when the file is one of the 504 published instances. Capital\n" +
					"budgeting: objective = Neur2RO's (minus the revenue) under its sampled-scenario evaluation (the\n" +
					"scenarios the published methods found plus 10,000 random ones); reference = the best published\n" +
					"objective (Neur2RO, k-adaptability K = 2, 5, 10). Positive gap_pct = worse than the reference.\n" +
					"Without the cbc build the adversary samples scenarios and the main problem is the scenario\n" +
					"heuristic (backend \"heuristic\").",
				ArgsUsage: "FILE",
				Flags: append(solveFlags(60*time.Second),
					problemFlag(),
					&ucli.StringFlag{Name: "model", Usage: "value network `PATH.onnx` (default: the shipped model)"},
					&ucli.StringFlag{Name: "backend", Value: "auto", Usage: "`B`: auto (best built in for the knapsack; heuristic for capital budgeting, measured better than CBC there), cbc, or heuristic"},
					&ucli.IntFlag{Name: "samples", Usage: "scenarios `N` scored by the sampling adversary (0 = 4000)"},
					&ucli.BoolFlag{Name: "polish", Value: true, Usage: "after the CCG, improve x by single flips, swaps and random kicks judged by exact evaluation (--polish=false: Neur2RO alone); the library's default too"},
					&ucli.IntFlag{Name: "max-scenarios", Usage: "scenarios `K` the CCG adds at most (0 = 20, as Neur2RO)"},
					&ucli.IntFlag{Name: "polish-kicks", Usage: "kicks `K` in a row without a new best that end the polish (0 = 20)"},
					&ucli.FloatFlag{Name: "ccg-share", Usage: "part `S` of the time limit (and of --iterations) the CCG may use before the polish (0 = 0.5; 1 = all, as before the share)"},
					&ucli.StringFlag{Name: "model-label", Usage: "label sense `L` of a model that does not record it: cost or saving (default: read as a cost, as the shipped knapsack model's results were measured; saving reads it by its label)"},
					&ucli.Int64Flag{Name: "iterations", Usage: "exact evaluations `N` at most; with --threads 1 the same seed gives the same result"},
				),
				Action: robustSolve,
			},
			{
				Name:  "evaluate",
				Usage: "worst case of a first-stage decision: exact for the knapsack (cutting planes over ξ, DP oracle), Neur2RO's sampled scenarios for capital budgeting",
				UsageText: "cosolve robust evaluate RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5 --first-stage 01101111011110100110\n" +
					"   cosolve robust evaluate sc30.txt --first-stage $(cat x.txt) --json\n" +
					"   cosolve robust evaluate CB_n10_xi4_s1 --first-stage 0100101000",
				ArgsUsage: "FILE",
				Flags: []ucli.Flag{
					problemFlag(),
					&ucli.StringFlag{Name: "first-stage", Required: true, Usage: "first-stage decision `BITS`: one 0/1 per item"},
					&ucli.IntFlag{Name: "random-scenarios", Value: cbEvalScenarios, Usage: "capital budgeting: scenarios `N` drawn uniformly from the box besides the published ones (Neur2RO: 10,000); more, or another seed, checks a first stage on scenarios no search has seen"},
					&ucli.Uint64Flag{Name: "random-seed", Value: cbEvalSeed, Usage: "capital budgeting: numpy seed `S` of the random scenarios (Neur2RO: 10,000)"},
					secondsFlag("time-limit", 10*time.Minute, "wall-clock budget `D` in seconds or as a duration"),
					&ucli.BoolFlag{Name: "json", Usage: "print the result as one JSON object (the envelope of every cosolve tool)"},
				},
				Action: robustEvaluate,
			},
			{
				Name:  "train",
				Usage: "generate labelled (x, ξ) samples from generated instances and train the value network",
				UsageText: "cosolve robust train --out kp_value.onnx\n" +
					"   cosolve robust train --instances 40 --epochs 10 --out small.onnx --json\n" +
					"   cosolve robust train --label cost --out kp_cost.onnx\n" +
					"   cosolve robust train --problem cb --out cb_value.onnx",
				Description: "Instances come from the published generator (never the benchmark files; capital budgeting\n" +
					"uses generator seeds from 10^6 on, far from the published 1…100); labels are exact second-stage\n" +
					"values (the knapsack's dynamic programme, capital budgeting's branch and bound). The defaults\n" +
					"reproduce the shipped models' weights. The model records its label's sense (--label), and\n" +
					"robust solve reads its predictions by it; the shipped models, trained before, record none.",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "problem", Value: "kp", Usage: "`P`: kp (robust knapsack) or cb (capital budgeting)"},
					&ucli.StringFlag{Name: "out", Required: true, Usage: "write the ONNX model to `FILE`"},
					&ucli.StringFlag{Name: "label", Usage: "`L`: what the network learns, recorded in the model for the solver: kp saving (the default, the shipped model's: larger is better for the decision maker) or cost (the saving negated); cb cost only"},
					&ucli.IntFlag{Name: "instances", Value: 250, Usage: "generated instances `N`"},
					&ucli.IntFlag{Name: "first-stages", Value: 10, Usage: "first-stage samples per instance"},
					&ucli.IntFlag{Name: "scenarios", Value: 20, Usage: "scenarios per first stage"},
					&ucli.IntFlag{Name: "epochs", Value: 60, Usage: "training epochs"},
					&ucli.Uint64Flag{Name: "seed", Value: 12345, Usage: "weights and shuffling seed"},
					&ucli.Uint64Flag{Name: "data-seed", Value: 7, Usage: "instance i is generated with seed S+i"},
					&ucli.IntFlag{Name: "threads", Value: 0, Usage: "goroutines (0 = all cores)"},
					&ucli.BoolFlag{Name: "json", Usage: "print the validation report as JSON"},
				},
				Action: robustTrain,
			},
		},
	}
}

func problemFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "problem", Value: "auto", Usage: "`P`: auto (told from the file), kp (robust knapsack) or cb (capital budgeting)"}
}

// problemOption reads --problem as a benchmarks option ("" = auto).
func problemOption(cmd *ucli.Command) (string, error) {
	switch p := cmd.String("problem"); p {
	case "auto", "":
		return "", nil
	case "kp", "cb":
		return p, nil
	default:
		return "", usageErr("--problem %q: want auto, kp or cb", p)
	}
}

func robustEvaluate(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("robust evaluate: want exactly one instance file (or - for stdin), got %d arguments", cmd.Args().Len())
	}
	if durationOf(cmd, "time-limit") <= 0 {
		return usageErr("--time-limit %v: must be positive", durationOf(cmd, "time-limit"))
	}
	problem, err := problemOption(cmd)
	if err != nil {
		return err
	}
	l, err := loadAny(cmd.Root().Reader, cmd.Args().First(), 0)
	if err != nil {
		return err
	}
	switch {
	case l.cb != nil && problem != "kp":
		return evaluateCB(ctx, cmd, l)
	case l.robust == nil || problem == "cb":
		return usageErr("robust evaluate: %s is a %s instance, not a %s", l.name, l.kind, map[string]string{"": "robust one", "kp": "robust knapsack", "cb": "capital-budgeting one"}[problem])
	}
	k := l.robust
	x, err := instances.ParseFirstStage(cmd.String("first-stage"), k.N())
	if err != nil {
		return badInput(fmt.Errorf("--first-stage: %w", err))
	}
	start := time.Now()
	ev, err := robust.Evaluate(ctx, k, x, robust.EvalSettings{TimeLimit: durationOf(cmd, "time-limit")})
	if err != nil {
		return err
	}
	// The evaluation is exact, but it says nothing of how good the decision is:
	// the first stage is feasible, not optimal.
	stop := solvers.Completed
	if !ev.Converged {
		stop = solvers.TimeLimit
	}
	env := benchmarks.Envelope{
		Instance:   k.Name,
		Kind:       "robust-kp",
		Objective:  benchmarks.Float(ev.Profit),
		Status:     solvers.Feasible.String(),
		StopReason: stop.String(),
		TimeS:      time.Since(start).Seconds(),
		FirstStage: instances.FormatFirstStage(x),
		Stats:      map[string]any{"cutting_plane_iterations": ev.Iterations, "lp_backend": ev.LPBackend, "witness_profit": ev.Witness},
		Extra:      map[string]any{"evaluation": "exact"},
	}
	if !ev.Converged {
		env.Extra["evaluation"] = "lower bound (the time limit stopped the cutting planes)"
	}
	if l.ref != nil {
		env.SetReference(l.ref.Value, string(l.ref.Kind), true)
	}
	return writeEnvelope(cmd, env)
}

func writeEnvelope(cmd *ucli.Command, env benchmarks.Envelope) error {
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(env)
	}
	_, err := fmt.Fprintln(w, Summary(env))
	return err
}

// evaluateCB is Neur2RO's sampled-scenario evaluation of a first stage; a
// published instance uses the scenarios its methods found, as its results did.
func evaluateCB(ctx context.Context, cmd *ucli.Command, l *loaded) error {
	c := l.cb
	x, err := instances.ParseFirstStage(cmd.String("first-stage"), c.N())
	if err == nil {
		err = instances.CheckCBFirstStage(c, x)
	}
	if err != nil {
		return badInput(fmt.Errorf("--first-stage: %w", err))
	}
	n, seed := cmd.Int("random-scenarios"), cmd.Uint64("random-seed")
	if n < 0 || seed == 0 || seed >= 1<<32 {
		return usageErr("--random-scenarios %d, --random-seed %d: want N ≥ 0 and 1 ≤ S < 2^32", n, seed)
	}
	ctx, cancel := context.WithTimeout(ctx, durationOf(cmd, "time-limit"))
	defer cancel()
	start := time.Now()
	ev, err := sampledCBWorth(ctx, l, x, int(n), uint32(seed))
	if err != nil {
		return err
	}
	env := benchmarks.Envelope{
		Instance:   c.Name,
		Kind:       "robust-cb",
		Objective:  benchmarks.Float(ev.objective),
		Status:     solvers.Feasible.String(),
		StopReason: solvers.Completed.String(),
		TimeS:      time.Since(start).Seconds(),
		FirstStage: instances.FormatFirstStage(x),
		Extra:      map[string]any{"evaluation": ev.how},
	}
	if ev.ref != nil {
		env.SetReference(ev.ref.Value, string(ev.ref.Kind), false)
	}
	return writeEnvelope(cmd, env)
}

// cbWorth is a capital-budgeting first stage's objective by sampled
// scenarios, how it was found, and the published reference when there is one.
type cbWorth struct {
	objective float64
	how       string
	ref       *instances.Reference
}

// sampledCBWorth evaluates x on the scenarios the published methods found
// for the instance (when the data directory has them) and n random ones of
// the numpy seed: the evaluation Neur2RO's results use, shared by `robust
// evaluate` and `check`.
func sampledCBWorth(ctx context.Context, l *loaded, x []bool, n int, seed uint32) (cbWorth, error) {
	c := l.cb
	opts := robust.CBOptions{RandomScenarios: n, RandomSeed: seed}
	if n == 0 {
		opts.RandomScenarios = -1
	}
	var out cbWorth
	if dir := dataDir(l.name); dir != "" {
		if pub, ok, err := instances.CBPublishedFor(dir, c); err == nil && ok {
			out.ref = &instances.Reference{Value: pub.BestKnown(), Kind: instances.RefBestKnown}
			if scen, ok, err := instances.CBScenariosFor(dir, c); err == nil && ok {
				opts.Scenarios = scen
			}
		}
	}
	prob, err := robust.NewCapitalBudgeting(c, opts)
	if err != nil {
		return cbWorth{}, badInput(err)
	}
	as, err := prob.Evaluate(ctx, x, nil)
	if err != nil {
		return cbWorth{}, err
	}
	out.objective = -as.Worth
	out.how = fmt.Sprintf("sampled scenarios (%d published + %d random, seed %d)", len(opts.Scenarios), n, seed)
	return out, nil
}

func robustTrain(ctx context.Context, cmd *ucli.Command) error {
	for _, f := range []string{"instances", "first-stages", "scenarios", "epochs"} {
		if cmd.Int(f) <= 0 {
			return usageErr("--%s %d: must be positive", f, cmd.Int(f))
		}
	}
	if cmd.Int("threads") < 0 {
		return usageErr("--threads %d: must be 0 (all cores) or more", cmd.Int("threads"))
	}
	if cmd.Bool("json") && cmd.String("out") == "-" {
		return usageErr("--json and --out - both write to stdout: write the model to a file")
	}
	var family robust.Family
	label := robust.LabelSense(cmd.String("label"))
	switch p := cmd.String("problem"); p {
	case "kp":
		if label != "" && label != robust.LabelCost && label != robust.LabelSaving {
			return usageErr("--label %q: want saving or cost", label)
		}
		family = robust.KnapsackFamily{Label: label}
	case "cb":
		if label != "" && label != robust.LabelCost {
			return usageErr("--label %q: capital budgeting's label is Neur2RO's cost (minus the revenue)", label)
		}
		family = robust.CapitalBudgetingFamily{}
	default:
		return usageErr("--problem %q: want kp or cb", p)
	}
	errw := cmd.Root().ErrWriter
	labelling := newProgress(errw, "labelling", int(cmd.Int("instances")))
	ds, err := robust.GenerateData(ctx, robust.DataSettings{
		Family: family, Instances: int(cmd.Int("instances")), FirstStages: int(cmd.Int("first-stages")), Scenarios: int(cmd.Int("scenarios")),
		Seed: cmd.Uint64("data-seed"), Threads: int(cmd.Int("threads")),
		Progress: func(done, _ int) { labelling.set(done, "") },
	})
	labelling.finish()
	if err != nil {
		return err
	}
	epochs := int(cmd.Int("epochs"))
	training := newProgress(errw, "training", epochs)
	start := time.Now()
	net, val, err := robust.Train(ctx, ds, robust.TrainSettings{
		Epochs: epochs, Seed: cmd.Uint64("seed"), Threads: int(cmd.Int("threads")),
		OnEpoch: func(ep int, loss float64) { training.set(ep+1, fmt.Sprintf("loss %.2e", loss)) },
	})
	training.finish()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(cmd.Root().Writer, cmd.String("out"), net.WriteONNX); err != nil {
		return err
	}
	if cmd.Bool("json") {
		return json.NewEncoder(cmd.Root().Writer).Encode(map[string]any{
			"model": cmd.String("out"), "samples": len(ds.Samples), "params": net.NumParams(),
			"train_s": time.Since(start).Seconds(), "validation": val,
		})
	}
	// The report is for people: stderr, like every command's human lines.
	w := errw
	fmt.Fprintf(w, "%d samples, %d parameters, trained in %.0fs; wrote %s\n", len(ds.Samples), net.NumParams(), time.Since(start).Seconds(), cmd.String("out"))
	fmt.Fprintf(w, "%4s %8s %10s %12s %10s\n", "n", "samples", "MAE", "label range", "MAE/range")
	for _, se := range val.Sizes {
		fmt.Fprintf(w, "%4d %8d %10.1f %12.1f %9.2f%%\n", se.N, se.Samples, se.MAE, se.LabelMax-se.LabelMin, 100*se.MAEOverRange)
	}
	return nil
}

func robustSolve(ctx context.Context, cmd *ucli.Command) error {
	problem, err := problemOption(cmd)
	if err != nil {
		return err
	}
	opts := benchmarks.RobustOptions{
		Problem: problem, Model: cmd.String("model"), Backend: cmd.String("backend"), Samples: int(cmd.Int("samples")),
		MaxScenarios: int(cmd.Int("max-scenarios")), Iterations: cmd.Int64("iterations"), NoPolish: !cmd.Bool("polish"),
		PolishKicks: int(cmd.Int("polish-kicks")), CCGShare: cmd.Float("ccg-share"), ModelLabel: cmd.String("model-label"),
	}
	kinds := []instances.Kind{instances.KindRobustKnapsack, instances.KindCapitalBudget}
	if problem == "cb" {
		kinds = kinds[1:]
	} else if problem == "kp" {
		kinds = kinds[:1]
	}
	task, err := solveTask(cmd, benchmarks.Config{Name: "robust", Solver: "robust", Robust: &opts}, kinds...)
	if err != nil {
		return err
	}
	_, err = runSolve(ctx, cmd, task, nil, func(w io.Writer, o benchmarks.Outcome) error {
		_, err := fmt.Fprintln(w, o.Envelope.FirstStage)
		return err
	})
	return err
}
