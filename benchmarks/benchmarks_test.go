package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

// fakeRuns counts how often the test solver ran, per task key.
var fakeRuns sync64

type sync64 struct{ n atomic.Int64 }

func init() {
	Register("test-fake", func(ctx context.Context, t Task) (Outcome, error) {
		fakeRuns.n.Add(1)
		if t.Source.Path == "fail" {
			return Outcome{}, errors.New("boom")
		}
		obj := float64(100 + t.Source.Index + int(t.Seed))
		e := Envelope{Instance: t.Source.Label(), Kind: "test", Objective: Float(obj), Status: "feasible", StopReason: "completed"}
		e.SetReference(100, "optimal", false)
		return Outcome{Envelope: e}, nil
	})
}

func TestParseIndices(t *testing.T) {
	cases := []struct {
		in   string
		want []int
		bad  bool
	}{
		{"", []int{0}, false},
		{"3", []int{3}, false},
		{"0-3", []int{0, 1, 2, 3}, false},
		{"0-1, 5 ,7-8", []int{0, 1, 5, 7, 8}, false},
		{"3-1", nil, true},
		{"x", nil, true},
		{"-2", nil, true},
		{"0-99999999999", nil, true},
	}
	for _, c := range cases {
		got, err := ParseIndices(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseIndices(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseIndices(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestEnvelopeGapSignAndExtra(t *testing.T) {
	min := Envelope{Objective: Float(110)}
	min.SetReference(100, "optimal", false)
	max := Envelope{Objective: Float(90)}
	max.SetReference(100, "branch-and-price", true)
	if *min.GapPct != 10 || *max.GapPct != 10 {
		t.Fatalf("gaps %v and %v, want +10 for both (positive = worse)", *min.GapPct, *max.GapPct)
	}
	max.Extra = map[string]any{"backend": "cbc", "iterations": 3}
	b, err := json.Marshal(max)
	if err != nil {
		t.Fatal(err)
	}
	var back Envelope
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Extra["backend"] != "cbc" || back.Extra["iterations"] != float64(3) || *back.GapPct != 10 {
		t.Fatalf("round trip lost fields: %s", b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"instance", "kind", "objective", "bound", "reference", "reference_kind", "gap_pct", "status", "stop_reason", "time_s", "cpu_s", "seed", "stats"} {
		if _, ok := m[k]; !ok {
			t.Errorf("envelope lacks %q: %s", k, b)
		}
	}
	bad := Envelope{Extra: map[string]any{"objective": 1}}
	if _, err := json.Marshal(bad); err == nil {
		t.Error("an extra field shadowing a standard one was accepted")
	}
}

func writeSpec(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spec.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const threeInstanceSpec = `
name = "three"
time_limit = "1s"
seeds = [1, 2]
[[instances]]
path = "set.txt"
indices = "0-2"
[[configs]]
name = "a"
solver = "test-fake"
`

func TestSweepResumesWithoutRepeating(t *testing.T) {
	spec, err := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	if err != nil {
		t.Fatal(err)
	}
	tasks := spec.Tasks("")
	if len(tasks) != 6 {
		t.Fatalf("%d tasks, want 3 instances × 2 seeds", len(tasks))
	}
	out := filepath.Join(t.TempDir(), "lines.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	before := fakeRuns.n.Load()
	first := &Sweep{Tasks: tasks, Out: out, Progress: func(done, total int, e Envelope, skipped bool) {
		if done == 2 {
			cancel()
		}
	}}
	if _, err := first.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted sweep returned %v, want context.Canceled", err)
	}
	// Simulate a crash in the middle of writing a line.
	f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"instance":"cut`)
	f.Close()
	second := &Sweep{Tasks: tasks, Out: out}
	sum, err := second.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 2 || sum.Ran != 4 {
		t.Fatalf("resume: %+v, want 2 skipped and 4 run", sum)
	}
	if runs := fakeRuns.n.Load() - before; runs != 6 {
		t.Fatalf("solver ran %d times over both sweeps, want 6", runs)
	}
	data, _ := os.ReadFile(out)
	rows, err := ReadLines(bytes.NewReader(data), out)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		k := r["source"].(string) + r["config"].(string) + string(rune('0'+int(r["seed"].(float64))))
		if seen[k] {
			t.Fatalf("run %s recorded twice", k)
		}
		seen[k] = true
	}
	if len(rows) != 6 {
		t.Fatalf("%d lines, want 6", len(rows))
	}
	third, _ := (&Sweep{Tasks: tasks, Out: out}).Run(context.Background())
	if third.Ran != 0 || third.Skipped != 6 {
		t.Fatalf("third pass %+v, want everything skipped", third)
	}
}

func TestConfigThreadsOverrideTheSpec(t *testing.T) {
	spec, err := LoadSpec(writeSpec(t, `
time_limit = "1s"
threads = 1
[[instances]]
path = "x"
[[configs]]
name = "one"
solver = "test-fake"
[[configs]]
name = "two"
solver = "test-fake"
threads = 2
`), "")
	if err != nil {
		t.Fatal(err)
	}
	tasks := spec.Tasks("")
	if len(tasks) != 2 || tasks[0].Threads != 1 || tasks[1].Threads != 2 {
		t.Fatalf("threads per task: %+v", tasks)
	}
}

func TestInstanceTimeLimitOverridesTheSpec(t *testing.T) {
	spec, err := LoadSpec(writeSpec(t, `
time_limit = "1s"
[[instances]]
path = "small"
[[instances]]
path = "large"
time_limit = "2m30s"
[[configs]]
name = "one"
solver = "test-fake"
`), "")
	if err != nil {
		t.Fatal(err)
	}
	tasks := spec.Tasks("")
	if len(tasks) != 2 || tasks[0].TimeLimit != time.Second || tasks[1].TimeLimit != 150*time.Second {
		t.Fatalf("time limit per task: %+v", tasks)
	}
}

func TestSweepShardsPartitionTheRuns(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	tasks := spec.Tasks("")
	total := 0
	for i := 0; i < 3; i++ {
		out := filepath.Join(t.TempDir(), "s.jsonl")
		sum, err := (&Sweep{Tasks: tasks, Out: out, Shard: i, Shards: 3}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total += sum.Ran
		if sum.Ran+sum.OtherShards != len(tasks) {
			t.Fatalf("shard %d: %+v", i, sum)
		}
	}
	if total != len(tasks) {
		t.Fatalf("shards ran %d runs, want %d", total, len(tasks))
	}
	if _, err := (&Sweep{Tasks: tasks, Out: filepath.Join(t.TempDir(), "x"), Shard: 3, Shards: 3}).Run(context.Background()); err == nil {
		t.Fatal("shard 3/3 accepted")
	}
}

func TestSweepRecordsFailures(t *testing.T) {
	tasks := []Task{{Source: Source{Path: "fail"}, Config: Config{Name: "c", Solver: "test-fake"}, TimeLimit: time.Second}}
	out := filepath.Join(t.TempDir(), "f.jsonl")
	sum, err := (&Sweep{Tasks: tasks, Out: out}).Run(context.Background())
	if err != nil || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), `"error":"boom"`) {
		t.Fatalf("failure not recorded: %s", data)
	}
	again, err := (&Sweep{Tasks: tasks, Out: out}).Run(context.Background())
	if err != nil || again.Failed != 1 || again.Skipped != 0 {
		t.Fatalf("a failed run must be tried again on resume: %+v %v", again, err)
	}
	f, _ := os.Open(out)
	rows, err := ReadLines(f, out)
	f.Close()
	if err != nil || len(rows) != 1 {
		t.Fatalf("report rows %d (%v), want the retried run once", len(rows), err)
	}
}

func TestLoadSpecRejects(t *testing.T) {
	cases := map[string]string{
		"no time limit":        "[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"bad time limit":       "time_limit='-1s'\n[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"unknown key":          "time_limit='1s'\ncolour='red'\n[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"no configs":           "time_limit='1s'\n[[instances]]\npath='a'\n",
		"dup config":           "time_limit='1s'\n[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='test-fake'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"path and gen":         "time_limit='1s'\n[[instances]]\npath='a'\ngenerator='uniform'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"bad indices":          "time_limit='1s'\n[[instances]]\npath='a'\nindices='2-1'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"data needed":          "time_limit='1s'\n[[instances]]\npath='$DATA/x'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"not toml":             "time_limit = = 1",
		"bad instance limit":   "time_limit='1s'\n[[instances]]\npath='a'\ntime_limit='0s'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"unknown solver":       "time_limit='1s'\n[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='x'\n",
		"negative seed":        "time_limit='1s'\nseeds=[-1]\n[[instances]]\npath='a'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"too many runs":        "time_limit='1s'\nseeds=[1,2]\n[[instances]]\npath='a'\nindices='0-999998'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
		"indices past the cap": "time_limit='1s'\n[[instances]]\npath='a'\nindices='0-999999,0-999999'\n[[configs]]\nname='a'\nsolver='test-fake'\n",
	}
	for name, body := range cases {
		if _, err := LoadSpec(writeSpec(t, body), ""); !errors.Is(err, ErrBadSpec) {
			t.Errorf("%s: got %v, want ErrBadSpec", name, err)
		}
	}
}

func TestSummariseAndReport(t *testing.T) {
	lines := `{"config":"a","gap_pct":1,"time_s":2,"objective":10}
{"config":"a","gap_pct":3,"time_s":4,"objective":20}
{"config":"a","gap_pct":10,"time_s":6,"objective":30}
{"config":"b","gap_pct":-1,"time_s":1,"objective":5}
{"config":"b","error":"boom"}
`
	rows, err := ReadLines(strings.NewReader(lines), "x")
	if err != nil {
		t.Fatal(err)
	}
	groups := Summarise(rows, []string{"config"})
	if len(groups) != 2 {
		t.Fatalf("%d groups", len(groups))
	}
	a, b := groups[0], groups[1]
	if a.Count != 3 || a.MeanGap != 14.0/3 || a.MedianGap != 3 || a.MeanTime != 4 {
		t.Fatalf("group a: %+v", a)
	}
	if b.Count != 2 || b.Failed != 1 || b.MeanGap != -1 {
		t.Fatalf("group b: %+v", b)
	}
	var md bytes.Buffer
	WriteMarkdown(&md, []string{"config"}, groups)
	if !strings.Contains(md.String(), "| a | 3 | 0 | 20.0000 | 4.667 | 3.000 | 4.00 |") {
		t.Fatalf("markdown:\n%s", md.String())
	}
	if _, err := ReadLines(strings.NewReader("{\n"), "bad.jsonl"); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Fatalf("bad line error %v", err)
	}
}

func TestSpecHeatmapFilesAreRelativeToTheSpec(t *testing.T) {
	path := writeSpec(t, `time_limit = "1s"
[[instances]]
generator = "uniform"
n = 20
[[configs]]
name = "model"
solver = "tsp"
options = { heatmap = "models/edge.onnx" }
[[configs]]
name = "named"
solver = "tsp"
options = { heatmap = "alpha" }
[[configs]]
name = "absolute"
solver = "tsp"
options = { heatmap = "/h/dense.txt" }
`)
	s, err := LoadSpec(path, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(filepath.Dir(path), "models/edge.onnx"), "alpha", "/h/dense.txt"}
	for i, c := range s.Configs {
		if c.TSP.Heatmap != want[i] {
			t.Errorf("config %s: heatmap %q, want %q", c.Name, c.TSP.Heatmap, want[i])
		}
	}
}

func TestSpecDecodesTypedOptions(t *testing.T) {
	const spec = `time_limit = "1s"
[[instances]]
generator = "uniform"
n = 20
[[configs]]
name = "a"
solver = "tsp"
options = { preset = "pan-softdist-500", samples = 4, iterations = 100 }
[[configs]]
name = "b"
solver = "jssp"
options = { policy = "spt", method = "tabu" }
`
	s, err := LoadSpec(writeSpec(t, spec), "")
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Configs[0], s.Configs[1]
	if a.TSP == nil || a.TSP.Preset != "pan-softdist-500" || a.TSP.Samples == nil || *a.TSP.Samples != 4 || a.TSP.Iterations != 100 {
		t.Errorf("tsp options %+v", a.TSP)
	}
	if b.JSSP == nil || b.JSSP.Policy != "spt" || b.JSSP.Method != "tabu" {
		t.Errorf("jssp options %+v", b.JSSP)
	}
	for name, bad := range map[string]string{
		"unknown key":    `options = { preset = "cosolve", sampels = 4 }`,
		"wrong type":     `options = { iterations = "many" }`,
		"unknown preset": `options = { preset = "fastest" }`,
		"negative":       `options = { iterations = -1 }`,
	} {
		text := strings.Replace(spec, `options = { preset = "pan-softdist-500", samples = 4, iterations = 100 }`, bad, 1)
		if _, err := LoadSpec(writeSpec(t, text), ""); !errors.Is(err, ErrBadSpec) {
			t.Errorf("%s: err = %v, want ErrBadSpec", name, err)
		}
	}
	unknown := strings.Replace(spec, `solver = "jssp"`, `solver = "vrp"`, 1)
	if _, err := LoadSpec(writeSpec(t, unknown), ""); err == nil || !strings.Contains(err.Error(), "unknown solver") {
		t.Errorf("unknown solver: err = %v", err)
	}
}

// Every shipped spec loads and validates; a spec for the CBC backend needs the
// cbc build.
func TestShippedSpecsLoad(t *testing.T) {
	dir := datadirtest.ForTest(t)
	// Specs that compare against LKH-3 take it from $LKH.
	t.Setenv("LKH", fakeLKH(t, ""))
	specs, err := filepath.Glob(filepath.Join("specs", "*.toml"))
	if err != nil || len(specs) == 0 {
		t.Fatalf("no specs: %v", err)
	}
	for _, path := range specs {
		if _, err := LoadSpec(path, dir); err != nil {
			if strings.Contains(err.Error(), "-tags cbc") {
				t.Logf("%s: needs the cbc build", path)
				continue
			}
			t.Errorf("%s: %v", path, err)
		}
	}
}

// TestTimeLimitCoversLoading: the solver adapter sees a deadline counted from
// the start of Run, so the time spent reading the instance is part of the
// limit (the command line documents --time-limit as wall-clock).
func TestTimeLimitCoversLoading(t *testing.T) {
	var deadline time.Time
	var had bool
	Register("test-deadline", func(ctx context.Context, t Task) (Outcome, error) {
		time.Sleep(20 * time.Millisecond) // reading a large instance
		deadline, had = ctx.Deadline()
		return Outcome{Envelope: Envelope{Instance: "x", Kind: "test", Status: "feasible", StopReason: "completed"}}, nil
	})
	before := time.Now()
	if _, err := Run(context.Background(), Task{Source: Source{Path: "x"}, Config: Config{Name: "c", Solver: "test-deadline"}, TimeLimit: time.Hour}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if !had || deadline.Before(before.Add(time.Hour)) || deadline.After(after.Add(time.Hour).Add(-20*time.Millisecond)) {
		t.Errorf("deadline %v (set: %v), want one hour after Run started (between %v and %v)", deadline, had, before.Add(time.Hour), after.Add(time.Hour).Add(-20*time.Millisecond))
	}
}
