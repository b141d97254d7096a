package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers/robust"
)

func init() { Register("robust", runRobust) }

// LoadRobustSource reads a robust knapsack task's instance: a file (or Data already
// read), or the generator "robust" with Name = a published-style name
// (RKP_<corr>_n<n>_R<R>_H<H>_h<h>_dev<bf>_d<δ>) and GenSeed.
func LoadRobustSource(src Source) (*instances.RobustKnapsack, error) {
	var k *instances.RobustKnapsack
	var err error
	switch {
	case src.Generator == "robust":
		var p instances.RKPParams
		if p, err = instances.ParseRKPName(src.Name); err == nil {
			k, err = instances.GenerateRobustKnapsack(p, src.GenSeed)
		}
	case src.Generator != "":
		return nil, fmt.Errorf("%w: unknown robust generator %q (want robust)", ErrBadInput, src.Generator)
	case src.Data != nil:
		k, err = instances.ReadRobustKnapsack(bytes.NewReader(src.Data), src.Path)
	default:
		k, err = instances.LoadRobustKnapsack(src.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return k, nil
}

// RobustModel loads a value network from path ("" = the shipped one) and checks
// that it has the structure the solver encodes.
func RobustModel(path string) (*nnsurrogate.Model, error) {
	if path == "" {
		return robust.DefaultModel()
	}
	m, err := nnsurrogate.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrBadInput, path, err)
	}
	if err := robust.CheckModel(m); err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrBadInput, path, err)
	}
	return m, nil
}

// runRobust options: model (ONNX path, default the shipped network), backend
// ("auto" = the best built in, "cbc", or "heuristic" for the sampling adversary and
// scenario-DP main problem), samples, max_iterations, polish (exact iterated flip-and-swap
// local search after the CCG; on unless polish = false, which leaves Neur2RO alone).
func runRobust(ctx context.Context, t Task) (Outcome, error) {
	o := Options(t.Config.Options)
	modelPath, err := o.String("model", "")
	if err != nil {
		return Outcome{}, err
	}
	backend, err := o.String("backend", "auto")
	if err != nil {
		return Outcome{}, err
	}
	samples, err := o.Int("samples", 0)
	if err != nil {
		return Outcome{}, err
	}
	maxIt, err := o.Int("max_iterations", 0)
	if err != nil {
		return Outcome{}, err
	}
	polish, err := o.Bool("polish", true)
	if err != nil {
		return Outcome{}, err
	}
	if samples < 0 || maxIt < 0 {
		return Outcome{}, fmt.Errorf("%w: samples and max_iterations must not be negative", ErrBadInput)
	}
	var solver milp.Solver
	switch backend {
	case "auto":
		solver = milp.Default()
	case "heuristic":
		solver = milp.Simplex{}
	default:
		for _, b := range milp.Backends() {
			if b.Name() == backend {
				solver = b
			}
		}
		if solver == nil {
			return Outcome{}, fmt.Errorf("%w: backend %q is not built in (have auto, heuristic and %v)", ErrBadInput, backend, backendNames())
		}
	}
	k, err := LoadRobustSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	model, err := RobustModel(modelPath)
	if err != nil {
		return Outcome{}, err
	}
	res, err := robust.Solve(ctx, k, robust.Settings{
		TimeLimit: t.TimeLimit, Model: model, MILP: solver, Samples: samples, MaxIterations: maxIt, Seed: t.Seed, Threads: t.Threads,
		Polish: polish,
	})
	if err != nil {
		if errors.Is(err, robust.ErrModel) || errors.Is(err, instances.ErrInvalidInstance) {
			return Outcome{}, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		return Outcome{}, err
	}
	if err := instances.CheckFirstStage(k, res.FirstStage); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	env := Envelope{
		Instance:   k.Name,
		Kind:       "robust-kp",
		Objective:  Float(res.Objective),
		Status:     res.Status.String(),
		StopReason: res.StopReason.String(),
		FirstStage: instances.FormatFirstStage(res.FirstStage),
		Stats: map[string]any{
			"main_solves":      res.Stats.MainSolves,
			"adversary_solves": res.Stats.AdversarySolves,
			"main_s":           res.Stats.MainTime.Seconds(),
			"adversary_s":      res.Stats.AdversaryTime.Seconds(),
			"eval_s":           res.Stats.EvalTime.Seconds(),
			"adv_binaries":     res.Stats.AdvBinaries,
			"encoding_checks":  res.Stats.EncodingChecks,
			"milp_timeouts":    res.Stats.MILPTimeouts,
			"scenarios":        len(res.Scenarios),
			"predicted_ss":     res.Stats.LastPredicted,
			"polish_evals":     res.Stats.PolishEvals,
			"polish_kicks":     res.Stats.PolishKicks,
			"polish_gain":      res.Stats.PolishGain,
		},
		Extra: map[string]any{"iterations": res.Iterations, "backend": res.Backend, "n": k.N()},
	}
	if p, err := instances.ParseRKPName(k.Name); err == nil {
		// Published-style names carry the recipe, so reports can group by it.
		env.Extra["corr"] = string(p.Corr)
	}
	if t.DataDir != "" && t.Source.Generator == "" {
		ref, ok, err := instances.RobustKnapsackReference(t.DataDir, k.Name)
		if err == nil && ok {
			env.SetReference(ref.Value, string(ref.Kind), true)
		}
	}
	return Outcome{Envelope: env, Instance: k, Solution: res.FirstStage}, nil
}

func backendNames() []string {
	var names []string
	for _, b := range milp.Backends() {
		names = append(names, b.Name())
	}
	return names
}
