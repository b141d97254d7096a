package benchmarks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
)

// fakeLKH writes a shell script that behaves as LKH does for the sweep: it
// reads the parameter file, writes the identity tour in TSPLIB form to
// OUTPUT_TOUR_FILE and prints a summary; body replaces that behaviour.
func fakeLKH(t *testing.T, body string) string {
	t.Helper()
	if body == "" {
		body = `problem=$(sed -n 's/^PROBLEM_FILE = //p' "$1")
tour=$(sed -n 's/^OUTPUT_TOUR_FILE = //p' "$1")
n=$(sed -n 's/^DIMENSION : //p' "$problem")
grep -q '^EDGE_WEIGHT_TYPE : EUC_2D' "$problem" || { echo "not EUC_2D"; exit 1; }
{ echo "TYPE : TOUR"; echo "DIMENSION : $n"; echo TOUR_SECTION; seq 1 "$n"; echo -1; echo EOF; } > "$tour"
echo "Cost.min = 123, Cost.avg = 123"
echo "Time.total = 0.01 sec."`
	}
	path := filepath.Join(t.TempDir(), "LKH")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLKHRunsBesideOurSolver: the lkh configuration writes the instance (the
// unit square scaled into EUC_2D), runs the executable, reads its tour back
// and measures it on the original instance with our checker.
func TestLKHRunsBesideOurSolver(t *testing.T) {
	bin := fakeLKH(t, "")
	task := Task{Source: Source{Generator: "uniform", N: 50, GenSeed: 3}, Config: Config{Name: "lkh3", Solver: "lkh", LKH: &LKHOptions{Binary: bin}}, TimeLimit: time.Second}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := instances.GenerateUniform(50, 3)
	identity := make([]int, 50)
	for i := range identity {
		identity[i] = i
	}
	want, _ := instances.CheckTour(p, identity)
	e := out.Envelope
	if e.Objective == nil || float64(*e.Objective) != want || e.Status != "feasible" || e.StopReason != "completed" {
		t.Errorf("envelope %+v, want objective %v (the identity tour on the original instance)", e, want)
	}
	if stats, _ := e.Stats.(map[string]any); stats["lkh_cost_min"] != 123.0 || stats["lkh_time_total"] != 0.01 {
		t.Errorf("stats %v, want LKH's summary", e.Stats)
	}
}

// TestLKHFailuresAreTheRunsOwn: a missing executable is refused before the
// sweep; LKH's error, a tour that is not one, and an LKH that runs past its
// limit plus the grace are each the run's failure with LKH's last words.
func TestLKHFailuresAreTheRunsOwn(t *testing.T) {
	t.Setenv("LKH", "")
	if err := (Config{Name: "lkh3", Solver: "lkh"}).Validate(); err == nil || !strings.Contains(err.Error(), "set options.binary or $LKH") {
		t.Errorf("no executable: %v", err)
	}
	if err := (Config{Name: "lkh3", Solver: "lkh", LKH: &LKHOptions{Binary: fakeLKH(t, ""), Params: map[string]string{"RUNS": "3"}}}).Validate(); err == nil {
		t.Error("params overriding RUNS were accepted")
	}
	cases := []struct {
		name, body, want string
		limit            time.Duration
	}{
		{"error", `echo "PROBLEM_FILE: bad format"; exit 1`, "PROBLEM_FILE: bad format", time.Second},
		{"no tour", `echo done`, "LKH wrote no tour", time.Second},
		{"not a tour", `tour=$(sed -n 's/^OUTPUT_TOUR_FILE = //p' "$1"); printf 'TOUR_SECTION\n1\n1\n-1\n' > "$tour"`, "failed the independent check", time.Second},
		{"past the limit", `echo "Ascent: 1"; exec sleep 30`, "killed", 100 * time.Millisecond},
	}
	for _, c := range cases {
		task := Task{Source: Source{Generator: "uniform", N: 20, GenSeed: 1}, Config: Config{Name: "lkh3", Solver: "lkh", LKH: &LKHOptions{Binary: fakeLKH(t, c.body)}}, TimeLimit: c.limit}
		_, err := Run(context.Background(), task)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// TestLKHKilledKeepsItsLastTour: an LKH still searching when the wall-clock
// grace runs out (its own limit counts CPU time) is killed, and the last tour
// it wrote is the run's, stopped by the time limit.
func TestLKHKilledKeepsItsLastTour(t *testing.T) {
	bin := fakeLKH(t, `tour=$(sed -n 's/^OUTPUT_TOUR_FILE = //p' "$1")
{ echo TOUR_SECTION; seq 1 20; echo -1; } > "$tour"
exec sleep 30`)
	task := Task{Source: Source{Generator: "uniform", N: 20, GenSeed: 1}, Config: Config{Name: "lkh3", Solver: "lkh", LKH: &LKHOptions{Binary: bin}}, TimeLimit: 100 * time.Millisecond}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	if stats, _ := out.Envelope.Stats.(map[string]any); out.Envelope.StopReason != "time-limit" || stats["killed"] != true {
		t.Errorf("stop %s, stats %v; want time-limit and killed", out.Envelope.StopReason, out.Envelope.Stats)
	}
}
