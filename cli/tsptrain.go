package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/tsp"
)

func tspTrainHeatmapCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "train-heatmap",
		Usage: "train an ONNX heatmap model on our own tours of random uniform instances",
		UsageText: "cosolve tsp train-heatmap --out edge.onnx\n" +
			"   cosolve tsp train-heatmap --out edge.onnx --instances 200 --size 500 --epochs 10 --seed 2\n\n" +
			"Generates --instances uniform instances of --size nodes (and --validation more, only\n" +
			"measured), solves each with tsp solve's default method for --iterations-per-node · n\n" +
			"iterations on one thread, and teaches a small network to put each node's heatmap row on\n" +
			"its two tour neighbours among its 10 nearest (softmax cross-entropy, Adam). The model sees\n" +
			"8 distance-ratio and rank features per candidate edge, computed inside the ONNX graph, so\n" +
			"it follows the contract of tsp heatmap --help and works at any n. The same flags give the\n" +
			"same model. heatmap/models/tsp-edge.onnx was made with the defaults.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "out", Usage: "write the ONNX model to `FILE`", Required: true},
			&ucli.Int64Flag{Name: "instances", Value: 100, Usage: "`N` training instances"},
			&ucli.Int64Flag{Name: "validation", Value: 10, Usage: "`N` validation instances (measured after every epoch, not trained on)"},
			&ucli.Int64Flag{Name: "size", Value: 300, Usage: "`n` nodes per instance"},
			&ucli.Int64Flag{Name: "iterations-per-node", Value: 5, Usage: "solver budget `K`·n iterations per instance (at n = 500, 10 gave the same tour as 5)"},
			&ucli.Int64Flag{Name: "epochs", Value: 8, Usage: "`N` passes over the training nodes"},
			&ucli.Int64Flag{Name: "hidden", Value: 32, Usage: "network width `W`"},
			&ucli.FloatFlag{Name: "lr", Value: 3e-3, Usage: "Adam learning rate `R`, decayed linearly to 0"},
			&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed `S` of the instances, the solver, the weights and the shuffling"},
		},
		Action: tspTrainHeatmap,
	}
}

func tspTrainHeatmap(ctx context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() != 0 {
		return usageErr("tsp train-heatmap: takes no arguments, got %q", cmd.Args().Slice())
	}
	ntrain, nval, size := cmd.Int64("instances"), cmd.Int64("validation"), cmd.Int64("size")
	perNode, epochs, hidden, lr := cmd.Int64("iterations-per-node"), cmd.Int64("epochs"), cmd.Int64("hidden"), cmd.Float64("lr")
	switch {
	case ntrain < 1 || nval < 0:
		return usageErr("--instances %d --validation %d: want at least 1 training and 0 validation instances", ntrain, nval)
	case size <= heatmap.ONNXK || size > 100_000:
		return usageErr("--size %d: want %d to 100000 nodes", size, heatmap.ONNXK+1)
	case perNode < 1 || epochs < 1 || hidden < 1 || !(lr > 0):
		return usageErr("--iterations-per-node, --epochs, --hidden and --lr must be positive")
	}
	seed := cmd.Uint64("seed")
	stderr := cmd.Root().ErrWriter
	start := time.Now()
	samples := make([]heatmap.EdgeSample, 0, ntrain+nval)
	for i := range ntrain + nval {
		// Seeds of their own, so the validation instances never appear in
		// training, whatever --instances is.
		genSeed := seed<<32 | uint64(i)
		if i >= ntrain {
			genSeed = seed<<32 | 1<<31 | uint64(i-ntrain)
		}
		inst, err := instances.GenerateUniform(int(size), genSeed)
		if err != nil {
			return badInput(err)
		}
		res, err := tsp.Solve(ctx, inst, tsp.Settings{Limits: solvers.Limits{MaxIterations: perNode * size, Threads: 1, Seed: seed}})
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		samples = append(samples, heatmap.EdgeSample{Inst: inst, Tour: res.Solution.Tour})
		if (i+1)%10 == 0 || i+1 == ntrain+nval {
			fmt.Fprintf(stderr, "solved %d/%d instances of %d nodes, %.1f s\n", i+1, ntrain+nval, size, time.Since(start).Seconds())
		}
	}
	res, err := heatmap.TrainEdgeModel(ctx, samples[:ntrain], samples[ntrain:], heatmap.EdgeTrainOptions{
		Hidden: int(hidden), Epochs: int(epochs), LR: lr, Seed: seed,
		OnEpoch: func(e heatmap.EdgeEpoch) {
			fmt.Fprintf(stderr, "epoch %d/%d: loss %.4f, validation loss %.4f, top-2 %.4f, %.1f s\n",
				e.Epoch, epochs, e.Loss, e.ValLoss, e.Top2, time.Since(start).Seconds())
		},
	})
	if err != nil {
		return badInput(err)
	}
	last := res.History[len(res.History)-1]
	if err := writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error {
		_, err := w.Write(res.ONNX)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "trained on %d nodes in %.1f s: loss %.4f, validation loss %.4f; of each validation node's two highest-scored candidates %.1f %% are tour edges (the nearest two: %.1f %%); wrote %s\n",
		res.TrainNodes, time.Since(start).Seconds(), last.Loss, last.ValLoss, 100*last.Top2, 100*res.NearestTop2, cmd.String("out"))
	return nil
}
