package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/draw"
	"github.com/cosolve/cosolve/instances"
)

func init() { register(genCommand) }

func genCommand() *ucli.Command {
	out := func() ucli.Flag {
		return &ucli.StringFlag{Name: "out", Value: "-", Usage: "write to `FILE` (default stdout)"}
	}
	return &ucli.Command{
		Name:  "gen",
		Usage: "generate instances from a seed",
		Commands: []*ucli.Command{
			{
				Name:  "tsp",
				Usage: "random Euclidean TSP in the unit square (the distribution of the TSP-500/1000/10000 sets)",
				UsageText: "cosolve gen tsp --n 1000 --seed 1 --out u1000.tsp\n" +
					"   cosolve gen tsp --n 100000 --dist clustered --format line",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "n", Value: 1000, Usage: "number of nodes `N` (3 … 1,000,000)"},
					&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`"},
					&ucli.StringFlag{Name: "dist", Value: "uniform", Usage: "`uniform` or `clustered` (⌈n/100⌉ Gaussian clusters, σ = 0.02)"},
					&ucli.StringFlag{Name: "format", Value: "tsplib", Usage: "`tsplib` (standard EUC_2D: integer coordinates, the unit square scaled by --scale, readable by LKH and Concorde) or `line` (x1 y1 … xn yn output, unscaled, no tour)"},
					&ucli.Float64Flag{Name: "scale", Value: 1e6, Usage: "with --format tsplib, the unit square becomes [0, `S`]² before rounding; EUC_2D rounds every distance to an integer, so S must be large"},
					out(),
				},
				Action: genTSP,
			},
			{
				Name:  "jssp",
				Usage: "job-shop instance: one of Taillard's ta01…ta80 rebuilt from its seeds, or a random one",
				UsageText: "cosolve gen jssp --taillard ta01\n" +
					"   cosolve gen jssp --jobs 30 --machines 20 --seed 7 --format taillard --out j30.txt",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "taillard", Usage: "Taillard instance `taNN` (01…80), generated from its two seeds"},
					&ucli.IntFlag{Name: "jobs", Usage: "number of jobs `J`"},
					&ucli.IntFlag{Name: "machines", Usage: "number of machines `M`"},
					&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S` (with --jobs and --machines)"},
					&ucli.StringFlag{Name: "format", Value: "standard", Usage: "`standard` (OR-Library) or `taillard` (specification format)"},
					out(),
				},
				Action: genJobShop,
			},
			{
				Name:  "robust",
				Usage: "two-stage robust knapsack with the published recipe of Arslan & Detienne",
				UsageText: "cosolve gen robust --name RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5 --seed 3\n" +
					"   cosolve gen robust --corr SC --n 60 --seed 1 --out sc60.txt",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "name", Usage: "take every parameter from a file `NAME` RKP_<corr>_n<n>_R<R>_H<H>_h<h>_dev<bf>_d<δ>"},
					&ucli.StringFlag{Name: "corr", Value: "UN", Usage: "correlation type `UN|WC|ASC|SC`"},
					&ucli.IntFlag{Name: "n", Value: 40, Usage: "number of items `N`"},
					&ucli.IntFlag{Name: "capacity-h", Value: 40, Usage: "capacity numerator `h` of the recipe (40 or 80 in the benchmark; -h is help)"},
					&ucli.FloatFlag{Name: "budget-factor", Value: 0.15, Usage: "Γ = n·`BF`"},
					&ucli.FloatFlag{Name: "delta", Value: 0.5, Usage: "degradation spread `δ`"},
					&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`"},
					out(),
				},
				Action: genRobust,
			},
		},
	}
}

func genTSP(_ context.Context, cmd *ucli.Command) error {
	n := int(cmd.Int("n"))
	if n < 3 || n > 1_000_000 {
		return usageErr("--n %d: want 3 … 1,000,000", n)
	}
	seed := cmd.Uint64("seed")
	var p *instances.TSP
	var err error
	switch d := cmd.String("dist"); d {
	case "uniform":
		p, err = instances.GenerateUniform(n, seed)
	case "clustered":
		p, err = instances.GenerateClustered(n, seed)
	default:
		return usageErr("--dist %q: want uniform or clustered", d)
	}
	if err != nil {
		return badInput(err)
	}
	var write func(io.Writer) error
	switch f := cmd.String("format"); f {
	case "tsplib":
		scale := cmd.Float64("scale")
		if !(scale >= 100 && scale <= 1e9) {
			return usageErr("--scale %v: want 100 … 10^9 (EUC_2D rounds distances to integers)", scale)
		}
		q, err := euc2D(p, scale)
		if err != nil {
			return badInput(err)
		}
		write = func(w io.Writer) error { return instances.WriteTSPLIB(w, q) }
	case "line":
		write = func(w io.Writer) error { return instances.WriteTSPLine(w, p, nil) }
	default:
		return usageErr("--format %q: want tsplib or line", f)
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), write)
}

// euc2D turns a unit-square instance into the standard TSPLIB type every TSP
// tool reads: coordinates scaled and rounded to integers, EUC_2D distances. The
// unrounded Euclidean metric has no TSPLIB name (EUC_2D on the unit square
// would round every distance to 0 or 1).
func euc2D(p *instances.TSP, scale float64) (*instances.TSP, error) {
	x, y := make([]float64, p.N()), make([]float64, p.N())
	for i := range x {
		x[i], y[i] = math.Round(p.X[i]*scale), math.Round(p.Y[i]*scale)
	}
	q, err := instances.NewCoordTSP(p.Name, instances.Euc2D, x, y)
	if err != nil {
		return nil, err
	}
	q.Comment = fmt.Sprintf("%s points in the unit square, scaled by %s and rounded (cosolve gen tsp)", strings.SplitN(p.Name, "-", 2)[0], draw.Number(scale))
	return q, nil
}

func genJobShop(_ context.Context, cmd *ucli.Command) error {
	var js *instances.JobShop
	var hdr instances.TaillardHeader
	if name := cmd.String("taillard"); name != "" {
		if cmd.IsSet("jobs") || cmd.IsSet("machines") {
			return usageErr("--taillard takes its size from Taillard's table; drop --jobs and --machines")
		}
		var err error
		js, err = instances.TaillardInstance(name)
		if err != nil {
			return usageErr("--taillard %q: %v", name, err)
		}
		k, _ := strconv.Atoi(strings.TrimPrefix(strings.ToLower(name), "ta"))
		hdr, _ = instances.TaillardSeeds(k)
	} else {
		jobs, machines := int(cmd.Int("jobs")), int(cmd.Int("machines"))
		if jobs < 1 || machines < 1 || jobs*machines > 10_000_000 {
			return usageErr("gen jssp: want --taillard taNN, or --jobs J and --machines M with 1 ≤ J·M ≤ 10,000,000")
		}
		js = instances.GenerateJobShop(jobs, machines, cmd.Uint64("seed"))
		hdr = instances.TaillardHeader{Jobs: jobs, Machines: machines}
	}
	var write func(io.Writer) error
	switch f := cmd.String("format"); f {
	case "standard":
		write = func(w io.Writer) error { return instances.WriteJobShop(w, js) }
	case "taillard":
		write = func(w io.Writer) error { return instances.WriteTaillard(w, js, hdr) }
	default:
		return usageErr("--format %q: want standard or taillard", f)
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), write)
}

func genRobust(_ context.Context, cmd *ucli.Command) error {
	var p instances.RKPParams
	if name := cmd.String("name"); name != "" {
		var err error
		if p, err = instances.ParseRKPName(name); err != nil {
			return usageErr("--name: %v", err)
		}
	} else {
		p = instances.RKPParams{
			Corr: instances.Correlation(strings.ToUpper(cmd.String("corr"))), N: int(cmd.Int("n")), R: 1000, H: 100,
			HSmall: int(cmd.Int("capacity-h")), BudgetFactor: cmd.Float("budget-factor"), Delta: cmd.Float("delta"),
		}
	}
	if err := p.Validate(); err != nil {
		return usageErr("gen robust: %v", err)
	}
	k, err := instances.GenerateRobustKnapsack(p, cmd.Uint64("seed"))
	if err != nil {
		return usageErr("gen robust: %v", err)
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error {
		return instances.WriteRobustKnapsack(w, k)
	})
}
