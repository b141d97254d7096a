package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/instances"
)

func init() { register(checkCommand) }

func checkCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "check",
		Usage:     "validate a solution independently of any solver and print its objective",
		ArgsUsage: "INSTANCE SOLUTION",
		UsageText: "cosolve check ../shared/data/tsplib/gr666.tsp gr666.tour\n" +
			"   cosolve check ../shared/data/jssp/tassel_e2e/instances_run/ta01 schedule.json --json",
		Description: "A TSP solution is a TSPLIB .tour file; a job-shop solution is the schedule JSON\n" +
			"{\"instance\": …, \"objective\": …, \"starts\": [[…], …]}. Exit code 1 when the solution is invalid.",
		Flags: []ucli.Flag{
			&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files"},
			&ucli.BoolFlag{Name: "json", Usage: "print {valid, objective, violation} as JSON"},
		},
		Action: checkAction,
	}
}

func checkAction(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 2 {
		return usageErr("check: want INSTANCE and SOLUTION")
	}
	l, err := loadAny(cmd.Root().Reader, cmd.Args().Get(0), int(cmd.Int("index")))
	if err != nil {
		return err
	}
	solData, solName, err := readInput(cmd.Root().Reader, cmd.Args().Get(1))
	if err != nil {
		return err
	}
	var objective float64
	var violation error
	switch {
	case l.tsp != nil:
		tour, err := instances.ReadTour(bytes.NewReader(solData), solName, l.tsp.N())
		if err != nil {
			return badInput(err)
		}
		objective, violation = instances.CheckTour(l.tsp, tour)
	case l.jssp != nil:
		s, err := instances.ReadSchedule(bytes.NewReader(solData), solName)
		if err != nil {
			return badInput(err)
		}
		var makespan int
		makespan, violation = instances.CheckSchedule(l.jssp, s.Starts)
		objective = float64(makespan)
		if violation == nil && s.Objective != 0 && s.Objective != makespan {
			violation = fmt.Errorf("%w: %s states objective %d but the makespan is %d", instances.ErrInvalidSolution, solName, s.Objective, makespan)
		}
	default:
		return usageErr("check: %s is a %s instance; use `cosolve robust evaluate` for first-stage decisions", l.name, l.kind)
	}
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
	_, err = fmt.Fprintf(w, "%s  objective %s  valid\n", l.instanceName(), fmtNum(&objective))
	return err
}
