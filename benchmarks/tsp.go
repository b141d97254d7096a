package benchmarks

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

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
	case src.Reader != nil:
		inst, _, err = instances.ReadTSP(src.Reader, src.Path, src.Index)
	default:
		inst, _, err = instances.LoadTSP(src.Path, src.Index)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return inst, nil
}

// tspHeatmapFile reads a heatmap file (dense text or our sparse format) and
// checks that it was made for inst, or runs an ONNX model (FILE.onnx) on it.
func tspHeatmapFile(inst *instances.TSP, name string) (*heatmap.Heatmap, error) {
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("%w: heatmap %q is neither %s nor a readable file: %v", ErrBadInput, name, strings.Join(heatmap.Names, ", "), err)
	}
	if strings.HasSuffix(name, ".onnx") {
		om, err := heatmap.LoadONNX(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		h, err := om.Heatmap(inst)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		return h, nil
	}
	h, err := heatmap.Load(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := h.CheckSize(inst.N()); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadInput, name, err)
	}
	if err := heatmapFits(inst, h); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadInput, name, err)
	}
	return h, nil
}

// heatmapFitsNeighbors and heatmapFitsShare define the test heatmapFits
// applies.
const (
	heatmapFitsNeighbors = 10
	heatmapFitsShare     = 0.25
)

// heatmapFits checks that a heatmap file was made for this instance. Files
// carry only n (the literature's dense format has no room for a name), so the
// check looks at the data: every edge prior in use (GT-Prior, SoftDist, the
// learned ones) puts most of its weight on each node's few nearest neighbours,
// while a heatmap made for another instance of the same size puts about
// k/(n−1) there, 2 % at n = 500. Below 100 nodes the two cannot be told apart
// this way, and the check passes.
func heatmapFits(inst *instances.TSP, h *heatmap.Heatmap) error {
	n := inst.N()
	if n < 100 {
		return nil
	}
	nb := heatmap.KNearest(inst, heatmapFitsNeighbors)
	var near, total float64
	for i := 0; i < n; i++ {
		_, vals := h.Row(i)
		for _, v := range vals {
			total += v
		}
		for _, j := range nb.Of(i) {
			near += h.At(i, int(j))
		}
	}
	if total == 0 {
		return fmt.Errorf("%w: the heatmap is all zeros", heatmap.ErrInvalid)
	}
	if share := near / total; share < heatmapFitsShare {
		return fmt.Errorf("%w: only %.1f %% of the heatmap's weight lies on the %d nearest neighbours of each node of %s "+
			"(a heatmap made for it puts most of it there, one made for another instance of %d nodes about %.1f %%): made for another instance?",
			heatmap.ErrInvalid, 100*share, heatmapFitsNeighbors, inst.Name, n, 100*float64(heatmapFitsNeighbors)/float64(n-1))
	}
	return nil
}

// Settings turns the options into the solver's settings for inst: the preset,
// then the options that override it. A heatmap kind (gt-prior, softdist,
// alpha) is left to the solver to build, inside the run's time limit; a file
// is read here. The name returned is the heatmap's canonical name or path.
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
	if o.KOpt != nil {
		set.KOpt = *o.KOpt
	}
	if o.KOptChain != nil {
		set.KOptChain = *o.KOptChain
	}
	if o.Neighbors != nil {
		set.Neighbors = *o.Neighbors
	}
	set.Kick = cmp.Or(o.KickType, set.Kick)
	set.LocalSearch = cmp.Or(o.LocalSearch, set.LocalSearch)
	if set.KOpt == 0 {
		// Like the heatmap, the default depends on the time limit, which
		// the run clears.
		set.KOpt = tsp.DefaultKOpt(set.Method, inst.N(), set.Limits.TimeLimit)
	}
	hmName := cmp.Or(o.Heatmap, preset.Heatmap, tsp.DefaultHeatmap(set.Method, inst.N(), set.Limits.TimeLimit))
	if kind, ok := heatmap.Kind(hmName); ok {
		set.HeatmapKind = kind
		return set, kind, nil
	}
	h, err := tspHeatmapFile(inst, hmName)
	if err != nil {
		return tsp.Settings{}, "", err
	}
	set.Heatmap = h
	return set, hmName, nil
}

// describe is the settings in words, for the search log's header.
func (o TSPOptions) describe(set tsp.Settings, hmName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "preset %s: ", cmp.Or(o.Preset, "cosolve"))
	if set.Method == tsp.MCTS {
		fmt.Fprintf(&b, "MCTS (α %g, β %g, H %g, %d candidates, depth %d), heatmap %s", set.Alpha, set.Beta, set.H, set.MaxCandidates, set.MaxDepth, hmName)
	} else {
		descent := "LK-style descent"
		switch {
		case set.KOpt >= 3 && set.KOptChain < 0:
			descent = fmt.Sprintf("%d-opt descent", set.KOpt)
		case set.KOpt >= 3:
			descent = fmt.Sprintf("chained %d-opt descent", set.KOpt)
		}
		fmt.Fprintf(&b, "hybrid (%s kicks of up to %d nodes, %s", cmp.Or(set.Kick, "segment"), cmp.Or(set.KickLength, 100), descent)
		if set.Samples > 0 {
			fmt.Fprintf(&b, ", %d sampled actions per kick", set.Samples)
		}
		fmt.Fprintf(&b, "), heatmap %s", hmName)
	}
	return b.String()
}

// tourOutputPerNode is what encoding and writing a tour cost per node after
// the solver returns: at n = 10^6 the JSON encoding took 18-92 ms and the tour
// file 17-42 ms (a loaded machine).
const tourOutputPerNode = 100 * time.Nanosecond

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
	ref := Reference(t.DataDir, inst, t.Source)
	// The time limit covers the heatmap too.
	limits := t.limits()
	ctx, cancel := limits.Context(ctx)
	defer cancel()
	if d, ok := ctx.Deadline(); ok {
		// After the solver returns, the run checks the tour again and encodes
		// it (and the command line writes it): stop the solver that much
		// earlier, so a million-node run still ends by its limit.
		var stopEarly context.CancelFunc
		ctx, stopEarly = context.WithDeadline(ctx, d.Add(-time.Duration(inst.N())*tourOutputPerNode))
		defer stopEarly()
	}
	// The default heatmap depends on the time limit, so Settings sees it; the
	// solver then runs on the context's deadline alone, which stops it early
	// enough for the output.
	set, hmName, err := o.Settings(inst, limits)
	if err != nil {
		return Outcome{}, err
	}
	set.Limits.TimeLimit = 0
	if err := t.Started(RunInfo{Instance: inst.Name, Kind: "tsp", Size: fmt.Sprintf("n = %d, %s", inst.N(), inst.Metric),
		Settings: o.describe(set, hmName), Reference: ref, Bound: math.NaN(), Problem: inst}); err != nil {
		return Outcome{}, err
	}
	stop := newTarget(o.StopAtReference, ref, false, cancel)
	set.OnImprove = func(s tsp.Solution) {
		t.Improved(s.Length, s.Bound, s.Phase, s.Iteration)
		stop.offer(s.Length)
	}
	res, err := tsp.Solve(ctx, inst, set)
	if err != nil {
		return Outcome{}, solverErr(err)
	}
	// tsp.Solve returns no tour that instances.CheckTour has not passed, and
	// its Objective is the checker's length: a second pass here cost 25–45
	// ms at n = 10^6, after a SIGINT as well, where no reserve can cover it.
	env := newEnvelope(inst.Name, "tsp", res.Objective, res.Bound, res.Status, res.StopReason, res.Stats)
	env.Tour = res.Solution.Tour
	env.Extra = map[string]any{"preset": cmp.Or(o.Preset, "cosolve"), "heatmap": hmName, "n": inst.N()}
	env.setReference(ref, false)
	stop.settle(&env)
	return Outcome{Envelope: env, Instance: inst, Solution: res.Solution.Tour, FoundBy: res.Solution.Phase}, nil
}
