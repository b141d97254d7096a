package benchmarks

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/milp"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
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
	case src.Reader != nil:
		k, err = instances.ReadRobustKnapsack(src.Reader, src.Path)
	default:
		k, err = instances.LoadRobustKnapsack(src.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	k.Name = withoutFileExt(k.Name)
	return k, nil
}

// withoutFileExt drops a file extension such as ".txt" from an instance name
// taken from a file name; the published names end in numbers with a dot
// ("…_dev0.15_d0.5"), which are kept.
func withoutFileExt(name string) string {
	ext := filepath.Ext(name)
	if len(ext) < 2 || ext == name {
		return name
	}
	for _, c := range ext[1:] {
		if !unicode.IsLetter(c) {
			return name
		}
	}
	return strings.TrimSuffix(name, ext)
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

// robustBackend resolves a backend option.
func robustBackend(name string) (milp.Solver, error) {
	switch name {
	case "", "auto":
		return milp.Default(), nil
	case "heuristic":
		return milp.Simplex{}, nil
	}
	for _, b := range milp.Backends() {
		if b.Name() == name {
			return b, nil
		}
	}
	hint := ""
	if name == "cbc" {
		hint = "; build with -tags cbc (needs coinor-libcbc-dev) for the CBC backend"
	}
	return nil, fmt.Errorf("backend %q is not built in (have %s)%s", name, strings.Join(append([]string{"auto", "heuristic"}, backendNames()...), ", "), hint)
}

// describe is the settings in words, for the search log's header.
func (o RobustOptions) describe(set robust.Settings) string {
	model := "the shipped value network"
	if o.Model != "" {
		model = o.Model
	}
	polish := "then the exact polish"
	if set.NoPolish {
		polish = "no polish"
	}
	return fmt.Sprintf("Neur2RO CCG with %s, backend %s, %s", model, cmp.Or(o.Backend, "auto"), polish)
}

// Settings turns the options into the solver's settings.
func (o RobustOptions) Settings(limits solvers.Limits) (robust.Settings, error) {
	if err := o.validate(); err != nil {
		return robust.Settings{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	solver, _ := robustBackend(o.Backend)
	model, err := RobustModel(o.Model)
	if err != nil {
		return robust.Settings{}, err
	}
	limits.MaxIterations = o.Iterations
	return robust.Settings{Limits: limits, Model: model, MILP: solver, Samples: o.Samples, MaxScenarios: o.MaxScenarios, NoPolish: o.NoPolish}, nil
}

func runRobust(ctx context.Context, t Task) (Outcome, error) {
	var o RobustOptions
	if t.Config.Robust != nil {
		o = *t.Config.Robust
	}
	set, err := o.Settings(t.limits())
	if err != nil {
		return Outcome{}, err
	}
	k, err := LoadRobustSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	ref := Reference(t.DataDir, k, t.Source)
	if err := t.Started(RunInfo{Instance: k.Name, Kind: "robust-kp", Size: fmt.Sprintf("n = %d items, Γ = %g", k.N(), k.Gamma),
		Settings: o.describe(set), Reference: ref, Maximize: true, Bound: math.NaN(), Problem: k}); err != nil {
		return Outcome{}, err
	}
	set.OnImprove = func(s robust.Solution) { t.Improved(s.Profit, s.Phase, s.Iteration) }
	res, err := robust.Solve(ctx, k, set)
	if err != nil {
		return Outcome{}, solverErr(err)
	}
	if err := instances.CheckFirstStage(k, res.Solution.FirstStage); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	env := newEnvelope(k.Name, "robust-kp", res.Objective, res.Bound, res.Status, res.StopReason, res.Stats)
	env.FirstStage = instances.FormatFirstStage(res.Solution.FirstStage)
	env.Extra = map[string]any{"backend": res.Stats.Backend, "n": k.N()}
	if p, err := instances.ParseRKPName(k.Name); err == nil {
		// Published-style names carry the recipe, so reports can group by it.
		env.Extra["corr"] = string(p.Corr)
	}
	env.setReference(ref, true)
	return Outcome{Envelope: env, Instance: k, Solution: res.Solution.FirstStage, FoundBy: res.Solution.Phase}, nil
}

func backendNames() []string {
	var names []string
	for _, b := range milp.Backends() {
		names = append(names, b.Name())
	}
	return names
}
