package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

const robustTiny = `4 10 1.5
 10 4 2 5 12
 8 8 1 3 9
 6 3 0 4 7
 9 5 2 6 10
`

func TestRobustEvaluate(t *testing.T) {
	code, out, errOut := run(t, robustTiny, "robust", "evaluate", "-", "--first-stage", "1101", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	if env["kind"] != "robust-kp" || env["first_stage"] != "1101" {
		t.Fatalf("envelope %v", env)
	}
	// Selected items 0, 1, 3; capacity 10. The adversary can hurt the produced items
	// only, so the worst case lies between all-outsourced and the nominal optimum.
	obj := env["objective"].(float64)
	if obj < (10-12)+(8-9)+(9-10) || obj > 10+8+9 {
		t.Fatalf("objective %v out of range", obj)
	}
}

func TestRobustEvaluateBadInput(t *testing.T) {
	cases := [][]string{
		{"robust", "evaluate", "-", "--first-stage", "110"},
		{"robust", "evaluate", "-", "--first-stage", "11a1"},
		{"robust", "evaluate", "-"},
		{"robust", "evaluate", "--first-stage", "1101"},
	}
	for _, args := range cases {
		if code, _, errOut := run(t, robustTiny, args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, "4 10 1.5\n 10 4 2 5\n", "robust", "evaluate", "-", "--first-stage", "1101"); code != ExitUsage || !strings.Contains(errOut, "stdin:2") {
		t.Errorf("malformed instance: exit %d, stderr %q", code, errOut)
	}
}

func TestRobustEvaluatePublished(t *testing.T) {
	path := datadirtest.Path(t, instances.RKPInstanceDir, "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1")
	code, out, errOut := run(t, "", "robust", "evaluate", path, "--first-stage", "00101111111101100010", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	// Neur2RO's own evaluation of its solution: 4259.390208423429; BP: 4358.41.
	if obj := env["objective"].(float64); obj < 4259.39 || obj > 4259.3903 {
		t.Fatalf("objective %v, want 4259.3902", obj)
	}
	if ref, _ := env["reference"].(float64); ref != 4358.41 {
		t.Fatalf("reference %v", env["reference"])
	}
	if gap, _ := env["gap_pct"].(float64); gap < 2.27 || gap > 2.28 {
		t.Fatalf("gap %v", env["gap_pct"])
	}
}

func TestRobustSolveHeuristic(t *testing.T) {
	code, gen, errOut := run(t, "", "gen", "robust", "--name", "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5", "--seed", "4")
	if code != 0 {
		t.Fatalf("gen: %d %s", code, errOut)
	}
	code, out, errOut := run(t, gen, "robust", "solve", "-", "--backend", "heuristic", "--samples", "200", "--time-limit", "20s", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	fs, _ := env["first_stage"].(string)
	if len(fs) != 20 || env["backend"] != "heuristic" || env["stats"].(map[string]any)["ccg_iterations"] == nil {
		t.Fatalf("envelope %v", env)
	}
	// The reported objective is the exact evaluation of the reported first stage.
	code, again, errOut := run(t, gen, "robust", "evaluate", "-", "--first-stage", fs, "--json")
	if code != 0 {
		t.Fatalf("evaluate: %d %s", code, errOut)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(again), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["objective"] != env["objective"] {
		t.Fatalf("solve says %v, evaluate says %v", env["objective"], ev["objective"])
	}
}

func TestRobustSolveBadModel(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, robustTiny, "robust", "solve", "-", "--model", bad, "--backend", "heuristic")
	if code != ExitUsage || !strings.Contains(errOut, "model") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, flags := range [][]string{{"--ccg-share", "2"}, {"--model-label", "profit"}} {
		code, _, errOut = run(t, robustTiny, append([]string{"robust", "solve", "-", "--backend", "heuristic"}, flags...)...)
		if code != ExitUsage || !strings.Contains(errOut, strings.ReplaceAll(flags[0][2:], "-", "_")) {
			t.Fatalf("%v: exit %d, stderr %q", flags, code, errOut)
		}
	}
	code, _, errOut = run(t, "", "robust", "train", "--label", "profit", "--out", filepath.Join(dir, "m.onnx"))
	if code != ExitUsage || !strings.Contains(errOut, "--label") {
		t.Fatalf("train --label profit: exit %d, stderr %q", code, errOut)
	}
	// A valid ONNX network of the wrong structure (inputs that do not match).
	code, _, errOut = run(t, robustTiny, "robust", "solve", "-", "--model", "../nnsurrogate/testdata/torch/mlp_op13.onnx", "--backend", "heuristic")
	if code != ExitUsage || !strings.Contains(errOut, "does not match") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

const cbTiny = `7 2 4 9.7 3
4 6
0.8 1.2
0.25 0.25 0.25 0.25
1 0 0 0
0.5 0.5 0 0
0 0 0 1
`

// TestCapitalBudgetingBadInput: a negative cost, a first stage of the wrong
// length or over budget, and a model trained for the other problem are
// refused with exit 2 and a message that says why.
func TestCapitalBudgetingBadInput(t *testing.T) {
	kpModel := filepath.Join(t.TempDir(), "kp.onnx")
	if code, _, errOut := run(t, "", "robust", "train", "--instances", "6", "--first-stages", "2", "--scenarios", "2", "--epochs", "1", "--threads", "1", "--out", kpModel); code != 0 {
		t.Fatalf("train: exit %d %s", code, errOut)
	}
	cases := []struct {
		name, in string
		args     []string
		want     string
	}{
		{"negative cost", strings.Replace(cbTiny, "4 6", "4 -6", 1), []string{"robust", "evaluate", "-", "--first-stage", "10"}, "stdin:2: cost of project 2 is -6"},
		{"short first stage", cbTiny, []string{"robust", "evaluate", "-", "--first-stage", "1"}, "has 1 characters, want one 0/1 per item (2)"},
		{"over budget", cbTiny, []string{"robust", "evaluate", "-", "--first-stage", "11"}, "budget 9"},
		{"kp model", cbTiny, []string{"robust", "solve", "-", "--model", kpModel, "--backend", "heuristic"}, `trained for problem "kp", not "cb"`},
		{"kp file as cb", robustTiny, []string{"robust", "solve", "-", "--problem", "cb"}, "not a capital budgeting one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.in, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errOut, c.want)
			}
		})
	}
}

// TestCapitalBudgetingEvaluatePublished reproduces Neur2RO's objective for its
// own first stage on a published instance through the CLI.
func TestCapitalBudgetingEvaluatePublished(t *testing.T) {
	path := datadirtest.Path(t, instances.CBInstanceDir, "CB_n10_xi4_s1")
	code, out, errOut := run(t, "", "robust", "evaluate", path, "--first-stage", "0100101000", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	if obj := env["objective"].(float64); env["kind"] != "robust-cb" || obj > -3.082830960341914*(1-1e-6) || obj < -3.082830960341914*(1+1e-6) {
		t.Fatalf("envelope %v, want objective −3.0828310", env)
	}
	if ref, _ := env["reference"].(float64); ref != -3.082830960341914 {
		t.Fatalf("reference %v", env["reference"])
	}
}
