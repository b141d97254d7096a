package benchmarks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestParseShard(t *testing.T) {
	cases := []struct {
		name   string
		shard  string
		count  int
		env    func(string) (string, bool)
		want   Shard
		errHas string // non-empty: an error mentioning this
	}{
		{"whole sweep", "", 0, env(), Shard{0, 1, ""}, ""},
		{"explicit", "3/8", 0, env(), Shard{3, 8, ""}, ""},
		{"i = n", "3/2", 0, env(), Shard{}, "0 ≤ i < n"},
		{"zero shards", "0/0", 0, env(), Shard{}, "0 ≤ i < n"},
		{"negative", "-1/4", 0, env(), Shard{}, "0 ≤ i < n"},
		{"not a fraction", "2", 0, env(), Shard{}, "want i/n"},
		{"count without auto", "1/4", 4, env(), Shard{}, "goes with --shard auto"},
		{"count alone", "", 4, env(), Shard{}, "goes with --shard auto"},
		{"no engine", "auto", 0, env(), Shard{}, "no batch engine"},
		{"slurm count", "auto", 0, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "3"), Shard{2, 4, "Slurm"}, ""},
		{"slurm min max", "auto", 0, env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "9"), Shard{5, 10, "Slurm"}, ""},
		{"slurm resubmitted part", "auto", 0, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "2", "SLURM_ARRAY_TASK_MAX", "2"), Shard{}, "--shard-count"},
		{"slurm resubmitted part, counted", "auto", 4, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "2", "SLURM_ARRAY_TASK_MAX", "2"), Shard{2, 4, "Slurm"}, ""},
		{"slurm step", "auto", 0, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "4"), Shard{}, "--shard-count"},
		{"slurm no size", "auto", 0, env("SLURM_ARRAY_TASK_ID", "2"), Shard{}, "SLURM_ARRAY_TASK_COUNT"},
		{"slurm beyond count", "auto", 2, env("SLURM_ARRAY_TASK_ID", "2"), Shard{}, "outside 0…1"},
		{"slurm garbage", "auto", 0, env("SLURM_ARRAY_TASK_ID", "x"), Shard{}, "not an integer"},
		{"kubernetes", "auto", 8, env("JOB_COMPLETION_INDEX", "7"), Shard{7, 8, "Kubernetes"}, ""},
		{"kubernetes without count", "auto", 0, env("JOB_COMPLETION_INDEX", "7"), Shard{}, "spec.completions"},
		{"kubernetes beyond count", "auto", 4, env("JOB_COMPLETION_INDEX", "4"), Shard{}, "outside"},
		{"parallel counts from 1", "auto", 3, env("PARALLEL_SEQ", "1"), Shard{0, 3, "GNU parallel"}, ""},
		{"parallel last", "auto", 3, env("PARALLEL_SEQ", "3"), Shard{2, 3, "GNU parallel"}, ""},
		{"parallel beyond count", "auto", 3, env("PARALLEL_SEQ", "4"), Shard{}, "outside"},
		{"parallel without count", "auto", 0, env("PARALLEL_SEQ", "1"), Shard{}, "--shard-count"},
		{"two engines", "auto", 4, env("PARALLEL_SEQ", "1", "SLURM_ARRAY_TASK_ID", "0"), Shard{}, "ambiguous"},
		{"negative count", "auto", -1, env("PARALLEL_SEQ", "1"), Shard{}, "positive"},
	}
	for _, c := range cases {
		got, err := ParseShard(c.shard, c.count, c.env)
		if c.errHas != "" {
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("%s: got %v, %v; want ErrBadInput mentioning %q", c.name, got, err, c.errHas)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

func TestShardFileNamesDiffer(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 12; i++ {
		name := Shard{Index: i, Count: 12}.FileName("sweep")
		matched, _ := filepath.Match(ShardGlob("sweep", 12), name)
		if seen[name] || !matched {
			t.Fatalf("shard %d/12: file %q (repeated %v, matches the glob %v)", i, name, seen[name], matched)
		}
		seen[name] = true
	}
	if got := (Shard{Index: 3, Count: 12}).FileName("s"); got != "s.shard-03-of-12.jsonl" {
		t.Errorf("file name %q: want the index padded so files sort in order", got)
	}
	if got := (Shard{Index: 0, Count: 1}).FileName("s"); got != "s.jsonl" {
		t.Errorf("whole sweep writes %q, want s.jsonl", got)
	}
}

func TestPlanShards(t *testing.T) {
	two := 2
	var tasks []Task
	for i := 0; i < 10; i++ {
		tasks = append(tasks, Task{TimeLimit: 30 * time.Second, Threads: 1})
	}
	tasks[3].Threads = two
	p := PlanShards(tasks, 4)
	if p.Runs != 10 || p.Shards != 4 || p.RunsPerShard != 3 || p.CPUs != 2 || p.ShardTime != 3*2*time.Minute {
		t.Errorf("10 runs of 30 s in 4 shards: %+v", p)
	}
	if p := PlanShards(tasks, 0); p.Shards != 10 || p.RunsPerShard != 1 {
		t.Errorf("default: %+v, want one shard per run", p)
	}
	if p := PlanShards(tasks, 50); p.Shards != 10 {
		t.Errorf("more shards than runs: %+v, want one per run", p)
	}
}

func TestSweepRefusesAnotherShardsFile(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	tasks := spec.Tasks("")
	out := filepath.Join(t.TempDir(), "shared.jsonl")
	if _, err := (&Sweep{Tasks: tasks, Out: out, Shard: 0, Shards: 2}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := (&Sweep{Tasks: tasks, Out: out, Shard: 1, Shards: 2}).Run(context.Background())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "shared.jsonl:1: run set.txt#0 config a seed 1 belongs to shard 0/2") {
		t.Fatalf("shard 1 on shard 0's file: %v", err)
	}
	if sum, err := (&Sweep{Tasks: tasks, Out: out, Shard: 0, Shards: 2}).Run(context.Background()); err != nil || sum.Skipped != 3 {
		t.Fatalf("shard 0 resuming its own file: %+v %v", sum, err)
	}
}

func TestSweepRefusesALockedFile(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	out := filepath.Join(t.TempDir(), "busy.jsonl")
	// Another bench run holding the file, as a second shard given the same --out.
	f, locked, err := openLocked(out)
	if err != nil {
		t.Fatal(err)
	}
	if !locked {
		f.Close()
		t.Skip("files cannot be locked here")
	}
	_, err = (&Sweep{Tasks: spec.Tasks(""), Out: out}).Run(context.Background())
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "another bench run is writing this file") {
		t.Fatalf("sweep on a locked file: %v", err)
	}
	f.Close()
	if sum, err := (&Sweep{Tasks: spec.Tasks(""), Out: out}).Run(context.Background()); err != nil || sum.Ran != 6 {
		t.Fatalf("after the lock is released: %+v %v", sum, err)
	}
}

func TestInstancesChooseTheirConfigs(t *testing.T) {
	spec, err := LoadSpec(writeSpec(t, `
time_limit = "1s"
seeds = [1, 2]
[[instances]]
path = "tour.tsp"
configs = ["t"]
[[instances]]
path = "shop.txt"
[[configs]]
name = "t"
solver = "test-fake"
[[configs]]
name = "j"
solver = "test-fake"
`), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, task := range spec.Tasks("") {
		keys = append(keys, task.Key())
	}
	want := "tour.tsp#0|t|1 tour.tsp#0|t|2 shop.txt#0|t|1 shop.txt#0|t|2 shop.txt#0|j|1 shop.txt#0|j|2"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("runs %s\nwant %s", got, want)
	}
	_, err = LoadSpec(writeSpec(t, "time_limit='1s'\n[[instances]]\npath='a'\nconfigs=['nope']\n[[configs]]\nname='a'\nsolver='test-fake'\n"), "")
	if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), `no configuration named "nope"`) {
		t.Fatalf("unknown config on an instance: %v", err)
	}
}

// A child whose search a signal stopped before the sweep heard of it: its
// "canceled" result must not be recorded as the run's.
func TestSweepDropsARunCancelledFromOutside(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	tasks := spec.Tasks("")
	out := filepath.Join(t.TempDir(), "sig.jsonl")
	calls := 0
	signalled := func(ctx context.Context, task Task) (Envelope, error) {
		calls++
		e, err := RunInProcess(ctx, task)
		if calls == 2 {
			e.StopReason = "canceled"
		}
		return e, err
	}
	sum, err := (&Sweep{Tasks: tasks, Out: out, Exec: signalled}).Run(context.Background())
	if !errors.Is(err, context.Canceled) || sum.Ran != 1 {
		t.Fatalf("a run cancelled from outside: %+v, %v; want the sweep interrupted after 1 run", sum, err)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), "canceled") || strings.Count(string(data), "\n") != 1 {
		t.Fatalf("recorded:\n%s", data)
	}
	if sum, err := (&Sweep{Tasks: tasks, Out: out}).Run(context.Background()); err != nil || sum.Skipped != 1 || sum.Ran != 5 {
		t.Fatalf("resume: %+v, %v", sum, err)
	}
}

// A child killed by SIGTERM before it could handle it: the sweep is interrupted,
// nothing recorded; any other death of the child is the run's failure.
func TestIsolatedChildEndedBySignal(t *testing.T) {
	task := Task{Source: Source{Path: "x"}, Config: Config{Name: "c", Solver: "test-fake"}, TimeLimit: time.Second}
	out := filepath.Join(t.TempDir(), "child.jsonl")
	_, err := (&Sweep{Tasks: []Task{task}, Out: out, Exec: IsolatedExecutor("sh", "-c", "kill -TERM $$")}).Run(context.Background())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("child ended by SIGTERM: %v, want the sweep interrupted", err)
	}
	if data, _ := os.ReadFile(out); len(data) != 0 {
		t.Fatalf("recorded %s", data)
	}
	sum, err := (&Sweep{Tasks: []Task{task}, Out: out, Exec: IsolatedExecutor("sh", "-c", "kill -KILL $$")}).Run(context.Background())
	if err != nil || sum.Failed != 1 {
		t.Fatalf("child ended by SIGKILL: %+v, %v; want a failed run", sum, err)
	}
}

// TestChildErrorNamesTheCrash: a crashed child's error is its panic line, not
// the last frame of its stack.
func TestChildErrorNamesTheCrash(t *testing.T) {
	cases := []struct{ stderr, want string }{
		{"panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:9 +0x1d\nexit status 2\n", "panic: runtime error: index out of range [3] with length 3"},
		{"fatal error: out of memory\n\ngoroutine 1 [running]:\nruntime.throw()\n", "fatal error: out of memory"},
		{"searching…\ncosolve: x.tsp:3: bad coordinate\n", "cosolve: x.tsp:3: bad coordinate"},
		{"", ""},
	}
	for _, c := range cases {
		if got := childError([]byte(c.stderr)); got != c.want {
			t.Errorf("childError(%q) = %q, want %q", c.stderr, got, c.want)
		}
	}
}
