package benchmarks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shard is the part of a sweep one machine runs: the runs whose position in the
// spec modulo Count is Index.
type Shard struct {
	Index, Count int
	// Engine names where an automatic shard came from ("Slurm", "Kubernetes",
	// "GNU parallel"); empty for a shard given as i/n.
	Engine string
}

// ParseShard reads "i/n" (0 ≤ i < n), "auto" (the batch engine's environment,
// read through lookup, usually os.LookupEnv) or "" (the whole sweep). count is
// --shard-count: the number of shards for "auto", 0 when not given.
func ParseShard(s string, count int, lookup func(string) (string, bool)) (Shard, error) {
	if count < 0 {
		return Shard{}, fmt.Errorf("%w: --shard-count %d: want a positive number of shards", ErrBadInput, count)
	}
	switch s {
	case "":
		if count > 0 {
			return Shard{}, fmt.Errorf("%w: --shard-count goes with --shard auto", ErrBadInput)
		}
		return Shard{Index: 0, Count: 1}, nil
	case "auto":
		return autoShard(count, lookup)
	}
	if count > 0 {
		return Shard{}, fmt.Errorf("%w: --shard-count goes with --shard auto, not with --shard %s", ErrBadInput, s)
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w: --shard %q: want i/n with 0 ≤ i < n (e.g. 0/4), or auto", ErrBadInput, s)
	}
	return Shard{Index: i, Count: n}, nil
}

// autoShard finds the shard in the environment of a Slurm job array, a
// Kubernetes Indexed Job or GNU parallel.
func autoShard(count int, lookup func(string) (string, bool)) (Shard, error) {
	type engine struct{ name, variable string }
	var found []engine
	for _, e := range []engine{{"Slurm", "SLURM_ARRAY_TASK_ID"}, {"Kubernetes", "JOB_COMPLETION_INDEX"}, {"GNU parallel", "PARALLEL_SEQ"}} {
		if _, ok := lookup(e.variable); ok {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return Shard{}, fmt.Errorf("%w: --shard auto: no batch engine in the environment "+
			"(SLURM_ARRAY_TASK_ID of a Slurm job array, JOB_COMPLETION_INDEX of a Kubernetes Indexed Job, PARALLEL_SEQ of GNU parallel); "+
			"use --shard i/n", ErrBadInput)
	case 1:
	default:
		return Shard{}, fmt.Errorf("%w: --shard auto: both %s (%s) and %s (%s) are set, so the shard is ambiguous; use --shard i/n",
			ErrBadInput, found[0].variable, found[0].name, found[1].variable, found[1].name)
	}
	e := found[0]
	raw, _ := lookup(e.variable)
	v, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		return Shard{}, fmt.Errorf("%w: --shard auto: %s=%q is not an integer", ErrBadInput, e.variable, raw)
	}
	sh := Shard{Index: v, Count: count, Engine: e.name}
	switch e.variable {
	case "SLURM_ARRAY_TASK_ID":
		if count == 0 {
			if sh.Count, err = slurmArraySize(lookup); err != nil {
				return Shard{}, err
			}
		}
	case "JOB_COMPLETION_INDEX":
		if count == 0 {
			return Shard{}, fmt.Errorf("%w: --shard auto: a Kubernetes Indexed Job does not tell its pods the number of completions; "+
				"pass --shard-count N with N = spec.completions", ErrBadInput)
		}
	case "PARALLEL_SEQ":
		// GNU parallel counts jobs from 1.
		sh.Index--
		if count == 0 {
			return Shard{}, fmt.Errorf("%w: --shard auto: GNU parallel does not tell its jobs how many there are; pass --shard-count N", ErrBadInput)
		}
	}
	if sh.Index < 0 || sh.Index >= sh.Count {
		return Shard{}, fmt.Errorf("%w: --shard auto: %s=%s gives shard %d, outside 0…%d for %d shards",
			ErrBadInput, e.variable, raw, sh.Index, sh.Count-1, sh.Count)
	}
	return sh, nil
}

// slurmArraySize is the number of shards of a Slurm array submitted as
// --array=0-(n-1). Any other array (a step, a first index other than 0, or a
// resubmitted part such as --array=3) would silently regroup the runs, so it
// needs --shard-count.
func slurmArraySize(lookup func(string) (string, bool)) (int, error) {
	num := func(name string) (int, bool) {
		s, ok := lookup(name)
		if !ok {
			return 0, false
		}
		v, err := strconv.Atoi(strings.TrimSpace(s))
		return v, err == nil
	}
	lo, hasLo := num("SLURM_ARRAY_TASK_MIN")
	hi, hasHi := num("SLURM_ARRAY_TASK_MAX")
	n, hasN := num("SLURM_ARRAY_TASK_COUNT")
	if !hasN && hasHi {
		n, hasN = hi+1, true
	}
	if !hasN {
		return 0, fmt.Errorf("%w: --shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is; pass --shard-count N", ErrBadInput)
	}
	if (hasLo && lo != 0) || (hasHi && hi != n-1) {
		return 0, fmt.Errorf("%w: --shard auto: this Slurm array runs tasks %d…%d (%d of them), not 0…%d: "+
			"a resubmitted part of an array or an array with a step needs --shard-count N, the size of the whole sweep's array",
			ErrBadInput, lo, hi, n, n-1)
	}
	return n, nil
}

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// FileName is the default results file of the shard: name.jsonl for a whole
// sweep, name.shard-i-of-n.jsonl otherwise, with i zero-padded so the files list
// in order. Distinct shards thus never share a file on a shared file system.
func (s Shard) FileName(name string) string {
	if s.Count <= 1 {
		return name + ".jsonl"
	}
	width := len(strconv.Itoa(s.Count - 1))
	return fmt.Sprintf("%s.shard-%0*d-of-%d.jsonl", name, width, s.Index, s.Count)
}

// ShardGlob matches the default files of every shard of an n-shard sweep.
func ShardGlob(name string, n int) string {
	if n <= 1 {
		return name + ".jsonl"
	}
	return fmt.Sprintf("%s.shard-*-of-%d.jsonl", name, n)
}

// Plan is what a batch system needs to reserve for a sweep split into shards.
type Plan struct {
	Runs, Shards int
	// RunsPerShard is the number of runs of the busiest shard.
	RunsPerShard int
	// CPUs is the largest thread count of any run, at least 1 (threads = 0, all
	// cores, then means the cores the batch system grants).
	CPUs int
	// ShardTime bounds the busiest shard's wall time: bench run kills a run's child
	// process after twice its time limit plus a minute, so no shard can take longer.
	ShardTime time.Duration
}

// PlanShards sizes a sweep of tasks split into shards shards; shards ≤ 0 means
// one shard per run.
func PlanShards(tasks []Task, shards int) Plan {
	p := Plan{Runs: len(tasks), Shards: shards, CPUs: 1}
	if p.Shards <= 0 || p.Shards > p.Runs {
		p.Shards = max(p.Runs, 1)
	}
	per := make([]time.Duration, p.Shards)
	count := make([]int, p.Shards)
	for i, t := range tasks {
		per[i%p.Shards] += 2*t.TimeLimit + time.Minute
		count[i%p.Shards]++
		p.CPUs = max(p.CPUs, t.Threads)
	}
	for i := range per {
		p.RunsPerShard = max(p.RunsPerShard, count[i])
		p.ShardTime = max(p.ShardTime, per[i])
	}
	return p
}
