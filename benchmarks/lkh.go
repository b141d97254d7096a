package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
)

func init() { Register("lkh", runLKH) }

// LKHOptions configure the external solver LKH-3 (solver = "lkh"), which a
// sweep runs beside ours on the same instances so the two can be compared in
// one report. LKH is not part of cosolve: build it yourself (its source is
// public for research use) and name the executable.
type LKHOptions struct {
	// Binary is the LKH executable; "" = $LKH.
	Binary string `toml:"binary" json:"binary,omitempty"`
	// Scale multiplies the coordinates of unrounded Euclidean instances
	// (TSP-500/1000/10000, generated ones) before they are written as EUC_2D,
	// whose distances LKH rounds to integers; 0 = 10^6, which keeps the
	// rounding below 10^-6 of an edge on the unit square. The tour is measured
	// on the original instance.
	Scale float64 `toml:"scale" json:"scale,omitempty"`
	// Runs and MaxTrials are LKH's RUNS and MAX_TRIALS; 0 = 1 run and trials
	// without end, so the time limit ends the search.
	Runs      int   `toml:"runs" json:"runs,omitempty"`
	MaxTrials int64 `toml:"max_trials" json:"max_trials,omitempty"`
	// Params are further parameter-file lines, KEY = VALUE (MOVE_TYPE,
	// CANDIDATE_SET_TYPE, …), written as given.
	Params map[string]string `toml:"params" json:"params,omitempty"`
}

// lkhGrace is how long past the time limit LKH may run before it is killed:
// its TOTAL_TIME_LIMIT counts CPU time from its own start, and its
// preprocessing (the subgradient ascent) is not interrupted by it.
func lkhGrace(limit time.Duration) time.Duration { return max(2*time.Second, limit/2) }

// lkhBinary is the executable the options name, checked before a sweep runs.
func (o *LKHOptions) binary() (string, error) {
	bin := os.Getenv("LKH")
	if o != nil && o.Binary != "" {
		bin = o.Binary
	}
	if bin == "" {
		return "", errors.New("no LKH executable: set options.binary or $LKH")
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("LKH executable %q: %w", bin, err)
	}
	return path, nil
}

func (o *LKHOptions) validate() error {
	if _, err := o.binary(); err != nil {
		return err
	}
	if o == nil {
		return nil
	}
	switch {
	case o.Scale < 0 || math.IsNaN(o.Scale) || math.IsInf(o.Scale, 0):
		return fmt.Errorf("scale %v: want a positive number", o.Scale)
	case o.Runs < 0:
		return fmt.Errorf("runs %d: must not be negative", o.Runs)
	case o.MaxTrials < 0:
		return fmt.Errorf("max_trials %d: must not be negative", o.MaxTrials)
	}
	for k, v := range o.Params {
		if !lkhKey.MatchString(k) || strings.ContainsAny(v, "\n\r") {
			return fmt.Errorf("params: %q = %q is not a parameter-file line", k, v)
		}
		switch strings.ToUpper(k) {
		case "PROBLEM_FILE", "OUTPUT_TOUR_FILE", "TOUR_FILE", "TOTAL_TIME_LIMIT", "RUNS", "MAX_TRIALS", "SEED":
			return fmt.Errorf("params: %s is set by the sweep", k)
		}
	}
	return nil
}

var lkhKey = regexp.MustCompile(`^[A-Za-z_]+$`)

func runLKH(ctx context.Context, t Task) (Outcome, error) {
	o := t.Config.LKH
	if o == nil {
		o = &LKHOptions{}
	}
	bin, err := o.binary()
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	if t.TimeLimit <= 0 {
		return Outcome{}, fmt.Errorf("%w: lkh needs a positive time limit", ErrBadInput)
	}
	inst, err := LoadTSPSource(t.Source)
	if err != nil {
		return Outcome{}, err
	}
	ref := Reference(t.DataDir, inst, t.Source)
	dir, err := os.MkdirTemp("", "cosolve-lkh-")
	if err != nil {
		return Outcome{}, err
	}
	defer os.RemoveAll(dir)
	problem, params, tourFile := filepath.Join(dir, "problem.tsp"), filepath.Join(dir, "run.par"), filepath.Join(dir, "out.tour")
	if err := writeLKHProblem(problem, inst, cmpScale(o.Scale)); err != nil {
		return Outcome{}, err
	}
	if err := os.WriteFile(params, []byte(lkhParameters(o, problem, tourFile, t.TimeLimit, t.Seed)), 0o644); err != nil {
		return Outcome{}, err
	}
	if err := t.Started(RunInfo{Instance: inst.Name, Kind: "tsp", Size: fmt.Sprintf("n = %d, %s", inst.N(), inst.Metric),
		Settings: "LKH-3 (" + bin + ")", Reference: ref, Bound: math.NaN(), Problem: inst}); err != nil {
		return Outcome{}, err
	}
	// The run's own deadline (the time limit from the start of Run) plus the
	// grace: LKH stops itself at TOTAL_TIME_LIMIT once its search runs.
	runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.TimeLimit+lkhGrace(t.TimeLimit))
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin, params)
	cmd.SysProcAttr = childProcAttr()
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stopped := make(chan struct{})
	go func() {
		// A cancelled sweep (SIGINT) stops LKH at once rather than after its
		// limit.
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				cancel()
			}
		case <-stopped:
		}
	}()
	runErr := cmd.Run()
	close(stopped)
	childCPU := 0.0
	if cmd.ProcessState != nil {
		childCPU = cmd.ProcessState.UserTime().Seconds() + cmd.ProcessState.SystemTime().Seconds()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return Outcome{}, ctx.Err()
	}
	// LKH rewrites the tour file at each improvement, so a killed LKH leaves
	// its best tour behind, unless it was killed while writing it.
	killed := runErr != nil && runCtx.Err() != nil
	if runErr != nil && !killed {
		return Outcome{}, fmt.Errorf("LKH: %v: %s", runErr, lastOutputLine(out.Bytes()))
	}
	tour, err := readLKHTour(tourFile, inst.N())
	switch {
	case err != nil && killed:
		return Outcome{}, fmt.Errorf("LKH was killed %v after the time limit without a complete tour (%.1f CPU-s; last output: %s)", lkhGrace(t.TimeLimit), childCPU, lastOutputLine(out.Bytes()))
	case errors.Is(err, os.ErrNotExist):
		return Outcome{}, fmt.Errorf("LKH wrote no tour (last output: %s)", lastOutputLine(out.Bytes()))
	case err != nil:
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	length, err := instances.CheckTour(inst, tour)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	t.Improved(length, 0, "lkh", 0)
	stats := lkhStats(out.Bytes())
	stats["cpu_s"] = childCPU
	stats["killed"] = killed
	stop := solvers.Completed
	if killed || lkhHitLimit(out.Bytes()) {
		stop = solvers.TimeLimit
	}
	env := newEnvelope(inst.Name, "tsp", length, math.NaN(), solvers.Feasible, stop, stats)
	env.Tour = tour
	env.Extra = map[string]any{"solver": "lkh", "n": inst.N()}
	env.setReference(ref, false)
	return Outcome{Envelope: env, Instance: inst, Solution: tour, FoundBy: "lkh", ChildCPU: childCPU}, nil
}

func readLKHTour(path string, n int) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return instances.ReadTour(bufio.NewReader(f), "LKH's tour", n)
}

func cmpScale(s float64) float64 {
	if s == 0 {
		return 1e6
	}
	return s
}

// writeLKHProblem writes inst as a TSPLIB file LKH reads: as it is for the
// TSPLIB metrics, scaled into EUC_2D for the unrounded Euclidean one.
func writeLKHProblem(path string, inst *instances.TSP, scale float64) error {
	p := inst
	if inst.Metric == instances.Euclidean {
		x, y := make([]float64, inst.N()), make([]float64, inst.N())
		for i := range x {
			x[i], y[i] = math.Round(inst.X[i]*scale), math.Round(inst.Y[i]*scale)
		}
		var err error
		if p, err = instances.NewCoordTSP(inst.Name, instances.Euc2D, x, y); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := instances.WriteTSPLIB(f, p); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// lkhParameters is the parameter file of one run.
func lkhParameters(o *LKHOptions, problem, tour string, limit time.Duration, seed uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PROBLEM_FILE = %s\nOUTPUT_TOUR_FILE = %s\n", problem, tour)
	fmt.Fprintf(&b, "RUNS = %d\n", max(o.Runs, 1))
	trials := o.MaxTrials
	if trials == 0 {
		trials = math.MaxInt32
	}
	fmt.Fprintf(&b, "MAX_TRIALS = %d\n", trials)
	fmt.Fprintf(&b, "TOTAL_TIME_LIMIT = %s\n", strconv.FormatFloat(limit.Seconds(), 'f', -1, 64))
	// LKH's seeds are positive ints.
	fmt.Fprintf(&b, "SEED = %d\n", 1+seed%math.MaxInt32)
	b.WriteString("TRACE_LEVEL = 1\n")
	keys := make([]string, 0, len(o.Params))
	for k := range o.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", strings.ToUpper(k), o.Params[k])
	}
	return b.String()
}

var lkhStat = regexp.MustCompile(`(?m)^(Cost\.min|Time\.total|Time\.min|Lower bound|Preprocessing time|Trials\.min)\s*=\s*([-0-9.eE+]+)`)

// lkhStats picks LKH's summary figures from its output.
func lkhStats(out []byte) map[string]any {
	stats := map[string]any{}
	for _, m := range lkhStat.FindAllSubmatch(out, -1) {
		if v, err := strconv.ParseFloat(string(m[2]), 64); err == nil {
			key := strings.ToLower(strings.NewReplacer(".", "_", " ", "_").Replace(string(m[1])))
			stats["lkh_"+key] = v
		}
	}
	return stats
}

// lkhHitLimit tells whether LKH stopped at its time limit.
func lkhHitLimit(out []byte) bool { return bytes.Contains(out, []byte("Time limit exceeded")) }

func lastOutputLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
