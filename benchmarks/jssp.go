package benchmarks

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

func init() { Register("jssp", runJSSP) }

// checkShopSize refuses a generated shop that is empty or too large to build.
func checkShopSize(jobs, machines int) error {
	if jobs < 1 || machines < 1 || jobs > instances.MaxOperations/machines {
		return fmt.Errorf("%w: a random job shop needs jobs ≥ 1 and machines ≥ 1 with at most %d operations, got %d × %d", ErrBadInput, instances.MaxOperations, jobs, machines)
	}
	return nil
}

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
		if err := checkShopSize(src.Jobs, src.Machines); err != nil {
			return nil, err
		}
		js = instances.GenerateJobShop(src.Jobs, src.Machines, src.GenSeed)
	case src.Generator != "":
		return nil, fmt.Errorf("%w: unknown job-shop generator %q (want taillard or random)", ErrBadInput, src.Generator)
	case src.Reader != nil:
		js, err = instances.ReadJobShopAuto(src.Reader, src.Path, src.Index)
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
// fdd-mwkr, fifo), "learned" (the shipped network), an ONNX file following
// the policy contract, or the authors' state dict as JSON (converted in
// memory). "$DATA/" names a file under dataDir.
func JobShopPolicy(name, dataDir string) (jssp.Policy, error) {
	if r, ok := jssp.ParseRule(name); ok {
		return r, nil
	}
	if name == jssp.LearnedName {
		return jssp.LearnedPolicy()
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
		return nil, fmt.Errorf("%w: policy %q is neither a rule (spt, mwkr, mopnr, fdd-mwkr, fifo), learned, nor a readable file: %v", ErrBadInput, name, err)
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

// describe is the settings in words, for the search log's header.
func (o JSSPOptions) describe(set jssp.Settings) string {
	decode := "greedy"
	if set.Samples > 0 {
		decode = fmt.Sprintf("best of %d sampled rollouts", set.Samples)
	}
	method := cmp.Or(o.Method, "auto")
	if method == "auto" {
		method = "auto (portfolio with a budget)"
	}
	if set.NoElite {
		method += " without the elite pool"
	} else if set.NoDiversify {
		method += " without the pool's diversification"
	}
	if o.WarmStart != "" {
		frozen := ""
		if o.FreezeBefore > 0 {
			frozen = fmt.Sprintf(", operations before %d frozen", o.FreezeBefore)
		}
		return fmt.Sprintf("warm start %s%s, then %s", o.WarmStart, frozen, method)
	}
	return fmt.Sprintf("policy %s (%s), then %s", set.Policy.Name(), decode, method)
}

// Settings turns the options into the solver's settings.
func (o JSSPOptions) Settings(limits solvers.Limits, dataDir string) (jssp.Settings, error) {
	if err := o.validate(); err != nil {
		return jssp.Settings{}, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	method, _ := jssp.ParseMethod(cmp.Or(o.Method, "auto"))
	// The solver's default is resolved here so that describe can name it.
	policy, err := jssp.DefaultPolicy(o.Samples)
	if o.Policy != "" {
		policy, err = JobShopPolicy(o.Policy, dataDir)
	}
	if err != nil {
		return jssp.Settings{}, err
	}
	limits.MaxIterations = o.Iterations
	set := jssp.Settings{Limits: limits, Policy: policy, Samples: o.Samples, Method: method, DispatchShare: o.DispatchShare, NoElite: o.NoElite, NoDiversify: o.NoDiversify}
	if o.MCTSRollout == "policy" {
		set.MCTS.Rollout = policy
	} else if r, ok := jssp.ParseRule(o.MCTSRollout); ok {
		set.MCTS.Rollout = r
	}
	return set, nil
}

func runJSSP(ctx context.Context, t Task) (Outcome, error) {
	var o JSSPOptions
	if t.Config.JSSP != nil {
		o = *t.Config.JSSP
	}
	set, err := o.Settings(t.limits(), t.DataDir)
	if err != nil {
		return Outcome{}, err
	}
	js, err := LoadJobShopSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	if o.WarmStart != "" {
		if set.WarmStart, err = readWarmStart(o.WarmStart, js); err != nil {
			return Outcome{}, err
		}
		if o.FreezeBefore > 0 {
			set.Frozen = freezeBefore(set.WarmStart, o.FreezeBefore)
			set.NotBefore = o.FreezeBefore
		}
	}
	ref := Reference(t.DataDir, js, t.Source)
	if err := t.Started(RunInfo{Instance: js.Name, Kind: "jssp",
		Size:     fmt.Sprintf("%d jobs × %d machines (%d operations)", js.NumJobs(), js.Machines, js.NumOperations()),
		Settings: o.describe(set), Reference: ref, Bound: float64(improve.TrivialBound(js)), Problem: js}); err != nil {
		return Outcome{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := newTarget(o.StopAtReference, ref, false, cancel)
	set.OnImprove = func(s jssp.Solution) {
		t.Improved(float64(s.Makespan), float64(s.Bound), s.Phase, s.Iteration)
		stop.offer(float64(s.Makespan))
	}
	res, err := jssp.Solve(ctx, js, set)
	if err != nil {
		return Outcome{}, solverErr(err)
	}
	if res.Solution.Starts == nil {
		return Outcome{}, fmt.Errorf("jssp: no schedule (%s)", res.StopReason)
	}
	makespan, err := instances.CheckSchedule(js, res.Solution.Starts)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	env := newEnvelope(js.Name, "jssp", float64(makespan), res.Bound, res.Status, res.StopReason, res.Stats)
	env.Starts = res.Solution.Starts
	env.Extra = map[string]any{"policy": res.Stats.Policy, "samples": o.Samples, "method": cmp.Or(o.Method, "auto"),
		"jobs": js.NumJobs(), "machines": js.Machines, "size": fmt.Sprintf("%dx%d", js.NumJobs(), js.Machines)}
	env.setReference(ref, false)
	stop.settle(&env)
	sched := &instances.Schedule{Instance: js.Name, Objective: makespan, Starts: res.Solution.Starts}
	return Outcome{Envelope: env, Instance: js, Solution: sched, FoundBy: res.Solution.Phase}, nil
}

// readWarmStart reads a schedule file and checks that it is a feasible
// schedule of js; a violation names the line of the job it concerns.
func readWarmStart(path string, js *instances.JobShop) ([][]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: warm start: %w", ErrBadInput, err)
	}
	defer f.Close()
	// One byte past the cap lets ReadSchedule refuse an oversized (or endless) file.
	data, err := io.ReadAll(io.LimitReader(f, instances.MaxScheduleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: warm start: %w", ErrBadInput, err)
	}
	sched, err := instances.ReadSchedule(bytes.NewReader(data), path)
	if err != nil {
		return nil, fmt.Errorf("%w: warm start %w", ErrBadInput, err)
	}
	if _, err := instances.CheckSchedule(js, sched.Starts); err != nil {
		where := path
		var v *instances.ScheduleViolation
		if errors.As(err, &v) && v.Job >= 0 {
			if line := jobLine(data, v.Job); line > 0 {
				where = fmt.Sprintf("%s:%d", path, line)
			}
		}
		return nil, fmt.Errorf("%w: warm start %s: not a schedule of %s: %w", ErrBadInput, where, js.Name, err)
	}
	return sched.Starts, nil
}

// jobLine is the line of data on which job j's start times begin: the j-th
// array inside "starts" (0 when it is not found).
func jobLine(data []byte, j int) int {
	i := bytes.Index(data, []byte(`"starts"`))
	if i < 0 {
		return 0
	}
	depth, job := 0, -1
	for ; i < len(data); i++ {
		switch data[i] {
		case '[':
			if depth++; depth == 2 {
				if job++; job == j {
					return 1 + bytes.Count(data[:i], []byte{'\n'})
				}
			}
		case ']':
			if depth--; depth == 0 {
				return 0
			}
		}
	}
	return 0
}

// freezeBefore marks the operations of starts that start before t.
func freezeBefore(starts [][]int, t int) [][]bool {
	frozen := make([][]bool, len(starts))
	for j, s := range starts {
		frozen[j] = make([]bool, len(s))
		for k, st := range s {
			frozen[j][k] = st < t
		}
	}
	return frozen
}
