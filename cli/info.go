package cli

import (
	"context"
	"encoding/json"
	"fmt"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/draw"
)

func init() { register(infoCommand) }

func infoCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "info",
		Usage:     "describe an instance: kind, name, size, metric, published reference",
		ArgsUsage: "FILE",
		UsageText: "cosolve info gr666.tsp   # a bare benchmark name is looked up in the data\n" +
			"   cosolve info tsp500_test_concorde.txt --index 3 --json\n" +
			"   cosolve gen jssp --taillard ta01 | cosolve info -   # the reference follows the data",
		Flags: []ucli.Flag{
			&ucli.IntFlag{Name: "index", Usage: "0-based instance `I` in multi-instance files"},
			&ucli.BoolFlag{Name: "json", Usage: "print one JSON object"},
		},
		Action: func(_ context.Context, cmd *ucli.Command) error {
			if cmd.Args().Len() != 1 {
				return usageErr("info: want exactly one FILE (or - for stdin)")
			}
			l, err := loadAny(cmd.Root().Reader, cmd.Args().First(), int(cmd.Int("index")))
			if err != nil {
				return err
			}
			info := map[string]any{"kind": string(l.kind), "name": l.instanceName(), "reference": nil, "reference_kind": nil}
			switch {
			case l.tsp != nil:
				info["n"] = l.tsp.N()
				info["metric"] = l.tsp.Metric.String()
			case l.jssp != nil:
				info["jobs"] = l.jssp.NumJobs()
				info["machines"] = l.jssp.Machines
				info["operations"] = l.jssp.NumOperations()
				info["metric"] = "makespan"
			case l.robust != nil:
				info["n"] = len(l.robust.Profit)
				info["metric"] = "worst-case profit"
			}
			if l.ref != nil {
				info["reference"] = l.ref.Value
				info["reference_kind"] = string(l.ref.Kind)
			}
			w := cmd.Root().Writer
			if cmd.Bool("json") {
				return json.NewEncoder(w).Encode(info)
			}
			fmt.Fprintf(w, "%s  %s", info["name"], info["kind"])
			for _, k := range []string{"n", "jobs", "machines", "operations", "metric"} {
				if v, ok := info[k]; ok {
					fmt.Fprintf(w, "  %s %v", k, v)
				}
			}
			if l.ref != nil {
				fmt.Fprintf(w, "  reference %s (%s)", draw.Number(l.ref.Value), l.ref.Kind)
			}
			_, err = fmt.Fprintln(w)
			return err
		},
	}
}
