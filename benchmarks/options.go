package benchmarks

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cosolve/cosolve/solvers/jssp"
	"github.com/cosolve/cosolve/solvers/tsp"
)

// TSPOptions are the tsp solver's own settings, as a sweep spec's
// [configs.options] table and the `tsp solve` flags give them. Zero values are
// the defaults.
type TSPOptions struct {
	// Preset names a tsp.Presets configuration; "" = "cosolve".
	Preset string `toml:"preset" json:"preset,omitempty"`
	// Heatmap is gt-prior, softdist or a heatmap file; "" = the preset's. Only
	// a method that samples reads one (the default method does not), so naming
	// one for any other is refused rather than silently ignored.
	Heatmap string `toml:"heatmap" json:"heatmap,omitempty"`
	// StopAtReference ends the run once the tour reaches the published
	// reference (LKH's OPTIMUM); the run is then optimal when the reference is
	// a proved optimum.
	StopAtReference bool `toml:"stop_at_reference" json:"stop_at_reference,omitempty"`
	// Iterations is the iteration budget (sampled actions plus kicks).
	Iterations int64 `toml:"iterations" json:"iterations,omitempty"`
	// Samples, KickLength, KickType and LocalSearch override the preset's.
	Samples     *int   `toml:"samples" json:"samples,omitempty"`
	KickLength  *int   `toml:"kick" json:"kick,omitempty"`
	KickType    string `toml:"kick_type" json:"kick_type,omitempty"`
	LocalSearch string `toml:"local_search" json:"local_search,omitempty"`
}

// JSSPOptions are the jssp solver's own settings.
type JSSPOptions struct {
	// Policy is a rule (spt, mwkr, mopnr, fdd-mwkr, fifo), an ONNX policy file or
	// the authors' state dict as JSON; "$DATA/" names a file in the data
	// directory; "" = fdd-mwkr.
	Policy string `toml:"policy" json:"policy,omitempty"`
	// Samples is K: 0 = greedy, K > 0 = best of K sampled rollouts.
	Samples int `toml:"samples" json:"samples,omitempty"`
	// Method is what follows dispatching: dispatch, tabu, lns, exact or
	// portfolio; "" = auto (portfolio when the run has a budget).
	Method string `toml:"method" json:"method,omitempty"`
	// Iterations is the improvement's machine-independent budget.
	Iterations int64 `toml:"iterations" json:"iterations,omitempty"`
	// StopAtReference ends the run once the makespan reaches the published
	// reference; the run is then optimal when the reference is a proved optimum.
	StopAtReference bool `toml:"stop_at_reference" json:"stop_at_reference,omitempty"`
	// NoElite turns off the elite pool and path relinking of the tabu search
	// (jssp.Settings.NoElite), for sweeps against the search before them.
	NoElite bool `toml:"no_elite" json:"no_elite,omitempty"`
}

// RobustOptions are the robust solver's own settings.
type RobustOptions struct {
	// Model is a value network in ONNX; "" = the shipped one.
	Model string `toml:"model" json:"model,omitempty"`
	// Backend is auto (the best built in), cbc, or heuristic (sampling
	// adversary and scenario-DP main problem); "" = auto.
	Backend string `toml:"backend" json:"backend,omitempty"`
	// Samples is the number of scenarios the sampling adversary scores.
	Samples int `toml:"samples" json:"samples,omitempty"`
	// MaxScenarios caps the scenarios the CCG adds (0 = 20).
	MaxScenarios int `toml:"max_scenarios" json:"max_scenarios,omitempty"`
	// Iterations bounds the exact evaluations, which makes runs repeatable.
	Iterations int64 `toml:"iterations" json:"iterations,omitempty"`
	// NoPolish stops after the CCG (Neur2RO's method alone).
	NoPolish bool `toml:"no_polish" json:"no_polish,omitempty"`
}

// decodeOptions decodes a config's options table into the options type of
// its solver. Keys the type does not have are left undecoded, and LoadSpec
// reports them.
func decodeOptions(md toml.MetaData, c *Config) error {
	switch c.Solver {
	case "tsp":
		c.TSP = &TSPOptions{}
		return md.PrimitiveDecode(c.Options, c.TSP)
	case "jssp":
		c.JSSP = &JSSPOptions{}
		return md.PrimitiveDecode(c.Options, c.JSSP)
	case "robust":
		c.Robust = &RobustOptions{}
		return md.PrimitiveDecode(c.Options, c.Robust)
	}
	return nil
}

// validate checks what can be checked before any instance is read, so a sweep
// fails at once rather than run by run.
func (o *TSPOptions) validate() error {
	if o == nil {
		return nil
	}
	preset, ok := tsp.Presets[cmp.Or(o.Preset, "cosolve")]
	if !ok {
		return fmt.Errorf("preset %q: unknown (have %s)", o.Preset, strings.Join(tsp.PresetNames(), ", "))
	}
	set := preset.Settings
	if o.Samples != nil {
		set.Samples = *o.Samples
	}
	if o.Heatmap != "" && !samples(set) {
		return fmt.Errorf("heatmap %q has no effect: preset %s (the hybrid method) samples no actions; "+
			"choose an MCTS preset (fu-default, reference, pan-…) or samples > 0", o.Heatmap, cmp.Or(o.Preset, "cosolve"))
	}
	switch {
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	case o.Samples != nil && *o.Samples < 0:
		return fmt.Errorf("samples %d: must not be negative", *o.Samples)
	case o.KickLength != nil && *o.KickLength < 0:
		return fmt.Errorf("kick %d: must not be negative", *o.KickLength)
	}
	return nil
}

func (o *JSSPOptions) validate() error {
	if o == nil {
		return nil
	}
	if _, ok := jssp.ParseMethod(o.Method); o.Method != "" && !ok {
		return fmt.Errorf("method %q: want dispatch, tabu, lns, exact or portfolio", o.Method)
	}
	if _, isRule := jssp.ParseRule(o.Policy); isRule && o.Samples > 0 {
		return fmt.Errorf("samples %d: rule %s is deterministic; sampling needs an ONNX policy", o.Samples, o.Policy)
	}
	switch {
	case o.Samples < 0:
		return fmt.Errorf("samples %d: must be 0 (greedy) or more", o.Samples)
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	}
	return nil
}

func (o *RobustOptions) validate() error {
	if o == nil {
		return nil
	}
	if _, err := robustBackend(o.Backend); err != nil {
		return err
	}
	switch {
	case o.Samples < 0:
		return fmt.Errorf("samples %d: must not be negative", o.Samples)
	case o.MaxScenarios < 0:
		return fmt.Errorf("max_scenarios %d: must not be negative", o.MaxScenarios)
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	}
	return nil
}

// Validate checks the configuration's options before any run.
func (c Config) Validate() error {
	var err error
	switch c.Solver {
	case "tsp":
		err = c.TSP.validate()
	case "jssp":
		err = c.JSSP.validate()
	case "robust":
		err = c.Robust.validate()
	}
	if err != nil {
		return fmt.Errorf("%w: config %q: %w", ErrBadInput, c.Name, err)
	}
	return nil
}
