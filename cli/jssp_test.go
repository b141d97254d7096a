package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers/jssp"
)

func TestJSSPSolveAndGantt(t *testing.T) {
	dir := datadirtest.ForTest(t)
	ft10 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft10")
	tmp := t.TempDir()
	sched, svg := filepath.Join(tmp, "ft10.json"), filepath.Join(tmp, "ft10.svg")
	code, out, errOut := run(t, "", "jssp", "solve", ft10, "--method", "dispatch", "--json", "--out", sched, "--gantt", svg)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if env["kind"] != "jssp" || env["reference"] != 930.0 || env["objective"] != 1097.0 || env["policy"] != "fdd-mwkr" {
		t.Errorf("envelope %v", env) // 1097 = measured_pdr_FDD/MWKR of ft10
	}
	f, err := os.Open(sched)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	js, err := instances.LoadJobShop(ft10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var s instances.Schedule
	if err := json.NewDecoder(f).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if ms, err := instances.CheckSchedule(js, s.Starts); err != nil || ms != 1097 {
		t.Errorf("schedule file: makespan %d, %v", ms, err)
	}
	pic, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(pic), "<rect"); n < 100 || !strings.Contains(string(pic), "makespan 1097") {
		t.Errorf("gantt: %d rects, makespan mark present: %v", n, strings.Contains(string(pic), "makespan 1097"))
	}
}

// TestJSSPPortfolioImprovesOnDispatch runs the default method with an iteration
// budget (identical on every machine) and checks it beats its own dispatched start.
func TestJSSPPortfolioImprovesOnDispatch(t *testing.T) {
	ft10 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft10")
	args := []string{"jssp", "solve", ft10, "--iterations", "20000", "--time-limit", "5m", "--json"}
	code, out, errOut := run(t, "", args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var env struct {
		Objective float64 `json:"objective"`
		Method    string  `json:"method"`
		Starts    [][]int `json:"starts"`
		Stats     struct {
			Dispatch float64 `json:"dispatch_makespan"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	if env.Method != "portfolio" || env.Stats.Dispatch != 1097 || env.Objective >= 1097 || env.Objective < 930 {
		t.Fatalf("portfolio on ft10: %+v (dispatch start 1097, optimum 930)", env)
	}
	_, out2, _ := run(t, "", args...)
	var again struct {
		Starts [][]int `json:"starts"`
	}
	json.Unmarshal([]byte(out2), &again)
	if fmt.Sprint(again.Starts) != fmt.Sprint(env.Starts) {
		t.Errorf("same seed, one thread and an iteration budget gave different results")
	}
	if code, _, _ := run(t, "", "jssp", "solve", ft10, "--method", "annealing"); code != ExitUsage {
		t.Errorf("unknown method: exit %d, want 2", code)
	}
}

func TestJSSPImportWeightsAndPolicy(t *testing.T) {
	dir := datadirtest.ForTest(t)
	weights := filepath.Join(dir, "jssp", "tassel_e2e", "pretrained", "checkpoint_model_state_dict.json")
	ft10 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft10")
	model := filepath.Join(t.TempDir(), "tassel.onnx")
	if code, _, errOut := run(t, "", "jssp", "import-weights", weights, "--out", model); code != ExitOK {
		t.Fatalf("import-weights: exit %d: %s", code, errOut)
	}
	code, out, errOut := run(t, "", "jssp", "solve", ft10, "--policy", model, "--method", "dispatch")
	if code != ExitOK || !strings.Contains(errOut, "objective 1102") {
		t.Errorf("greedy authors' policy on ft10: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "", "jssp", "solve", ft10, "--policy", model, "--samples", "4", "--seed", "2", "--json", "--method", "dispatch")
	if code != ExitOK || !strings.Contains(out, `"rollouts":4`) {
		t.Errorf("sampled: exit %d, %q %q", code, out, errOut)
	}
}

func TestJSSPBadInput(t *testing.T) {
	dir := datadirtest.ForTest(t)
	ft06 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft06")
	tmp := t.TempDir()
	inconsistent := filepath.Join(tmp, "bad.txt")
	if err := os.WriteFile(inconsistent, []byte("2 2\n0 5 1 3\n0 4 7 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A well-formed ONNX model whose first input is not interval_rep.
	f, err := os.Open(filepath.Join(dir, "jssp", "tassel_e2e", "pretrained", "checkpoint_model_state_dict.json"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := jssp.ReadStateDict(f, "sd")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	mp := net.ONNXModel()
	mp.Graph.Input[0].Name = "features"
	for _, n := range mp.Graph.Node {
		for i, in := range n.Input {
			if in == jssp.InputIntervalRep {
				n.Input[i] = "features"
			}
		}
	}
	raw, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	wrongInputs := filepath.Join(tmp, "wrong.onnx")
	if err := os.WriteFile(wrongInputs, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"jssp", "solve", inconsistent},
		{"jssp", "solve", ft06, "--policy", wrongInputs},
		{"jssp", "solve", ft06, "--samples", "-1"},
		{"jssp", "solve", ft06, "--policy", "spt", "--samples", "4"},
		{"jssp", "solve", ft06, "--policy", "nosuch"},
		{"jssp", "solve", filepath.Join(tmp, "missing.txt")},
		{"jssp", "import-weights", ft06, "--out", filepath.Join(tmp, "x.onnx")},
	} {
		code, _, errOut := run(t, "", args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d (stderr %q), want %d with a message", args, code, errOut, ExitUsage)
		}
	}
}

func TestJSSPHelpShowsExample(t *testing.T) {
	code, out, _ := run(t, "", "jssp", "solve", "--help")
	if code != ExitOK || !strings.Contains(out, "cosolve jssp solve ta01 ") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}
