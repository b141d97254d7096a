package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/draw"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers/robust"
)

func init() { register(checkCommand) }

func checkCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "check",
		Usage:     "validate a solution independently of any solver and print its objective",
		ArgsUsage: "INSTANCE SOLUTION",
		UsageText: "cosolve tsp solve gr666.tsp --time-limit 2 --out gr666.tour && cosolve check gr666.tsp gr666.tour\n" +
			"   cosolve jssp solve ta01 --time-limit 2 --out - | cosolve check ta01 - --json",
		Description: "A TSP solution is a TSPLIB .tour file; a job-shop solution is the schedule JSON\n" +
			"{\"instance\": …, \"objective\": …, \"starts\": [[…], …]}; a robust knapsack solution is the first\n" +
			"stage, one 0/1 per item (its objective is the exact worst-case profit). A bare instance name\n" +
			"(gr666.tsp, ta01) is looked up in the benchmark data. Exit code 1 when the solution is invalid,\n" +
			"with {valid: false, violation} under --json for every kind.",
		Flags: []ucli.Flag{
			&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files"},
			&ucli.BoolFlag{Name: "json", Usage: "print {valid, objective, violation} as JSON"},
		},
		Action: checkAction,
	}
}

func checkAction(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 2 {
		return usageErr("check: want INSTANCE and SOLUTION")
	}
	instPath, solPath := resolveInstance(cmd.Args().Get(0)), cmd.Args().Get(1)
	if instPath == "-" && solPath == "-" {
		return usageErr("check: only one of INSTANCE and SOLUTION can be read from stdin")
	}
	l, err := loadAny(cmd.Root().Reader, instPath, int(cmd.Int("index")))
	if err != nil {
		return err
	}
	solData, solName, err := readInput(cmd.Root().Reader, solPath, solutionLimit(l), "solution of "+l.instanceName())
	if err != nil {
		return err
	}
	objective, violation := checkSolution(ctx, l, solData, solName)
	// A solution file that does not parse is an invalid solution too (exit 1);
	// anything else that goes wrong is bad input.
	if violation != nil && !errors.Is(violation, instances.ErrInvalidSolution) {
		return badInput(violation)
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		out := map[string]any{"instance": l.instanceName(), "kind": string(l.kind), "valid": violation == nil, "objective": nil, "violation": nil}
		if violation == nil {
			out["objective"] = objective
		} else {
			out["violation"] = violation.Error()
		}
		if err := json.NewEncoder(w).Encode(out); err != nil {
			return err
		}
		if violation != nil {
			return invalid(fmt.Errorf("%s: invalid solution", solName))
		}
		return nil
	}
	if violation != nil {
		return invalid(violation)
	}
	_, err = fmt.Fprintf(w, "%s  objective %s  valid\n", l.instanceName(), draw.Number(objective))
	return err
}

// cbEvalScenarios and cbEvalSeed are the random scenarios added to the
// published ones when a capital-budgeting first stage is evaluated (`check`,
// and `robust evaluate` by default): Neur2RO's evaluation.
const (
	cbEvalScenarios = 10000
	cbEvalSeed      = 10000
)

// checkSolution reads and checks a solution of any kind: a TSPLIB tour, a
// schedule JSON, or a first stage (one 0/1 per item, as `robust solve --out`
// writes it; a knapsack's objective is its exact worst-case profit, a capital
// budget's its worst case over sampled scenarios, as `robust evaluate` says).
// The error wraps instances.ErrInvalidSolution when the solution is invalid.
func checkSolution(ctx context.Context, l *loaded, data []byte, name string) (float64, error) {
	switch {
	case l.tsp != nil:
		tour, err := instances.ReadTour(bytes.NewReader(data), name, l.tsp.N())
		if err != nil {
			return 0, err
		}
		return instances.CheckTour(l.tsp, tour)
	case l.jssp != nil:
		s, err := instances.ReadSchedule(bytes.NewReader(data), name)
		if err != nil {
			return 0, err
		}
		makespan, err := s.Check(l.jssp)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return float64(makespan), nil
	case l.cb != nil:
		x, err := instances.ParseFirstStage(strings.TrimSpace(string(data)), l.cb.N())
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		if err := instances.CheckCBFirstStage(l.cb, x); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		ev, err := sampledCBWorth(ctx, l, x, cbEvalScenarios, cbEvalSeed)
		return ev.objective, err
	default:
		x, err := instances.ParseFirstStage(strings.TrimSpace(string(data)), l.robust.N())
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		if err := instances.CheckFirstStage(l.robust, x); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		ev, err := robust.Evaluate(ctx, l.robust, x, robust.EvalSettings{})
		if err != nil {
			return 0, err
		}
		if !ev.Converged {
			return 0, fmt.Errorf("%s: the exact evaluation did not converge (profit between %s and %s)", name, draw.Number(ev.Profit), draw.Number(ev.Witness))
		}
		return ev.Profit, nil
	}
}
