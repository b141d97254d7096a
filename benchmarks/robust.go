package benchmarks

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
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

// LoadCBSource reads a capital-budgeting task's instance from a file (or its
// Reader).
func LoadCBSource(src Source) (*instances.CapitalBudgeting, error) {
	var c *instances.CapitalBudgeting
	var err error
	switch {
	case src.Generator != "":
		return nil, fmt.Errorf("%w: capital budgeting has no generator in specs (got %q): use the published files", ErrBadInput, src.Generator)
	case src.Reader != nil:
		c, err = instances.ReadCapitalBudgeting(src.Reader, src.Path)
	default:
		c, err = instances.LoadCapitalBudgeting(src.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	c.Name = withoutFileExt(c.Name)
	return c, nil
}

// RobustModel loads a value network from path ("" = the shipped one) for the
// problem kind ("kp", "cb") and checks that it has the structure the solver
// encodes, with that problem's inputs.
func RobustModel(path, kind string) (*nnsurrogate.Model, error) {
	if path == "" {
		return robust.ShippedModel(kind)
	}
	m, err := nnsurrogate.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrBadInput, path, err)
	}
	l, _ := robust.LayoutOf(kind)
	if err := robust.CheckModelFor(m, l); err != nil {
		return nil, fmt.Errorf("%w: model %s: %w", ErrBadInput, path, err)
	}
	return m, nil
}

// robustProblem tells the problem of a task: the Problem option when set,
// else the start of the file's content. A streamed source is peeked at, so
// the returned source still reads from its beginning.
func robustProblem(o RobustOptions, src Source) (string, Source, error) {
	if o.Problem != "" || src.Generator != "" {
		return cmp.Or(o.Problem, "kp"), src, nil
	}
	var head []byte
	if src.Reader != nil {
		br := bufio.NewReaderSize(src.Reader, detectHead)
		head, _ = br.Peek(detectHead)
		src.Reader = br
	} else {
		f, err := os.Open(src.Path)
		if err != nil {
			return "", src, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		head = make([]byte, detectHead)
		n, _ := io.ReadFull(f, head)
		f.Close()
		head = head[:n]
	}
	if instances.DetectKind(head) == instances.KindCapitalBudget {
		return "cb", src, nil
	}
	return "kp", src, nil
}

// detectHead is how much of a file tells its kind.
const detectHead = 1 << 16

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

// Settings turns the options into the solver's settings for the problem kind
// ("kp", "cb").
func (o RobustOptions) Settings(limits solvers.Limits, kind string) (robust.Settings, error) {
	if err := o.validate(); err != nil {
		return robust.Settings{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	solver, _ := robustBackend(o.Backend)
	if cmp.Or(o.Backend, "auto") == "auto" {
		solver = nil // the library's default, which depends on the problem
	}
	model, err := RobustModel(o.Model, kind)
	if err != nil {
		return robust.Settings{}, err
	}
	limits.MaxIterations = o.Iterations
	return robust.Settings{Limits: limits, Model: model, MILP: solver, Samples: o.Samples, MaxScenarios: o.MaxScenarios, NoPolish: o.NoPolish,
		PolishKicks: o.PolishKicks, CCGShare: o.CCGShare, ModelLabel: robust.LabelSense(o.ModelLabel)}, nil
}

func runRobust(ctx context.Context, t Task) (Outcome, error) {
	var o RobustOptions
	if t.Config.Robust != nil {
		o = *t.Config.Robust
	}
	kind, src, err := robustProblem(o, t.Source)
	if err != nil {
		return Outcome{}, err
	}
	t.Source = src
	set, err := o.Settings(t.limits(), kind)
	if err != nil {
		return Outcome{}, err
	}
	if kind == "cb" {
		return runCapitalBudgeting(ctx, t, o, set)
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
	set.OnImprove = func(s robust.Solution) { t.Improved(s.Profit, 0, s.Phase, s.Iteration) }
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

// runCapitalBudgeting solves a capital-budgeting instance. Objectives are
// Neur2RO's (minus the revenue, smaller is better) under its sampled-scenario
// evaluation. On a published instance that evaluation is Neur2RO's protocol:
// every method's first stage is evaluated on the union of the scenarios all
// methods found (the published ones, the solver's own hardening scenarios) and
// the 10,000 random ones, and the reference is the best published method's
// objective on that union. The published objective (on the published
// scenarios alone) is kept in published_best.
func runCapitalBudgeting(ctx context.Context, t Task, o RobustOptions, set robust.Settings) (Outcome, error) {
	c, err := LoadCBSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	var opts robust.CBOptions
	var ref *instances.Reference
	var pub instances.CBPublished
	published := false
	if t.DataDir != "" {
		if pub, published, err = instances.CBPublishedFor(t.DataDir, c); err == nil && published {
			ref = &instances.Reference{Value: pub.BestKnown(), Kind: instances.RefBestKnown}
			if scen, ok, err := instances.CBScenariosFor(t.DataDir, c); err == nil && ok {
				opts.Scenarios = scen
			}
		}
	}
	prob, err := robust.NewCapitalBudgeting(c, opts)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := t.Started(RunInfo{Instance: c.Name, Kind: "robust-cb", Size: fmt.Sprintf("n = %d projects, d = %d", c.N(), c.XiDim()),
		Settings: o.describe(set), Reference: ref, Maximize: false, Bound: math.NaN(), Problem: c}); err != nil {
		return Outcome{}, err
	}
	set.OnImprove = func(s robust.Solution) { t.Improved(-s.Profit, 0, s.Phase, s.Iteration) }
	res, err := robust.SolveProblem(ctx, prob, set)
	if err != nil {
		return Outcome{}, solverErr(err)
	}
	if err := instances.CheckCBFirstStage(c, res.Solution.FirstStage); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	if published {
		// The solver's scenarios join the union: evaluate the published first
		// stages on it too.
		best := math.Inf(1)
		for _, m := range append([]instances.CBMethodResult{pub.Neur2RO}, pub.KAdapt[2], pub.KAdapt[5], pub.KAdapt[10]) {
			x, err := instances.ParseFirstStage(m.FirstStage, c.N())
			if err != nil || math.IsNaN(m.Objective) {
				continue
			}
			as, err := prob.Evaluate(context.WithoutCancel(ctx), x, nil)
			if err != nil {
				return Outcome{}, fmt.Errorf("%w: evaluating the published first stage %s: %w", ErrInvalidResult, m.FirstStage, err)
			}
			best = math.Min(best, -as.Worth)
		}
		ref = &instances.Reference{Value: best, Kind: instances.RefBestKnown}
	}
	env := newEnvelope(c.Name, "robust-cb", -res.Objective, res.Bound, res.Status, res.StopReason, res.Stats)
	env.FirstStage = instances.FormatFirstStage(res.Solution.FirstStage)
	env.Extra = map[string]any{"backend": res.Stats.Backend, "n": c.N(), "evaluation": fmt.Sprintf("sampled scenarios (%d published + 10000 random)", len(opts.Scenarios))}
	if published {
		env.Extra["published_best"] = pub.BestKnown()
		env.Extra["neur2ro_obj"] = pub.Neur2RO.Objective
		env.Extra["neur2ro_time_s"] = pub.Neur2RO.TimeS
	}
	env.setReference(ref, false)
	return Outcome{Envelope: env, Instance: c, Solution: res.Solution.FirstStage, FoundBy: res.Solution.Phase}, nil
}
