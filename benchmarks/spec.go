package benchmarks

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cosolve/cosolve/heatmap"
)

// Spec is a benchmark sweep read from TOML:
//
//	name = "tsp500-5s"
//	time_limit = "5s"
//	seeds = [1, 2, 3]
//	threads = 1
//
//	[[instances]]
//	path = "$DATA/tsp/tsp500_test_concorde.txt"  # $DATA = the shared data directory
//	indices = "0-31"                             # ranges and lists: "0-3,7,9-10"
//
//	[[instances]]
//	generator = "uniform"                        # or clustered, taillard, random
//	n = 1000
//	gen_seeds = [1, 2]
//	configs = ["pan-5s"]                         # optional: only these configurations
//	time_limit = "10s"                           # optional: replaces the spec's for these instances
//
//	[[configs]]
//	name = "pan-5s"
//	solver = "tsp"
//	options = { preset = "pan-softdist-500", heatmap = "softdist" }  # TSPOptions, JSSPOptions or RobustOptions
//	threads = 2                                  # optional: overrides the spec's threads
//
// Relative paths are relative to the spec file.
type Spec struct {
	Name      string         `toml:"name"`
	TimeLimit string         `toml:"time_limit"`
	Seeds     []uint64       `toml:"seeds"`
	Threads   int            `toml:"threads"`
	Instances []InstanceSpec `toml:"instances"`
	Configs   []Config       `toml:"configs"`

	timeLimit time.Duration
}

// InstanceSpec is one [[instances]] entry: a file with optional indices, or a
// generator with optional generator seeds.
type InstanceSpec struct {
	Source
	Indices  string   `toml:"indices"`
	GenSeeds []uint64 `toml:"gen_seeds"`
	// Configs, when set, names the configurations run on these instances, so one
	// sweep can hold problems that need different solvers.
	Configs []string `toml:"configs"`
	// TimeLimit, when set, replaces the spec's time_limit for these instances,
	// so one sweep can give each instance a budget that grows with its size
	// (TSPLIB at n/100 seconds, say).
	TimeLimit string `toml:"time_limit"`

	timeLimit time.Duration
}

// ErrBadSpec wraps every problem found in a spec file.
var ErrBadSpec = errors.New("bad benchmark spec")

// LoadSpec reads and checks a spec; dataDir resolves "$DATA/" paths.
func LoadSpec(path, dataDir string) (*Spec, error) {
	var s Spec
	md, err := toml.DecodeFile(path, &s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSpec, path, err)
	}
	if err := checkSeedSigns(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSpec, path, err)
	}
	for i, c := range s.Configs {
		if c.Solver != "" && !knownSolver(c.Solver) {
			return nil, fmt.Errorf("%w: %s: config %q: unknown solver %q (have %s)", ErrBadSpec, path, c.Name, c.Solver, strings.Join(Solvers(), ", "))
		}
		if err := decodeOptions(md, &s.Configs[i]); err != nil {
			return nil, fmt.Errorf("%w: %s: config %q: options: %v", ErrBadSpec, path, s.Configs[i].Name, err)
		}
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%w: %s: unknown key %q", ErrBadSpec, path, und[0].String())
	}
	if s.TimeLimit == "" {
		return nil, fmt.Errorf("%w: %s: time_limit is required (e.g. \"5s\")", ErrBadSpec, path)
	}
	s.timeLimit, err = time.ParseDuration(s.TimeLimit)
	if err != nil || s.timeLimit <= 0 {
		return nil, fmt.Errorf("%w: %s: time_limit %q: want a positive duration such as \"5s\"", ErrBadSpec, path, s.TimeLimit)
	}
	if len(s.Seeds) == 0 {
		s.Seeds = []uint64{1}
	}
	if s.Threads < 0 {
		return nil, fmt.Errorf("%w: %s: threads %d: must be 0 (all cores) or more", ErrBadSpec, path, s.Threads)
	}
	if len(s.Instances) == 0 || len(s.Configs) == 0 {
		return nil, fmt.Errorf("%w: %s: need at least one [[instances]] and one [[configs]]", ErrBadSpec, path)
	}
	names := map[string]bool{}
	for i, c := range s.Configs {
		if c.Name == "" || c.Solver == "" {
			return nil, fmt.Errorf("%w: %s: configs[%d] needs a name and a solver", ErrBadSpec, path, i)
		}
		if c.Threads != nil && *c.Threads < 0 {
			return nil, fmt.Errorf("%w: %s: config %q: threads %d: must be 0 (all cores) or more", ErrBadSpec, path, c.Name, *c.Threads)
		}
		if names[c.Name] {
			return nil, fmt.Errorf("%w: %s: config name %q used twice", ErrBadSpec, path, c.Name)
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadSpec, path, err)
		}
		names[c.Name] = true
	}
	base := filepath.Dir(path)
	for _, c := range s.Configs {
		if c.TSP == nil || c.TSP.Heatmap == "" || filepath.IsAbs(c.TSP.Heatmap) {
			continue
		}
		if _, named := heatmap.Kind(c.TSP.Heatmap); !named {
			// A heatmap file or model is found like an instance file: next
			// to the spec, wherever the sweep is started from.
			c.TSP.Heatmap = filepath.Join(base, c.TSP.Heatmap)
		}
	}
	for i := range s.Instances {
		in := &s.Instances[i]
		switch {
		case in.Path != "" && in.Generator != "":
			return nil, fmt.Errorf("%w: %s: instances[%d] has both path and generator", ErrBadSpec, path, i)
		case in.Path == "" && in.Generator == "":
			return nil, fmt.Errorf("%w: %s: instances[%d] needs a path or a generator", ErrBadSpec, path, i)
		}
		if in.Path != "" {
			if rest, ok := strings.CutPrefix(in.Path, "$DATA/"); ok {
				if dataDir == "" {
					return nil, fmt.Errorf("%w: %s: instances[%d]: %s needs the benchmark data (set COSOLVE_DATA)", ErrBadSpec, path, i, in.Path)
				}
				in.Path = filepath.Join(dataDir, rest)
			} else if !filepath.IsAbs(in.Path) {
				in.Path = filepath.Join(base, in.Path)
			}
		}
		if _, err := ParseIndices(in.Indices); err != nil {
			return nil, fmt.Errorf("%w: %s: instances[%d]: %v", ErrBadSpec, path, i, err)
		}
		in.timeLimit = s.timeLimit
		if in.TimeLimit != "" {
			in.timeLimit, err = time.ParseDuration(in.TimeLimit)
			if err != nil || in.timeLimit <= 0 {
				return nil, fmt.Errorf("%w: %s: instances[%d]: time_limit %q: want a positive duration such as \"5s\"", ErrBadSpec, path, i, in.TimeLimit)
			}
		}
		for _, name := range in.Configs {
			if !names[name] {
				return nil, fmt.Errorf("%w: %s: instances[%d]: no configuration named %q", ErrBadSpec, path, i, name)
			}
		}
	}
	if runs := s.runCount(); runs > MaxRuns {
		return nil, fmt.Errorf("%w: %s: %d runs, more than the %d one sweep may hold: split it into several specs", ErrBadSpec, path, runs, MaxRuns)
	}
	return &s, nil
}

// MaxRuns bounds the runs of one spec: a sweep keeps every recorded key in
// memory, and a typo in an index range should not queue years of runs.
const MaxRuns = 1_000_000

// runCount is len(s.Tasks(…)) without building them.
func (s *Spec) runCount() int {
	runs := 0
	for _, in := range s.Instances {
		sources := max(len(in.GenSeeds), 1)
		if in.Path != "" {
			idx, _ := ParseIndices(in.Indices)
			sources = len(idx)
		}
		configs := len(s.Configs)
		if len(in.Configs) > 0 {
			configs = len(in.Configs)
		}
		runs += sources * configs * len(s.Seeds)
	}
	return runs
}

// checkSeedSigns refuses negative seeds, which the TOML decoder would turn
// into huge unsigned ones (-1 into 18446744073709551615).
func checkSeedSigns(path string) error {
	var signed struct {
		Seeds     []int64 `toml:"seeds"`
		Instances []struct {
			GenSeed  int64   `toml:"gen_seed"`
			GenSeeds []int64 `toml:"gen_seeds"`
		} `toml:"instances"`
	}
	if _, err := toml.DecodeFile(path, &signed); err != nil {
		return err
	}
	for _, s := range signed.Seeds {
		if s < 0 {
			return fmt.Errorf("seeds: %d is negative", s)
		}
	}
	for i, in := range signed.Instances {
		for _, s := range append(in.GenSeeds, in.GenSeed) {
			if s < 0 {
				return fmt.Errorf("instances[%d]: generator seed %d is negative", i, s)
			}
		}
	}
	return nil
}

// ParseIndices reads "0-3,7,9-10"; the empty string means the single index 0.
func ParseIndices(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []int{0}, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("indices %q: %q is not a non-negative integer", s, lo)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
			if err != nil || b < a {
				return nil, fmt.Errorf("indices %q: bad range %q", s, part)
			}
		}
		if len(out)+b-a >= MaxRuns {
			return nil, fmt.Errorf("indices %q: more than %d indices", s, MaxRuns)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// Tasks expands the spec into its runs, in a fixed order: instances, then
// configurations, then seeds.
func (s *Spec) Tasks(dataDir string) []Task {
	var tasks []Task
	for _, in := range s.Instances {
		var sources []Source
		if in.Path != "" {
			idx, _ := ParseIndices(in.Indices)
			for _, i := range idx {
				src := in.Source
				src.Index = i
				sources = append(sources, src)
			}
		} else {
			seeds := in.GenSeeds
			if len(seeds) == 0 {
				seeds = []uint64{in.GenSeed}
			}
			for _, g := range seeds {
				src := in.Source
				src.GenSeed = g
				sources = append(sources, src)
			}
		}
		for _, src := range sources {
			for _, c := range s.Configs {
				if len(in.Configs) > 0 && !slices.Contains(in.Configs, c.Name) {
					continue
				}
				threads := s.Threads
				if c.Threads != nil {
					threads = *c.Threads
				}
				for _, seed := range s.Seeds {
					tasks = append(tasks, Task{Source: src, Config: c, Seed: seed, TimeLimit: in.timeLimit, Threads: threads, DataDir: dataDir})
				}
			}
		}
	}
	return tasks
}

// Label is the stable text identifying a source in benchmark lines.
func (src Source) Label() string {
	if src.Path != "" {
		return fmt.Sprintf("%s#%d", filepath.Base(src.Path), src.Index)
	}
	var b strings.Builder
	b.WriteString(src.Generator)
	for _, kv := range []struct {
		k string
		v int
	}{{"n", src.N}, {"jobs", src.Jobs}, {"machines", src.Machines}} {
		if kv.v != 0 {
			fmt.Fprintf(&b, "-%s%d", kv.k, kv.v)
		}
	}
	if src.Name != "" {
		b.WriteString("-" + src.Name)
	}
	fmt.Fprintf(&b, "-g%d", src.GenSeed)
	return b.String()
}

// Key identifies a run for resuming.
func (t Task) Key() string {
	return fmt.Sprintf("%s|%s|%d", t.Source.Label(), t.Config.Name, t.Seed)
}

func envelopeKey(e Envelope) string {
	return fmt.Sprintf("%s|%s|%d", e.Source, e.Config, e.Seed)
}
