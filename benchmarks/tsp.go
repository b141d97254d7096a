package benchmarks

import (
	"bytes"
	"cmp"
	"context"
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

// TSPHeatmap builds the heatmap an option names: a kind heatmap.ByName
// knows (gt-prior, softdist) or a file (dense text or our sparse format).
func TSPHeatmap(inst *instances.TSP, name string) (*heatmap.Heatmap, error) {
	if h, ok := heatmap.ByName(inst, name, 0); ok {
		return h, nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("%w: heatmap %q is neither %s nor a readable file: %v", ErrBadInput, name, strings.Join(heatmap.Names, ", "), err)
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

// Settings turns the options into the solver's settings for inst: the preset,
// then the options that override it. The heatmap is built only when the
// method samples or the options name one.
func (o TSPOptions) Settings(inst *instances.TSP, limits solvers.Limits) (tsp.Settings, string, error) {
	if err := o.validate(); err != nil {
		return tsp.Settings{}, "", fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	preset := tsp.Presets[cmp.Or(o.Preset, "cosolve")]
	set := preset.Settings
	set.Limits = limits
	set.Limits.MaxIterations = o.Iterations
	if o.Samples != nil {
		set.Samples = *o.Samples
	}
	if o.KickLength != nil {
		set.KickLength = *o.KickLength
	}
	set.Kick = cmp.Or(o.KickType, set.Kick)
	set.LocalSearch = cmp.Or(o.LocalSearch, set.LocalSearch)
	hmName := cmp.Or(o.Heatmap, preset.Heatmap)
	if o.Heatmap != "" || set.Method == tsp.MCTS || set.Samples > 0 {
		h, err := TSPHeatmap(inst, hmName)
		if err != nil {
			return tsp.Settings{}, "", err
		}
		set.Heatmap = h
	}
	return set, hmName, nil
}

func runTSP(ctx context.Context, t Task) (Outcome, error) {
	var o TSPOptions
	if t.Config.TSP != nil {
		o = *t.Config.TSP
	}
	if t.TimeLimit <= 0 && o.Iterations == 0 {
		return Outcome{}, fmt.Errorf("%w: a positive time limit or an iteration budget is required", ErrBadInput)
	}
	inst, err := LoadTSPSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	// The time limit covers the heatmap too.
	limits := t.limits()
	ctx, cancel := limits.Context(ctx)
	defer cancel()
	limits.TimeLimit = 0
	set, hmName, err := o.Settings(inst, limits)
	if err != nil {
		return Outcome{}, err
	}
	res, err := tsp.Solve(ctx, inst, set)
	if err != nil {
		return Outcome{}, solverErr(err)
	}
	length, err := instances.CheckTour(inst, res.Solution.Tour)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	env := newEnvelope(inst.Name, "tsp", length, res.Bound, res.Status, res.StopReason, res.Stats)
	env.Tour = res.Solution.Tour
	env.Extra = map[string]any{"preset": cmp.Or(o.Preset, "cosolve"), "heatmap": hmName, "n": inst.N()}
	if t.DataDir != "" && t.Source.Generator == "" {
		if ref, ok := instances.TSPReference(t.DataDir, inst, t.Source.Path, t.Source.Index); ok {
			env.SetReference(ref.Value, string(ref.Kind), false)
		}
	}
	return Outcome{Envelope: env, Instance: inst, Solution: res.Solution.Tour}, nil
}
