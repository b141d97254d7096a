package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

// TestBenchRunFailuresAndChecks: a spec whose runs cannot work is refused
// before any run (a missing file, an index past the file's end, an instance of
// the wrong kind); runs that fail all the same make the exit code 1 (it was 0).
func TestBenchRunFailuresAndChecks(t *testing.T) {
	inTempDir(t)
	noEngine(t)
	os.WriteFile("tsp.txt", []byte("0 0 1 0 1 1 0 1 output 1 2 3 4 1\n"), 0o644)
	os.WriteFile("broken.txt", []byte("2 2\n0 3 1\n"), 0o644)
	head := "time_limit = \"1s\"\n[[configs]]\nname = \"fifo\"\nsolver = \"jssp\"\noptions = { policy = \"fifo\", method = \"dispatch\" }\n"
	for _, c := range []struct {
		instances, want string
	}{
		{"[[instances]]\npath = \"missing.txt\"\n", "missing.txt: no such file"},
		{"[[instances]]\npath = \"tsp.txt\"\n", "is a tsp instance, but a configuration runs solver jssp"},
		{"[[instances]]\npath = \"broken.txt\"\nindices = \"0-1\"\n", "index 1, but"},
		{"[[instances]]\ngenerator = \"uniform\"\nn = 10\n", "solver jssp has no generator \"uniform\""},
	} {
		os.WriteFile("bad.toml", []byte(head+c.instances), 0o644)
		code, _, errOut := run(t, "", "bench", "run", "bad.toml", "--in-process", "--out", "bad.jsonl")
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, %q; want exit 2 naming %q", c.instances, code, errOut, c.want)
		}
		if _, err := os.Stat("bad.jsonl"); err == nil {
			t.Errorf("%q: a refused spec left a results file", c.instances)
		}
	}
	os.WriteFile("fails.toml", []byte(head+"[[instances]]\npath = \"broken.txt\"\n"), 0o644)
	code, _, errOut := run(t, "", "bench", "run", "fails.toml", "--in-process", "--out", "fails.jsonl")
	if code != ExitInvalid || !strings.Contains(errOut, "0 runs, 0 already recorded, 1 failed") || !strings.Contains(errOut, "1 of 1 runs failed") {
		t.Errorf("every run failing: exit %d, %q; want 1", code, errOut)
	}
}

// TestBenchResumeSeesChangedSettings: lines record the settings they were run
// under; changing the spec's time limit runs those runs again (they were kept)
// and moves the old lines aside.
func TestBenchResumeSeesChangedSettings(t *testing.T) {
	spec := inTempDir(t)
	noEngine(t)
	if code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--out", "r.jsonl"); code != 0 {
		t.Fatal(errOut)
	}
	if _, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--out", "r.jsonl"); !strings.Contains(errOut, "0 runs, 8 already recorded") {
		t.Errorf("unchanged spec: %q", errOut)
	}
	os.WriteFile(spec, []byte(strings.Replace(tinySweep, `time_limit = "5s"`, `time_limit = "7s"`, 1)), 0o644)
	_, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--out", "r.jsonl")
	if !strings.Contains(errOut, "8 runs, 0 already recorded") || !strings.Contains(errOut, "8 runs were recorded under other settings") {
		t.Errorf("changed time limit: %q", errOut)
	}
	lines, _ := os.ReadFile("r.jsonl")
	stale, _ := os.ReadFile("r.jsonl.stale")
	if strings.Count(string(lines), "\n") != 8 || strings.Count(string(stale), "\n") != 8 || !strings.Contains(string(lines), `"time_limit_s":7`) {
		t.Errorf("%d current lines, %d stale", strings.Count(string(lines), "\n"), strings.Count(string(stale), "\n"))
	}
}

// TestBenchReportByUnknownFieldAndPlot: grouping by a field no line has is an
// error naming the fields there are (it grouped everything under "-"), and
// --plot draws the sweep.
func TestBenchReportByUnknownFieldAndPlot(t *testing.T) {
	data := datadirtest.ForTest(t)
	spec := inTempDir(t)
	noEngine(t)
	if code, _, errOut := run(t, "", "bench", "run", spec, "--in-process", "--out", "r.jsonl"); code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut := run(t, "", "bench", "report", "r.jsonl", "--by", "nonexistent")
	if code != ExitUsage || !strings.Contains(errOut, "--by nonexistent: no line has this field") || !strings.Contains(errOut, "config") {
		t.Errorf("--by nonexistent: exit %d, %q", code, errOut)
	}
	// Random job shops have no reference: nothing to plot, said clearly.
	if code, _, errOut := run(t, "", "bench", "report", "r.jsonl", "--plot", "r.svg"); code != ExitUsage || !strings.Contains(errOut, "nothing to plot") {
		t.Errorf("--plot without references: exit %d, %q", code, errOut)
	}
	os.WriteFile("ta.toml", []byte("time_limit = \"0.2s\"\n[[instances]]\ngenerator = \"taillard\"\nname = \"ta01\"\n"+
		"[[configs]]\nname = \"tabu\"\nsolver = \"jssp\"\noptions = { method = \"tabu\", iterations = 2000 }\n"+
		"[[configs]]\nname = \"fifo\"\nsolver = \"jssp\"\noptions = { policy = \"fifo\", method = \"dispatch\" }\n"), 0o644)
	t.Setenv("COSOLVE_DATA", data)
	if code, _, errOut := run(t, "", "bench", "run", "ta.toml", "--in-process", "--out", "ta.jsonl"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := run(t, "", "bench", "report", "ta.jsonl", "--plot", "ta.svg"); code != 0 {
		t.Fatalf("--plot: exit %d, %s", code, errOut)
	}
	svg, _ := os.ReadFile("ta.svg")
	for _, want := range []string{"<svg", "tabu", "fifo", "final gap per size", "15x15"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the picture lacks %q", want)
		}
	}
}
