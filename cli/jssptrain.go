package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp"
)

// validationInstances is the size of the generated validation set: two shops
// of each training size.
const validationPerSize = 2

func jsspTrainCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "train",
		Usage: "train a dispatching policy by imitating the tabu search on the episodes' suffixes (Tassel et al.'s protocol)",
		UsageText: "cosolve jssp train --out policy.onnx --updates 100 --seed 1\n" +
			"   cosolve jssp train --out policy.onnx --sizes 10x5,15x10 --updates 20\n" +
			"   cosolve jssp train --out policy.onnx my-shops/        # train on your own instance files\n" +
			"   cosolve jssp train --out policy.onnx --resume policy.onnx.checkpoint\n\n" +
			"Every update samples episodes with the current policy, freezes each episode's first steps,\n" +
			"lets the tabu search improve the rest, and imitates the improvement (PPO-clipped, Adam).\n" +
			"Without instance arguments it trains on fresh random shops of --sizes each update. The policy\n" +
			"that scores best on a generated validation set is written to --out as ONNX, the format\n" +
			"`jssp solve --policy` loads; a checkpoint after every update allows --resume, and Ctrl-C keeps it.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "out", Usage: "write the trained ONNX policy to `FILE`", Required: true},
			&ucli.StringFlag{Name: "checkpoint", Usage: "checkpoint `FILE` written after every update (default: --out with .checkpoint appended)"},
			&ucli.StringFlag{Name: "resume", Usage: "continue the run saved in checkpoint `FILE` (its settings and instances apply)"},
			&ucli.StringFlag{Name: "init", Usage: "start from the weights of ONNX policy `FILE`, or the best weights of a training checkpoint, instead of fresh ones"},
			&ucli.Int64Flag{Name: "updates", Value: 100, Usage: "`N` policy updates"},
			&ucli.StringFlag{Name: "sizes", Value: sizesString(jssp.DefaultTrainSizes), Usage: "generated training shapes `JxM,...`, cycled"},
			&ucli.Int64Flag{Name: "instances-per-update", Value: 4, Usage: "`N` instances per update"},
			&ucli.Int64Flag{Name: "episodes", Value: 4, Usage: "`N` sampled episodes per instance and update"},
			&ucli.Int64Flag{Name: "improve-iterations", Value: 20000, Usage: "tabu iterations `N` of one improver call"},
			&ucli.FloatFlag{Name: "lr", Value: 2e-4, Usage: "Adam learning rate `R`, annealed linearly over the updates"},
			&ucli.Int64Flag{Name: "epochs", Value: int64(jssp.AuthorsPPO.Epochs), Usage: "at most `N` passes over an update's samples"},
			&ucli.FloatFlag{Name: "target-kl", Value: jssp.AuthorsPPO.TargetKL, Usage: "end an update's epochs once the mean approximate KL divergence passes `D`"},
			&ucli.Int64Flag{Name: "validate-every", Value: 5, Usage: "score the policy on the validation set every `N` updates"},
			&ucli.Int64Flag{Name: "validation-samples", Value: 8, Usage: "validation scores the best of `K` rollouts and the greedy one per instance"},
			&ucli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `S`; with --threads 1 the same seed gives the same weights"},
			&ucli.IntFlag{Name: "threads", Usage: "worker goroutines `T` (0 = all cores)"},
		},
		Action: jsspTrain,
	}
}

func sizesString(sizes []jssp.Size) string {
	parts := make([]string, len(sizes))
	for i, z := range sizes {
		parts[i] = z.String()
	}
	return strings.Join(parts, ",")
}

func parseSizes(s string) ([]jssp.Size, error) {
	var out []jssp.Size
	for _, part := range strings.Split(s, ",") {
		j, m, ok := strings.Cut(strings.TrimSpace(part), "x")
		jobs, err1 := strconv.Atoi(j)
		machines, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil || jobs < 2 || machines < 1 || jobs > 1000 || machines > 1000 {
			return nil, usageErr("--sizes: %q is not JOBSxMACHINES (2…1000 jobs, 1…1000 machines)", part)
		}
		out = append(out, jssp.Size{Jobs: jobs, Machines: machines})
	}
	return out, nil
}

func jsspTrain(ctx context.Context, cmd *ucli.Command) error {
	stderr := cmd.Root().ErrWriter
	out := cmd.String("out")
	ckPath := cmd.String("checkpoint")
	if ckPath == "" {
		ckPath = out + ".checkpoint"
	}
	var in jssp.TrainInput
	var s jssp.TrainSettings
	var files []string
	if path := cmd.String("resume"); path != "" {
		for _, f := range []string{"updates", "sizes", "instances-per-update", "episodes", "improve-iterations", "lr", "epochs", "target-kl", "validate-every", "validation-samples", "seed", "init"} {
			if cmd.IsSet(f) {
				return usageErr("--resume %s: --%s is the checkpoint's; drop it", path, f)
			}
		}
		if cmd.Args().Len() > 0 {
			return usageErr("--resume %s: the checkpoint names its instances; drop the arguments", path)
		}
		ck, err := readCheckpoint(path)
		if err != nil {
			return err
		}
		in.Resume, s, files = ck, ck.Settings, ck.Instances
	} else {
		sizes, err := parseSizes(cmd.String("sizes"))
		if err != nil {
			return err
		}
		s = jssp.TrainSettings{
			Updates: int(cmd.Int64("updates")), Sizes: sizes,
			InstancesPerUpdate: int(cmd.Int64("instances-per-update")), EpisodesPerInstance: int(cmd.Int64("episodes")),
			ImproveIterations: cmd.Int64("improve-iterations"), LearningRate: cmd.Float("lr"),
			PPO:           jssp.PPOSettings{Clip: jssp.AuthorsPPO.Clip, Epochs: int(cmd.Int64("epochs")), Minibatches: jssp.AuthorsPPO.Minibatches, TargetKL: cmd.Float("target-kl")},
			ValidateEvery: int(cmd.Int64("validate-every")), ValidationSamples: int(cmd.Int64("validation-samples")),
			Seed: cmd.Uint64("seed"),
		}
		for _, name := range []string{"updates", "instances-per-update", "episodes", "improve-iterations", "epochs", "validate-every", "validation-samples"} {
			if v := cmd.Int64(name); v < 1 {
				return usageErr("--%s %d: want 1 or more", name, v)
			}
		}
		if kl := cmd.Float("target-kl"); !(kl > 0 && kl < 10) {
			return usageErr("--target-kl %v: want a divergence in (0, 10)", kl)
		}
		if lr := cmd.Float("lr"); !(lr > 0 && lr < 1) {
			return usageErr("--lr %v: want a rate in (0, 1)", lr)
		}
		if files, err = trainingFiles(cmd.Args().Slice()); err != nil {
			return err
		}
		if init := cmd.String("init"); init != "" {
			net, err := readPolicyNetwork(cmd, init)
			if err != nil {
				return err
			}
			in.Start = net
		}
	}
	if t := cmd.Int("threads"); t < 0 {
		return usageErr("--threads %d: want 0 (all cores) or more", t)
	}
	s.Threads = int(cmd.Int("threads"))
	for _, f := range files {
		l, err := loadAny(cmd.Root().Reader, f, 0)
		if err != nil {
			return err
		}
		if l.jssp == nil {
			return badInput(fmt.Errorf("%s: %w: a %v file, not a job shop", f, instances.ErrInvalidInstance, l.kind))
		}
		in.Instances = append(in.Instances, l.jssp)
	}
	for i := range len(s.Sizes) * validationPerSize {
		z := s.Sizes[i%len(s.Sizes)]
		in.Validation = append(in.Validation, instances.GenerateJobShop(z.Jobs, z.Machines, solvers.DeriveSeed(s.Seed, "train/validation", uint64(i))))
	}
	bar := newProgress(stderr, "updates", s.Updates)
	if in.Resume != nil && bar.bar != nil {
		bar.set(in.Resume.Done, "resumed")
	}
	in.OnUpdate = func(r jssp.UpdateReport, ck *jssp.Checkpoint) error {
		ck.Instances = files
		if err := writeFileAtomic(cmd.Root().Writer, ckPath, func(w io.Writer) error {
			return json.NewEncoder(w).Encode(ck)
		}); err != nil {
			return err
		}
		note := fmt.Sprintf("improver gain %.1f%%, loss %.4f", 100*r.MeanImprovement, r.Loss)
		if r.Validated {
			note += fmt.Sprintf(", validation %.4f (best %.4f)", r.Score, r.BestScore)
		}
		if bar.bar != nil {
			bar.set(r.Update, note)
		} else { // a log: one full line per update instead of the bar's
			bar.done, bar.note = r.Update, note
			fmt.Fprintf(stderr, "update %d/%d: %d episodes, %d samples, branch step %d, mean makespan %.1f, %s, %d epochs, replay mismatches %d, %.1f s\n",
				r.Update, r.Updates, r.Episodes, r.Samples, r.BranchStep, r.MeanMakespan, note, r.Epochs, r.ReplayMismatch, r.Elapsed.Seconds())
		}
		return nil
	}
	begin := time.Now()
	net, ck, err := jssp.Train(ctx, in, s)
	bar.finish()
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		if errors.Is(err, solvers.ErrInvalidSettings) || errors.Is(err, jssp.ErrCheckpoint) {
			return usageErr("%v", err)
		}
		return err
	}
	if ck == nil || ck.Done == 0 {
		return fmt.Errorf("jssp train: interrupted before the first update ended; nothing written")
	}
	var buf bytes.Buffer
	if err := net.WriteONNX(&buf); err != nil {
		return err
	}
	if _, err := jssp.ReadPolicy(bytes.NewReader(buf.Bytes()), filepath.Base(out)); err != nil {
		return fmt.Errorf("jssp train: bug: the trained policy does not load: %w", err)
	}
	if err := writeFileAtomic(cmd.Root().Writer, out, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d of %d updates in %.0f s; wrote the weights of update %d (validation score %.4f) to %s; checkpoint %s\n",
		ck.Done, s.Updates, time.Since(begin).Seconds(), ck.BestUpdate, ck.BestScore, out, ckPath)
	if interrupted {
		// Like an interrupted solve, which prints its best solution: the
		// policy written is the best so far, and the run can go on.
		fmt.Fprintf(stderr, "interrupted; continue with: cosolve jssp train --out %s --resume %s\n", out, ckPath)
	}
	return nil
}

// trainingFiles expands the arguments: files as given, directories into
// their files. Arguments that name nothing, or directories without files,
// are an error.
func trainingFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, badInput(err)
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, badInput(err)
		}
		n := len(files)
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(a, e.Name()))
			}
		}
		if len(files) == n {
			return nil, badInput(fmt.Errorf("%s: %w: the directory holds no instance files", a, instances.ErrInvalidInstance))
		}
	}
	return files, nil
}

func readCheckpoint(path string) (*jssp.Checkpoint, error) {
	data, name, err := readInput(nil, path, maxModelBytes, "checkpoint")
	if err != nil {
		return nil, err
	}
	return parseCheckpoint(data, name)
}

func parseCheckpoint(data []byte, name string) (*jssp.Checkpoint, error) {
	var ck jssp.Checkpoint
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ck); err != nil {
		return nil, badInput(fmt.Errorf("%s: %w: %v", name, jssp.ErrCheckpoint, err))
	}
	if err := jssp.CheckCheckpoint(&ck); err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", name, err))
	}
	return &ck, nil
}

// readPolicyNetwork reads the reference network from an ONNX policy or, for
// a training checkpoint, its best weights.
func readPolicyNetwork(cmd *ucli.Command, path string) (*jssp.Network, error) {
	data, name, err := readInput(cmd.Root().Reader, path, maxModelBytes, "policy")
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		ck, err := parseCheckpoint(data, name)
		if err != nil {
			return nil, err
		}
		net, err := jssp.NewNetwork(0).WithParams(ck.Best)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s: %w", name, err))
		}
		return net, nil
	}
	p, err := jssp.ReadPolicy(bytes.NewReader(data), name)
	if err != nil {
		return nil, badInput(err)
	}
	np, ok := p.(*jssp.NetworkPolicy)
	if !ok {
		return nil, badInput(fmt.Errorf("%s: %w: not the reference architecture, so it cannot be trained here", name, jssp.ErrWeights))
	}
	return np.Net, nil
}
