package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/tsp"
)

func init() { Register("tsp", runTSP) }

// LoadTSPSource reads a TSP task's instance: a file (line format or TSPLIB, or
// Data already read) or a generator ("uniform", "clustered" with N and GenSeed).
func LoadTSPSource(src Source) (*instances.TSP, error) {
	var inst *instances.TSP
	var err error
	switch {
	case src.Generator == "uniform":
		inst, err = instances.GenerateUniform(src.N, src.GenSeed)
	case src.Generator == "clustered":
		inst, err = instances.GenerateClustered(src.N, src.GenSeed)
	case src.Generator != "":
		return nil, fmt.Errorf("%w: unknown TSP generator %q (want uniform or clustered)", ErrBadInput, src.Generator)
	case src.Data != nil:
		inst, _, err = instances.ReadTSP(bytes.NewReader(src.Data), src.Path, src.Index)
	default:
		inst, _, err = instances.LoadTSP(src.Path, src.Index)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return inst, nil
}

// TSPHeatmap builds the heatmap an option names: "gt-prior", "softdist" or a file
// (dense text or our sparse format).
func TSPHeatmap(inst *instances.TSP, name string) (*heatmap.Heatmap, error) {
	switch name {
	case "gt-prior", "gt":
		return heatmap.GTPrior(inst), nil
	case "softdist":
		return heatmap.SoftDist(inst, 0, 0), nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("%w: heatmap %q is neither gt-prior, softdist nor a readable file: %v", ErrBadInput, name, err)
	}
	h, err := heatmap.Load(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := h.CheckSize(inst.N()); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadInput, name, err)
	}
	return h, nil
}

// runTSP options: preset (a tsp.Presets name, default "cosolve"), heatmap
// (default: the preset's), iterations, samples, kick (segment length),
// kick_type, local_search.
func runTSP(ctx context.Context, t Task) (Outcome, error) {
	o := Options(t.Config.Options)
	presetName, err := o.String("preset", "cosolve")
	if err != nil {
		return Outcome{}, err
	}
	preset, ok := tsp.Presets[presetName]
	if !ok {
		return Outcome{}, fmt.Errorf("%w: unknown preset %q (have %s)", ErrBadInput, presetName, strings.Join(tsp.PresetNames(), ", "))
	}
	hmName, err := o.String("heatmap", preset.Heatmap)
	if err != nil {
		return Outcome{}, err
	}
	iters, err := o.Int("iterations", 0)
	if err != nil {
		return Outcome{}, err
	}
	samples, err := o.Int("samples", preset.Settings.Samples)
	if err != nil {
		return Outcome{}, err
	}
	kick, err := o.Int("kick", preset.Settings.KickLength)
	if err != nil {
		return Outcome{}, err
	}
	kickType, err := o.String("kick_type", preset.Settings.Kick)
	if err != nil {
		return Outcome{}, err
	}
	ls, err := o.String("local_search", preset.Settings.LocalSearch)
	if err != nil {
		return Outcome{}, err
	}
	if iters < 0 || samples < 0 || kick < 0 {
		return Outcome{}, fmt.Errorf("%w: iterations, samples and kick must not be negative", ErrBadInput)
	}
	if t.TimeLimit <= 0 && iters == 0 {
		return Outcome{}, fmt.Errorf("%w: a positive time limit or an iteration budget is required", ErrBadInput)
	}
	inst, err := LoadTSPSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	// The time limit covers the heatmap too.
	if t.TimeLimit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.TimeLimit)
		defer cancel()
	}
	var h *heatmap.Heatmap
	if _, explicit := o["heatmap"]; explicit || preset.Settings.Method == tsp.MCTS || samples > 0 {
		if h, err = TSPHeatmap(inst, hmName); err != nil {
			return Outcome{}, err
		}
	}
	set := preset.Settings
	set.MaxIterations = int64(iters)
	set.Seed = t.Seed
	set.Threads = t.Threads
	set.Heatmap = h
	set.Samples = samples
	set.KickLength = kick
	set.Kick = kickType
	set.LocalSearch = ls
	res, err := tsp.Solve(ctx, inst, set)
	if err != nil {
		if errors.Is(err, tsp.ErrInvalidSettings) || errors.Is(err, heatmap.ErrInvalid) || errors.Is(err, instances.ErrInvalidInstance) {
			return Outcome{}, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		return Outcome{}, err
	}
	length, err := instances.CheckTour(inst, res.Solution.Tour)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	env := Envelope{
		Instance:   inst.Name,
		Kind:       "tsp",
		Objective:  Float(length),
		Status:     res.Status.String(),
		StopReason: res.StopReason.String(),
		Tour:       res.Solution.Tour,
		Stats: map[string]any{
			"iterations": res.Stats.Iterations,
			"samples":    res.Stats.Samples,
			"executed":   res.Stats.Executed,
			"kicks":      res.Stats.Kicks,
			"accepted":   res.Stats.Accepted,
			"restarts":   res.Stats.Restarts,
			"moves":      res.Stats.Moves,
			"setup_s":    res.Stats.Setup.Seconds(),
			"search_s":   res.Stats.Search.Seconds(),
		},
		Extra: map[string]any{"preset": presetName, "heatmap": hmName, "n": inst.N()},
	}
	if res.Status == solvers.Optimal { // our own exhaustive search proves it
		env.Bound = Float(length)
	}
	if t.DataDir != "" && t.Source.Generator == "" {
		if ref, ok := instances.TSPReference(t.DataDir, inst, t.Source.Path, t.Source.Index); ok {
			env.SetReference(ref.Value, string(ref.Kind), false)
		}
	}
	return Outcome{Envelope: env, Instance: inst, Solution: res.Solution.Tour}, nil
}
