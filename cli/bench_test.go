package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A sweep of job shops small enough to run in milliseconds: 4 instances × 2 seeds.
const tinySweep = `
name = "tiny"
time_limit = "5s"
seeds = [1, 2]
threads = 1
[[instances]]
generator = "random"
jobs = 4
machines = 3
gen_seeds = [1, 2, 3, 4]
[[configs]]
name = "fifo"
solver = "jssp"
options = { policy = "fifo", method = "dispatch" }
`

// inTempDir writes the tiny spec into a fresh working directory and returns its path.
func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("tiny.toml", []byte(tinySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "tiny.toml")
}

// noEngine removes the batch engines' variables for the test, restoring them after.
func noEngine(t *testing.T) {
	for _, k := range []string{"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "JOB_COMPLETION_INDEX", "PARALLEL_SEQ"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestBenchRunRejectsBadShards(t *testing.T) {
	spec := inTempDir(t)
	noEngine(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "auto"}, "no batch engine"},
		{[]string{"--shard", "3/2"}, "0 ≤ i < n"},
		{[]string{"--shard", "0/0"}, "0 ≤ i < n"},
		{[]string{"--shard", "1/4", "--shard-count", "4"}, "goes with --shard auto"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, "", append([]string{"bench", "run", spec, "--in-process"}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", c.args, code, errOut, c.want)
		}
	}
	t.Setenv("JOB_COMPLETION_INDEX", "3")
	if code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--shard", "auto"); code != ExitUsage || !strings.Contains(errOut, "--shard-count") {
		t.Errorf("Kubernetes without --shard-count: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 1 {
		t.Errorf("rejected runs left files: %v", entries)
	}
}

func TestTwoShardsCannotShareAFile(t *testing.T) {
	spec := inTempDir(t)
	if code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--shard", "0/2", "--out", "same.jsonl"); code != 0 {
		t.Fatalf("shard 0/2: exit %d %s", code, errOut)
	}
	code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--shard", "1/2", "--out", "same.jsonl")
	if code != ExitUsage || !strings.Contains(errOut, "same.jsonl:1: run random-jobs4-machines3-g1 config fifo seed 1 belongs to shard 0/2, not 1/2") {
		t.Errorf("shard 1/2 after shard 0/2 on one file: exit %d, %q", code, errOut)
	}
	// The same while the first shard is still writing: it holds the file's lock.
	holdLock(t, "busy.jsonl")
	code, _, errOut = run(t, "", "bench", "run", spec, "--in-process", "--shard", "1/2", "--out", "busy.jsonl")
	if code != ExitUsage || !strings.Contains(errOut, "busy.jsonl: another bench run is writing this file") {
		t.Errorf("a second writer: exit %d, %q", code, errOut)
	}
}

// A Slurm array's four tasks, each with --shard auto, add up to the one-machine
// sweep: merge finds every run once, and the reports agree.
func TestAutoShardsMergeAndReport(t *testing.T) {
	spec := inTempDir(t)
	noEngine(t)
	if code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--out", "single.jsonl"); code != 0 {
		t.Fatalf("single machine: %s", errOut)
	}
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "4")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "0")
	t.Setenv("SLURM_ARRAY_TASK_MAX", "3")
	for _, id := range []string{"3", "1", "0", "2"} {
		t.Setenv("SLURM_ARRAY_TASK_ID", id)
		code, out, errOut := run(t, "", "bench", "run", spec, "--in-process", "--shard", "auto")
		want := "tiny.shard-" + id + "-of-4.jsonl: 2 runs"
		if code != 0 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "shard "+id+"/4 from Slurm") {
			t.Fatalf("task %s: exit %d, stdout %q, stderr %q; want %q", id, code, out, errOut, want)
		}
	}
	code, merged, errOut := run(t, "", "bench", "merge", "tiny.shard-*-of-4.jsonl", "--spec", spec)
	if code != 0 || !strings.Contains(errOut, "8 of 8 runs of the spec recorded successfully") || strings.Count(merged, "\n") != 8 {
		t.Fatalf("merge: exit %d, stderr %q, %d lines", code, errOut, strings.Count(merged, "\n"))
	}
	// Everything but the measured columns (time, cpu, memory) agrees.
	report := func(files ...string) string {
		code, out, errOut := run(t, "", append([]string{"bench", "report", "--by", "instance", "--by", "seed", "--csv"}, files...)...)
		if code != 0 {
			t.Fatalf("report %v: %s", files, errOut)
		}
		var rows []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			cells := strings.Split(line, ",")
			rows = append(rows, strings.Join(cells[:7], ","))
		}
		return strings.Join(rows, "\n")
	}
	single := report("single.jsonl")
	if shards := report("tiny.shard-*-of-4.jsonl"); shards != single {
		t.Errorf("report over the shards:\n%s\nover the single machine's file:\n%s", shards, single)
	}
	if again := report("tiny.shard-3-of-4.jsonl", "tiny.shard-*-of-4.jsonl"); again != single {
		t.Errorf("a file named twice counted twice:\n%s", again)
	}

	os.Remove("tiny.shard-2-of-4.jsonl")
	code, _, errOut = run(t, "", "bench", "merge", "tiny.shard-*-of-4.jsonl", "--spec", spec, "--out", "merged.jsonl")
	if code != ExitInvalid || !strings.Contains(errOut, "2 runs missing") || !strings.Contains(errOut, "random-jobs4-machines3-g2 config fifo seed 1") {
		t.Errorf("merge with a shard missing: exit %d, %q", code, errOut)
	}
	if data, err := os.ReadFile("merged.jsonl"); err != nil || strings.Count(string(data), "\n") != 6 {
		t.Errorf("merge with a shard missing should still write the 6 runs it has: %v", err)
	}
	code, _, errOut = run(t, "", "bench", "report", "tiny.shard-*-of-4.jsonl", "--spec", spec)
	if code != 0 || !strings.Contains(errOut, "6 of 8 runs") {
		t.Errorf("report with a shard missing: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(t, "", "bench", "report", "nothing-*.jsonl"); code != ExitUsage || !strings.Contains(errOut, "matches no file") {
		t.Errorf("a glob matching nothing: exit %d, %q", code, errOut)
	}
}

func TestBenchPlan(t *testing.T) {
	spec := inTempDir(t)
	code, out, errOut := run(t, "", "bench", "plan", spec, "--shards", "3")
	want := "runs=8\nshards=3\nruns_per_shard=3\ncpus_per_task=1\nshard_time_s=210\nfiles=tiny.shard-*-of-3.jsonl\n"
	if code != 0 || out != want {
		t.Errorf("plan: exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
	if code, _, _ := run(t, "", "bench", "plan", spec, "--shards", "-1"); code != ExitUsage {
		t.Errorf("--shards -1: exit %d, want 2", code)
	}
}
