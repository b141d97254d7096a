package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers/jssp"
)

func init() { Register("jssp", runJSSP) }

// LoadJobShopSource reads a job-shop task's instance: a file in the standard or
// Taillard format (or Data already read), or a generator ("taillard" with Name
// taNN, "random" with Jobs, Machines and GenSeed).
func LoadJobShopSource(src Source) (*instances.JobShop, error) {
	var js *instances.JobShop
	var err error
	switch {
	case src.Generator == "taillard":
		js, err = instances.TaillardInstance(src.Name)
	case src.Generator == "random":
		if src.Jobs < 1 || src.Machines < 1 {
			return nil, fmt.Errorf("%w: random job shop needs jobs ≥ 1 and machines ≥ 1, got %d and %d", ErrBadInput, src.Jobs, src.Machines)
		}
		js = instances.GenerateJobShop(src.Jobs, src.Machines, src.GenSeed)
	case src.Generator != "":
		return nil, fmt.Errorf("%w: unknown job-shop generator %q (want taillard or random)", ErrBadInput, src.Generator)
	case src.Data != nil:
		js, err = instances.ReadJobShopAuto(bytes.NewReader(src.Data), src.Path, src.Index)
	default:
		js, err = instances.LoadJobShop(src.Path, src.Index)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if err := js.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return js, nil
}

// JobShopPolicy resolves a policy option: a rule name (spt, mwkr, mopnr,
// fdd-mwkr, fifo), an ONNX file following the policy contract, or the authors'
// state dict as JSON (converted in memory). "$DATA/" names a file under dataDir.
func JobShopPolicy(name, dataDir string) (jssp.Policy, error) {
	if r, ok := jssp.ParseRule(name); ok {
		return r, nil
	}
	path := name
	if rest, ok := strings.CutPrefix(name, "$DATA/"); ok {
		if dataDir == "" {
			return nil, fmt.Errorf("%w: policy %s needs the benchmark data (set COSOLVE_DATA)", ErrBadInput, name)
		}
		path = filepath.Join(dataDir, rest)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: policy %q is neither a rule (spt, mwkr, mopnr, fdd-mwkr, fifo) nor a readable file: %v", ErrBadInput, name, err)
	}
	var p jssp.Policy
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		var net *jssp.Network
		net, err = jssp.ReadStateDict(bytes.NewReader(data), filepath.Base(path))
		if err == nil {
			p = &jssp.NetworkPolicy{Net: net, Label: filepath.Base(path)}
		}
	} else {
		p, err = jssp.ReadPolicy(bytes.NewReader(data), filepath.Base(path))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return p, nil
}

// runJSSP options: policy (default "fdd-mwkr"; see JobShopPolicy), samples (0 =
// greedy, K = best of K sampled rollouts), method (what follows dispatching:
// dispatch, tabu, lns, exact or portfolio; default auto: portfolio when the task
// has a time limit or iterations, else dispatch), iterations (the
// improvement's machine-independent budget).
func runJSSP(ctx context.Context, t Task) (Outcome, error) {
	o := Options(t.Config.Options)
	policyName, err := o.String("policy", "fdd-mwkr")
	if err != nil {
		return Outcome{}, err
	}
	samples, err := o.Int("samples", 0)
	if err != nil {
		return Outcome{}, err
	}
	if samples < 0 {
		return Outcome{}, fmt.Errorf("%w: samples %d must not be negative", ErrBadInput, samples)
	}
	methodName, err := o.String("method", "auto")
	if err != nil {
		return Outcome{}, err
	}
	method, ok := jssp.ParseMethod(methodName)
	if !ok {
		return Outcome{}, fmt.Errorf("%w: method %q (want dispatch, tabu, lns, exact or portfolio)", ErrBadInput, methodName)
	}
	iterations, err := o.Int("iterations", 0)
	if err != nil {
		return Outcome{}, err
	}
	if iterations < 0 {
		return Outcome{}, fmt.Errorf("%w: iterations %d must not be negative", ErrBadInput, iterations)
	}
	js, err := LoadJobShopSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	policy, err := JobShopPolicy(policyName, t.DataDir)
	if err != nil {
		return Outcome{}, err
	}
	res, err := jssp.Solve(ctx, js, jssp.Settings{
		Policy: policy, Samples: samples, TimeLimit: t.TimeLimit, Seed: t.Seed, Threads: t.Threads,
		Method: method, MaxIterations: int64(iterations),
	})
	if err != nil {
		if errors.Is(err, jssp.ErrSettings) || errors.Is(err, jssp.ErrPolicyContract) || errors.Is(err, instances.ErrInvalidInstance) ||
			errors.Is(err, nnsurrogate.ErrInput) {
			return Outcome{}, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
		return Outcome{}, err
	}
	if res.Solution.Starts == nil {
		return Outcome{}, fmt.Errorf("jssp: no schedule (%s)", res.StopReason)
	}
	makespan, err := instances.CheckSchedule(js, res.Solution.Starts)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	st := res.Stats
	env := Envelope{
		Instance:   js.Name,
		Kind:       "jssp",
		Objective:  Float(float64(makespan)),
		Bound:      Float(float64(res.Bound)),
		Status:     res.Status.String(),
		StopReason: res.StopReason.String(),
		Starts:     res.Solution.Starts,
		Stats: map[string]any{
			"rollouts":          st.Rollouts,
			"truncated":         st.Truncated,
			"steps":             st.Steps,
			"inferences":        st.Inferences,
			"best_rollout":      st.BestRollout,
			"best_temperature":  st.BestTemperature,
			"solve_s":           st.Elapsed.Seconds(),
			"dispatch_makespan": st.DispatchMakespan,
			"tabu_iterations":   st.Improvement.Iterations,
			"moves_evaluated":   st.Improvement.MovesEvaluated,
			"restarts":          st.Improvement.Restarts,
			"cp_nodes":          st.Improvement.Nodes,
			"neighborhoods":     st.Improvement.Neighborhoods,
		},
		Extra: map[string]any{"policy": st.Policy, "samples": samples, "method": methodName, "jobs": js.NumJobs(), "machines": js.Machines,
			"size": fmt.Sprintf("%dx%d", js.NumJobs(), js.Machines)},
	}
	if t.DataDir != "" {
		if ref, ok := instances.JobShopReference(t.DataDir, js.Name); ok {
			env.SetReference(ref.Value, string(ref.Kind), false)
		}
	}
	sched := &instances.Schedule{Instance: js.Name, Objective: makespan, Starts: res.Solution.Starts}
	return Outcome{Envelope: env, Instance: js, Solution: sched}, nil
}
