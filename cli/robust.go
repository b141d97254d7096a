package cli

import (
	"context"
	"encoding/json"
	"fmt"
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
		Usage: "two-stage robust knapsack (Arslan & Detienne): Neur2RO-style CCG and exact evaluation",
		Commands: []*ucli.Command{
			{
				Name:  "evaluate",
				Usage: "exact worst-case profit of a first-stage decision (cutting planes over ξ, DP oracle)",
				UsageText: "cosolve robust evaluate RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5 --first-stage 01101111011110100110\n" +
					"   cosolve robust evaluate inst.txt --first-stage $(cat x.txt) --json",
				ArgsUsage: "FILE",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "first-stage", Required: true, Usage: "first-stage decision `BITS`: one 0/1 per item"},
					&ucli.DurationFlag{Name: "time-limit", Value: 10 * time.Minute, Usage: "wall-clock budget `D`"},
					&ucli.BoolFlag{Name: "json", Usage: "print the result as one JSON object (the envelope of every cosolve tool)"},
				},
				Action: robustEvaluate,
			},
		},
	}
}

func robustEvaluate(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 1 {
		return usageErr("robust evaluate: want exactly one instance file (or - for stdin), got %d arguments", cmd.Args().Len())
	}
	if cmd.Duration("time-limit") <= 0 {
		return usageErr("--time-limit %v: must be positive", cmd.Duration("time-limit"))
	}
	l, err := loadAny(cmd.Root().Reader, cmd.Args().First(), 0)
	if err != nil {
		return err
	}
	if l.robust == nil {
		return usageErr("robust evaluate: %s is a %s instance, not a robust knapsack", l.name, l.kind)
	}
	k := l.robust
	x, err := instances.ParseFirstStage(cmd.String("first-stage"), k.N())
	if err != nil {
		return badInput(fmt.Errorf("--first-stage: %w", err))
	}
	start := time.Now()
	ev, err := robust.Evaluate(ctx, k, x, robust.EvalSettings{TimeLimit: cmd.Duration("time-limit")})
	if err != nil {
		return err
	}
	env := benchmarks.Envelope{
		Instance:   k.Name,
		Kind:       "robust-kp",
		Objective:  benchmarks.Float(ev.Profit),
		Status:     solvers.Optimal.String(),
		StopReason: solvers.Completed.String(),
		TimeS:      time.Since(start).Seconds(),
		FirstStage: instances.FormatFirstStage(x),
		Stats:      map[string]any{"cutting_plane_iterations": ev.Iterations, "lp_backend": ev.LPBackend, "witness_profit": ev.Witness},
	}
	if l.ref != nil {
		env.SetReference(l.ref.Value, string(l.ref.Kind), true)
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(env)
	}
	_, err = fmt.Fprintln(w, Summary(env))
	return err
}
