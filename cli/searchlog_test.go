package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/cpuclock"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// TestSearchLog: with --log the solve prints a header naming the instance, its
// size and settings, one line per new best, and the closing statistics and
// summary; without it (stderr is not a terminal here) only the summary; with
// --quiet nothing. Stdout holds only what was asked for.
func TestSearchLog(t *testing.T) {
	ta01 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ta01")
	base := []string{"jssp", "solve", ta01, "--iterations", "3000"}
	code, out, errOut := run(t, "", append(base, "--log")...)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	for _, want := range []string{"ta01 (jssp): 15 jobs × 15 machines", "reference 1231 (optimal)", "bound 977",
		"policy fdd-mwkr", "time limit 10s, seed 1, 1 thread", "found by"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("log lacks %q:\n%s", want, errOut)
		}
	}
	var improvements int
	for _, l := range lines {
		if strings.HasPrefix(l, "*") {
			improvements++
			if !strings.Contains(l, "dispatch") && !strings.Contains(l, "tabu") && !strings.Contains(l, "lns") && !strings.Contains(l, "exact") {
				t.Errorf("improvement line without a phase: %q", l)
			}
		}
	}
	if improvements < 2 || !strings.Contains(lines[len(lines)-2], "stats:") || !strings.HasPrefix(lines[len(lines)-1], "ta01  jssp  objective") {
		t.Errorf("%d improvement lines; log ends %q", improvements, lines[len(lines)-2:])
	}
	code, out, errOut = run(t, "", base...)
	if code != 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "ta01  jssp  objective") {
		t.Errorf("without --log: exit %d, stdout %q, stderr %q; want the summary alone on stderr", code, out, errOut)
	}
	if code, out, errOut := run(t, "", append(base, "--quiet")...); code != 0 || out != "" || errOut != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, _ := run(t, "", append(base, "--quiet", "--log")...); code != ExitUsage {
		t.Errorf("--quiet --log: exit %d, want 2", code)
	}
}

// TestLogGapToTheSolversBound: the bound-gap column uses the bound the solver
// proves during the search (TSP's α bound, unknown when the header prints),
// not only the one known at the start.
func TestLogGapToTheSolversBound(t *testing.T) {
	set := datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt")
	code, _, errOut := run(t, "", "tsp", "solve", set, "--iterations", "2000", "--threads", "1", "--log")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines int
	for _, l := range strings.Split(errOut, "\n") {
		if f := strings.Fields(l); len(f) >= 5 && f[0] == "*" {
			lines++
			if !strings.HasSuffix(f[4], "%") {
				t.Errorf("no bound gap in %q", l)
			}
		}
	}
	if lines == 0 {
		t.Errorf("no improvement line:\n%s", errOut)
	}
}

// TestSearchLogHeartbeat: on a plateau the log says the search is alive.
// GT-Prior, because the default α heatmap would prove the first tour optimal
// and end the run.
func TestSearchLogHeartbeat(t *testing.T) {
	burma := datadirtest.Path(t, "tsplib", "burma14.tsp")
	code, _, errOut := run(t, "", "tsp", "solve", burma, "--heatmap", "gt-prior", "--time-limit", "0.8", "--log", "--log-interval", "0.2")
	if code != 0 || !strings.Contains(errOut, "(no better for") {
		t.Errorf("exit %d, log:\n%s", code, errOut)
	}
}

// TestLogMergesFastImprovements: improvements closer than minGap share a line,
// the latest one printed when the gap has passed or the run ends.
func TestLogMergesFastImprovements(t *testing.T) {
	var buf bytes.Buffer
	l := newSearchLog(&buf, "limits", 0)
	l.header(benchmarks.RunInfo{Instance: "x", Kind: "tsp", Size: "n = 3", Settings: "s", Bound: 1})
	for i := range 50 {
		l.improve(benchmarks.Improvement{Elapsed: time.Duration(i) * time.Millisecond, Objective: float64(100 - i), Phase: "kick"})
	}
	l.finish(&benchmarks.Envelope{Stats: map[string]int{"kicks": 7}})
	got := buf.String()
	if n := strings.Count(got, "\n*"); n != 2 {
		t.Errorf("%d improvement lines for 50 improvements within 50 ms, want 2 (the first and the last):\n%s", n, got)
	}
	if !strings.Contains(got, "           51  ") || !strings.Contains(got, "50 improvements; stats: kicks 7") {
		t.Errorf("the last improvement (51) or the stats are missing:\n%s", got)
	}
}

// TestTraceInJSON: --json carries the improvements as [t, objective], in time
// order, each better than the one before, the last equal to the objective.
func TestTraceInJSON(t *testing.T) {
	ft10 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft10")
	code, out, errOut := run(t, "", "jssp", "solve", ft10, "--iterations", "3000", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env benchmarks.Envelope
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	tr := env.Trace
	if len(tr) < 2 {
		t.Fatalf("trace %v", tr)
	}
	for i := 1; i < len(tr); i++ {
		if tr[i][0] < tr[i-1][0] || tr[i][1] >= tr[i-1][1] {
			t.Fatalf("trace not improving over time at %d: %v", i, tr)
		}
	}
	if last := tr[len(tr)-1]; last[1] != *env.Objective || last[0] > env.TimeS {
		t.Errorf("last trace point %v, objective %v at %v s", last, *env.Objective, env.TimeS)
	}
}

// TestStopAtReference: a run that reaches a proved optimum stops there and
// says so (it used to run to the limit and report feasible).
func TestStopAtReference(t *testing.T) {
	burma := datadirtest.Path(t, "tsplib", "burma14.tsp")
	code, out, errOut := run(t, "", "tsp", "solve", burma, "--time-limit", "60", "--stop-at-reference", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env benchmarks.Envelope
	json.Unmarshal([]byte(out), &env)
	if *env.Objective != 3323 || env.Status != "optimal" || env.StopReason != benchmarks.StopReferenceReached {
		t.Errorf("burma14: objective %v, %s (%s); want 3323, optimal (reference-reached)", *env.Objective, env.Status, env.StopReason)
	}
	ft06 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft06")
	code, _, errOut = run(t, "", "jssp", "solve", ft06, "--method", "tabu", "--time-limit", "60", "--stop-at-reference")
	if code != 0 || !strings.Contains(errOut, "objective 55") || !strings.Contains(errOut, "optimal (") {
		t.Errorf("ft06: exit %d, %s", code, errOut)
	}
}

// TestObserverRunsBeforeTheSearch: the Start hook sees the loaded instance and
// can refuse the run before any search.
func TestObserverRunsBeforeTheSearch(t *testing.T) {
	refused := false
	task := benchmarks.Task{
		Source: benchmarks.Source{Generator: "uniform", N: 50, GenSeed: 1},
		Config: benchmarks.Config{Name: "c", Solver: "tsp", TSP: &benchmarks.TSPOptions{Iterations: 100}},
		Observer: &benchmarks.Observer{
			Start: func(info benchmarks.RunInfo) error {
				refused = info.Problem.(*instances.TSP).N() == 50
				return usageErr("no")
			},
			Improve: func(benchmarks.Improvement) { t.Error("the search ran") },
		},
	}
	if _, err := benchmarks.Run(context.Background(), task); err == nil || !refused {
		t.Errorf("err %v, refused %v", err, refused)
	}
}

// BenchmarkTSPLog compares a solve with the search log (written to a buffer)
// and without it, at an iteration budget, so both do the same search; the two
// alternate within each iteration, and each reports its CPU seconds per solve
// and the log's cost in percent:
//
//	go test ./cli -run '^$' -bench TSPLog -benchtime 5x
func BenchmarkTSPLog(b *testing.B) {
	set := datadirtest.Path(b, "tsp", "tsp1000_test_concorde.txt")
	modes := []string{"--quiet", "--log"}
	cpu := make([]time.Duration, len(modes))
	for range b.N {
		for m, mode := range modes {
			var out, errb bytes.Buffer
			args := []string{"cosolve", "tsp", "solve", set, "--iterations", "20000", "--time-limit", "120", mode}
			clock := cpuclock.Since()
			if code := Run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
				b.Fatal(errb.String())
			}
			cpu[m] += clock()
		}
	}
	for m, mode := range modes {
		b.ReportMetric(cpu[m].Seconds()/float64(b.N), "cpu-s/"+strings.TrimPrefix(mode, "--"))
	}
	b.ReportMetric(100*(cpu[1]-cpu[0]).Seconds()/cpu[0].Seconds(), "log-cost-%")
}
