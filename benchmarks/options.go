package benchmarks

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cosolve/cosolve/solvers/jssp"
	"github.com/cosolve/cosolve/solvers/robust"
	"github.com/cosolve/cosolve/solvers/tsp"
)

// TSPOptions are the tsp solver's own settings, as a sweep spec's
// [configs.options] table and the `tsp solve` flags give them. Zero values are
// the defaults.
type TSPOptions struct {
	// Preset names a tsp.Presets configuration; "" = "cosolve".
	Preset string `toml:"preset" json:"preset,omitempty"`
	// Heatmap is gt-prior, softdist, alpha or a heatmap file; "" = the
	// preset's. The default method takes its candidate edges from it, the MCTS
	// its statistics; alpha also gives the run a lower bound.
	Heatmap string `toml:"heatmap" json:"heatmap,omitempty"`
	// StopAtReference ends the run once the tour reaches the published
	// reference (LKH's OPTIMUM); the run is then optimal when the reference is
	// a proved optimum.
	StopAtReference bool `toml:"stop_at_reference" json:"stop_at_reference,omitempty"`
	// Iterations is the iteration budget (sampled actions plus kicks).
	Iterations int64 `toml:"iterations" json:"iterations,omitempty"`
	// Samples, KickLength, KickType, LocalSearch, KOpt, KOptChain and
	// Neighbors (the length of the local search's candidate lists) override
	// the preset's (tsp.Settings).
	Samples     *int   `toml:"samples" json:"samples,omitempty"`
	Neighbors   *int   `toml:"neighbors" json:"neighbors,omitempty"`
	KickLength  *int   `toml:"kick" json:"kick,omitempty"`
	KOpt        *int   `toml:"kopt" json:"kopt,omitempty"`
	KOptChain   *int   `toml:"kopt_chain" json:"kopt_chain,omitempty"`
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
	// portfolio, or mcts (tree-search construction, then the portfolio);
	// "" = auto (portfolio when the run has a budget).
	Method string `toml:"method" json:"method,omitempty"`
	// DispatchShare is the share of the time limit the construction may use
	// (jssp.Settings.DispatchShare); 1 with method mcts compares
	// constructions alone. 0 = the method's default.
	DispatchShare float64 `toml:"dispatch_share" json:"dispatch_share,omitempty"`
	// MCTSRollout is method mcts's rollout policy: "policy" for the
	// construction's policy itself, or a rule; "" = jssp's default by shop
	// size (MCTSSettings.Rollout).
	MCTSRollout string `toml:"mcts_rollout" json:"mcts_rollout,omitempty"`
	// Iterations is the improvement's machine-independent budget.
	Iterations int64 `toml:"iterations" json:"iterations,omitempty"`
	// StopAtReference ends the run once the makespan reaches the published
	// reference; the run is then optimal when the reference is a proved optimum.
	StopAtReference bool `toml:"stop_at_reference" json:"stop_at_reference,omitempty"`
	// NoElite turns off the elite pool and path relinking of the tabu search
	// (jssp.Settings.NoElite), for sweeps against the search before them.
	NoElite bool `toml:"no_elite" json:"no_elite,omitempty"`
	// NoDiversify turns off the pool's restarts from random active schedules
	// and its emptying (jssp.Settings.NoDiversify), for sweeps against the
	// pool search before them.
	NoDiversify bool `toml:"no_diversify" json:"no_diversify,omitempty"`
	// WarmStart is a schedule file (the JSON that jssp solve --out writes)
	// that the improvement starts from instead of a constructed schedule.
	WarmStart string `toml:"warm_start" json:"warm_start,omitempty"`
	// FreezeBefore keeps every operation that starts before it in the warm
	// start where it is (jssp.Settings.Frozen); 0 freezes nothing.
	FreezeBefore int `toml:"freeze_before" json:"freeze_before,omitempty"`
}

// RobustOptions are the robust solver's own settings.
type RobustOptions struct {
	// Problem is kp (robust knapsack) or cb (capital budgeting); "" = told
	// from the instance file (generated instances are knapsacks).
	Problem string `toml:"problem" json:"problem,omitempty"`
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
	// PolishKicks is how many kicks in a row without a new best end the
	// polish (0 = 20).
	PolishKicks int `toml:"polish_kicks" json:"polish_kicks,omitempty"`
	// CCGShare is the part of the time limit (and of Iterations) the CCG
	// may use before the polish (robust.Settings.CCGShare; 0 = 0.5, 1 = all).
	CCGShare float64 `toml:"ccg_share" json:"ccg_share,omitempty"`
	// ModelLabel is the label sense of a model that does not record it:
	// cost or saving (robust.Settings.ModelLabel; "" = read as a cost).
	ModelLabel string `toml:"model_label" json:"model_label,omitempty"`
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
	case "lkh":
		c.LKH = &LKHOptions{}
		return md.PrimitiveDecode(c.Options, c.LKH)
	}
	return nil
}

// validate checks what can be checked before any instance is read, so a sweep
// fails at once rather than run by run.
func (o *TSPOptions) validate() error {
	if o == nil {
		return nil
	}
	if _, ok := tsp.Presets[cmp.Or(o.Preset, "cosolve")]; !ok {
		return fmt.Errorf("preset %q: unknown (have %s)", o.Preset, strings.Join(tsp.PresetNames(), ", "))
	}
	switch {
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	case o.Samples != nil && *o.Samples < 0:
		return fmt.Errorf("samples %d: must not be negative", *o.Samples)
	case o.KickLength != nil && *o.KickLength < 0:
		return fmt.Errorf("kick %d: must not be negative", *o.KickLength)
	case o.KOpt != nil && (*o.KOpt < 0 || *o.KOpt > 5):
		return fmt.Errorf("kopt %d: want 0 to 5", *o.KOpt)
	case o.Neighbors != nil && *o.Neighbors < 0:
		return fmt.Errorf("neighbors %d: must not be negative", *o.Neighbors)
	}
	return nil
}

func (o *JSSPOptions) validate() error {
	if o == nil {
		return nil
	}
	if _, ok := jssp.ParseMethod(o.Method); o.Method != "" && !ok {
		return fmt.Errorf("method %q: want dispatch, tabu, lns, exact, portfolio or mcts", o.Method)
	}
	if _, isRule := jssp.ParseRule(o.Policy); isRule && o.Samples > 0 {
		return fmt.Errorf("samples %d: rule %s is deterministic; sampling needs an ONNX policy", o.Samples, o.Policy)
	}
	switch {
	case o.Samples < 0:
		return fmt.Errorf("samples %d: must be 0 (greedy) or more", o.Samples)
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	case !(o.DispatchShare >= 0 && o.DispatchShare <= 1):
		return fmt.Errorf("dispatch_share %v: want 0 (the default) to 1", o.DispatchShare)
	case o.FreezeBefore < 0:
		return fmt.Errorf("freeze_before %d: must not be negative", o.FreezeBefore)
	case o.FreezeBefore > 0 && o.WarmStart == "":
		return fmt.Errorf("freeze_before %d: freezes operations of a warm start, and warm_start is not set", o.FreezeBefore)
	case o.MCTSRollout != "" && o.Method != "mcts":
		return fmt.Errorf("mcts_rollout %q: only method mcts rolls out", o.MCTSRollout)
	}
	if _, rule := jssp.ParseRule(o.MCTSRollout); o.MCTSRollout != "" && o.MCTSRollout != "policy" && !rule {
		return fmt.Errorf("mcts_rollout %q: want policy or a rule (spt, mwkr, mopnr, fdd-mwkr, fifo)", o.MCTSRollout)
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
	if _, ok := robust.LayoutOf(o.Problem); o.Problem != "" && !ok {
		return fmt.Errorf("problem %q: want kp or cb", o.Problem)
	}
	switch {
	case o.Samples < 0:
		return fmt.Errorf("samples %d: must not be negative", o.Samples)
	case o.MaxScenarios < 0:
		return fmt.Errorf("max_scenarios %d: must not be negative", o.MaxScenarios)
	case o.Iterations < 0:
		return fmt.Errorf("iterations %d: must not be negative", o.Iterations)
	case o.PolishKicks < 0:
		return fmt.Errorf("polish_kicks %d: must not be negative", o.PolishKicks)
	case !(o.CCGShare >= 0 && o.CCGShare <= 1):
		return fmt.Errorf("ccg_share %v: want 0 (the default) to 1", o.CCGShare)
	case o.ModelLabel != "" && o.ModelLabel != string(robust.LabelCost) && o.ModelLabel != string(robust.LabelSaving):
		return fmt.Errorf("model_label %q: want cost or saving", o.ModelLabel)
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
	case "lkh":
		err = c.LKH.validate()
	}
	if err != nil {
		return fmt.Errorf("%w: config %q: %w", ErrBadInput, c.Name, err)
	}
	return nil
}
