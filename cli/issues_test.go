package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// The tests here each pin one defect a new user met trying every command
// (issue 16); their names say which.

// TestOutDashIsPureMachineOutput: `solve --out -` writes the solution alone to
// stdout, which `check` accepts, for every kind; the summary goes to stderr
// (it used to be appended to the JSON).
func TestOutDashIsPureMachineOutput(t *testing.T) {
	dir := datadirtest.ForTest(t)
	ft06 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft06")
	burma := filepath.Join(dir, "tsplib", "burma14.tsp")
	kp := filepath.Join(dir, instances.RKPInstanceDir, "RKP_UN_n20_R1000_H100_h40_dev0.15_d0.5")
	for _, c := range []struct {
		kind, instance string
		solve          []string
	}{
		{"jssp", ft06, []string{"jssp", "solve", ft06, "--iterations", "500"}},
		{"tsp", burma, []string{"tsp", "solve", burma, "--iterations", "50"}},
		{"robust-kp", kp, []string{"robust", "solve", kp, "--iterations", "5", "--backend", "heuristic", "--samples", "100"}},
	} {
		code, out, errOut := run(t, "", append(c.solve, "--out", "-")...)
		if code != 0 || !strings.Contains(errOut, "objective") {
			t.Fatalf("%s: exit %d, stderr %q", c.kind, code, errOut)
		}
		if strings.Contains(out, "objective ") && c.kind != "jssp" || strings.Contains(out, "feasible") {
			t.Errorf("%s: the summary leaked into stdout: %q", c.kind, out)
		}
		code, res, errOut := run(t, out, "check", c.instance, "-", "--json")
		if code != 0 || !strings.Contains(res, `"valid":true`) {
			t.Errorf("%s: check of the --out - output: exit %d, %s %s", c.kind, code, res, errOut)
		}
	}
	// A schedule is one JSON line, like every other cosolve output (bench
	// report reads it).
	_, out, _ := run(t, "", "jssp", "solve", ft06, "--iterations", "100", "--out", "-")
	if strings.Count(out, "\n") != 1 || !json.Valid([]byte(out)) {
		t.Errorf("schedule output is not one JSON line: %q", out)
	}
	if code, _, _ := run(t, "", "jssp", "solve", ft06, "--out", "-", "--json"); code != ExitUsage {
		t.Errorf("--out - with --json: exit %d, want 2", code)
	}
}

// TestPlotRefusedBeforeSolving: an instance without coordinates (pa561 is an
// EXPLICIT matrix) refuses --plot before the search, not after it.
func TestPlotRefusedBeforeSolving(t *testing.T) {
	pa := datadirtest.Path(t, "tsplib", "pa561.tsp")
	code, out, errOut := run(t, "", "tsp", "solve", pa, "--time-limit", "60", "--plot", filepath.Join(t.TempDir(), "pa.svg"), "--log")
	if code != ExitUsage || !strings.Contains(errOut, "no coordinates to draw") || strings.Contains(errOut, "objective") || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 before any search", code, out, errOut)
	}
}

// TestGanttCreditsTheImprovement: the Gantt chart names what found the
// schedule (it credited the dispatching rule for a tabu schedule) and states
// makespan, gap and time; numbers print in full.
func TestGanttCreditsTheImprovement(t *testing.T) {
	ft10 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft10")
	svg := filepath.Join(t.TempDir(), "g.svg")
	if code, _, errOut := run(t, "", "jssp", "solve", ft10, "--iterations", "3000", "--method", "tabu", "--gantt", svg); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	pic, _ := os.ReadFile(svg)
	caption := regexp.MustCompile(`fdd-mwkr dispatching, then tabu; best schedule found by tabu: makespan \d+, gap \+[0-9.]+ % to 930 \(optimal\), [0-9.]+ s`)
	if !caption.Match(pic) {
		t.Errorf("caption missing or wrong in %.600s", pic)
	}
	if out := mustRun(t, "info", datadirtest.Path(t, "tsplib", "pla85900.tsp")); !strings.Contains(out, "reference 142382641 (optimal)") {
		t.Errorf("info pla85900: %q, want the reference in full", out)
	}
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, "", args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

// TestHeatmapForEveryMethod: the default method takes its candidate edges
// from the heatmap (it used to refuse one, as it read none), and a file
// heatmap made for another instance of the same size is refused.
func TestHeatmapForEveryMethod(t *testing.T) {
	set := datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt")
	out := mustRun(t, "tsp", "solve", set, "--heatmap", "alpha", "--iterations", "10", "--threads", "1", "--json")
	var env struct {
		Bound     *float64 `json:"bound"`
		Objective float64  `json:"objective"`
		Heatmap   string   `json:"heatmap"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if env.Bound == nil || *env.Bound <= 0 || *env.Bound > env.Objective || env.Heatmap != "alpha" {
		t.Errorf("--heatmap alpha with the default method: bound %v, objective %v, heatmap %q", env.Bound, env.Objective, env.Heatmap)
	}
	h0 := filepath.Join(t.TempDir(), "h0.txt")
	if code, _, errOut := run(t, "", "tsp", "heatmap", set, "--index", "0", "--heatmap", "softdist", "--format", "sparse", "--out", h0); code != 0 {
		t.Fatalf("heatmap: %s", errOut)
	}
	// Any other heatmap changes the default method's candidate lists, so its
	// run (same seed, one thread, same iterations); it used to be ignored.
	for _, h := range []string{"gt-prior", "softdist", h0} {
		out := mustRun(t, "tsp", "solve", set, "--heatmap", h, "--iterations", "10", "--threads", "1", "--json")
		var other struct {
			Objective float64 `json:"objective"`
		}
		if err := json.Unmarshal([]byte(out), &other); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if other.Objective == env.Objective {
			t.Errorf("--heatmap %s with the default method: objective %v, the same as with alpha", h, other.Objective)
		}
	}
	mcts := []string{"tsp", "solve", set, "--preset", "pan-softdist-500", "--heatmap", h0, "--iterations", "10"}
	if code, _, errOut := run(t, "", append(mcts, "--index", "0")...); code != 0 {
		t.Errorf("the heatmap on its own instance: exit %d, %s", code, errOut)
	}
	if code, _, errOut := run(t, "", append(mcts, "--index", "1")...); code != ExitUsage || !strings.Contains(errOut, "made for another instance") {
		t.Errorf("instance 0's heatmap on instance 1: exit %d, %s", code, errOut)
	}
}

// TestTasselPolicyRunsOnBothEngines: `model info` says the interpreter runs the
// imported policy, and it does (gonnx used to fail at a Concat); both commands
// count the parameters the same way.
func TestTasselPolicyRunsOnBothEngines(t *testing.T) {
	weights := datadirtest.Path(t, "jssp", "tassel_e2e", "pretrained", "checkpoint_model_state_dict.json")
	dir := t.TempDir()
	model := filepath.Join(dir, "tassel.onnx")
	code, _, imported := run(t, "", "jssp", "import-weights", weights, "--out", model)
	if code != 0 {
		t.Fatal(imported)
	}
	info := mustRun(t, "model", "info", model)
	stored := regexp.MustCompile(`(\d+) stored float32 values`)
	a, b := stored.FindStringSubmatch(imported), stored.FindStringSubmatch(info)
	if a == nil || b == nil || a[1] != b[1] || !strings.Contains(imported, "2442 trainable parameters") || !strings.Contains(info, "interpreter (gonnx): yes") {
		t.Errorf("import-weights says %q, model info %q", imported, info)
	}
	in := `{"interval_rep":{"shape":[1,2,5,4],"data":[` + zeros(40) + `]},"start_end_tokens":{"shape":[1,2,5],"data":[` + zeros(10) + `]},` +
		`"attention_interval_mask":{"shape":[1,2,5],"data":[` + zeros(10) + `]},"index_interval":{"shape":[1,2,5],"data":[` + zeros(10) + `]},` +
		`"job_resource_mask":{"shape":[1,3,3],"data":[` + zeros(9) + `]},"action_mask":{"shape":[1,3],"data":[1,1,1]}}`
	var outs [2]string
	for i, engine := range []string{"fast", "interpreter"} {
		code, out, errOut := run(t, in, "model", "run", model, "--input", "-", "--engine", engine)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", engine, code, errOut)
		}
		outs[i] = out
	}
	var fast, interp map[string]tensorJSON
	json.Unmarshal([]byte(outs[0]), &fast)
	json.Unmarshal([]byte(outs[1]), &interp)
	f, g := fast["logits"].Data, interp["logits"].Data
	if len(f) != 3 || len(g) != 3 {
		t.Fatalf("logits %v and %v", f, g)
	}
	for i := range f {
		if d := f[i] - g[i]; d > 1e-4 || d < -1e-4 {
			t.Errorf("logit %d: fast %v, interpreter %v", i, f[i], g[i])
		}
	}
}

func zeros(n int) string { return strings.TrimSuffix(strings.Repeat("0,", n), ",") }

// TestEvaluateDoesNotClaimOptimality: an exact evaluation of a first stage says
// nothing of its optimality (it printed "optimal (completed)").
func TestEvaluateDoesNotClaimOptimality(t *testing.T) {
	code, out, errOut := run(t, robustTiny, "robust", "evaluate", "-", "--first-stage", "1111", "--json")
	if code != 0 {
		t.Fatal(errOut)
	}
	var env map[string]any
	json.Unmarshal([]byte(out), &env)
	if env["status"] != "feasible" || env["stop_reason"] != "completed" || env["evaluation"] != "exact" {
		t.Errorf("status %v (%v), evaluation %v", env["status"], env["stop_reason"], env["evaluation"])
	}
}

// TestReferencesFollowTheData: an instance read from stdin or a renamed file
// keeps its name and published reference (they were lost).
func TestReferencesFollowTheData(t *testing.T) {
	dir := datadirtest.ForTest(t)
	gen := mustRun(t, "gen", "jssp", "--taillard", "ta01")
	tmp := t.TempDir()
	renamed := filepath.Join(tmp, "my-instance.txt")
	os.WriteFile(renamed, []byte(gen), 0o644)
	line, _ := os.ReadFile(filepath.Join(dir, "tsp", "tsp500_test_concorde.txt"))
	kp, _ := os.ReadFile(filepath.Join(dir, instances.RKPInstanceDir, "RKP_SC_n30_R1000_H100_h80_dev0.2_d1"))
	kpRenamed := filepath.Join(tmp, "kp.txt")
	os.WriteFile(kpRenamed, kp, 0o644)
	for _, c := range []struct {
		name, stdin string
		args        []string
		want, kind  string
	}{
		{"generated ta01 on stdin", gen, []string{"info", "-"}, "ta01", "optimal"},
		{"renamed ta01", "", []string{"info", renamed}, "ta01", "optimal"},
		{"TSP-500 #3 on stdin", string(line), []string{"info", "-", "--index", "3"}, "tsp500_test_concorde#3", "lkh3"},
		{"renamed robust knapsack", "", []string{"info", kpRenamed}, "RKP_SC_n30_R1000_H100_h80_dev0.2_d1", "optimal"},
	} {
		code, out, errOut := run(t, c.stdin, append(c.args, "--json")...)
		var info map[string]any
		json.Unmarshal([]byte(out), &info)
		if code != 0 || info["name"] != c.want || info["reference"] == nil || info["reference_kind"] != c.kind {
			t.Errorf("%s: exit %d, %s %s; want %s with a reference", c.name, code, out, errOut, c.want)
		}
	}
}

// TestWrongKindIsNamed: a file of another problem is refused with the command
// that solves it, not a parser's complaint ("job count \"NAME:\"").
func TestWrongKindIsNamed(t *testing.T) {
	dir := datadirtest.ForTest(t)
	burma := filepath.Join(dir, "tsplib", "burma14.tsp")
	ft06 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft06")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"jssp", "solve", burma}, "is a TSP instance, not a job-shop one: use `cosolve tsp solve`"},
		{[]string{"robust", "solve", burma}, "is a TSP instance, not a robust knapsack one"},
		{[]string{"tsp", "solve", ft06}, "is a job-shop instance, not a TSP one: use `cosolve jssp solve`"},
		{[]string{"tsp", "heatmap", ft06, "--out", filepath.Join(t.TempDir(), "h.txt")}, "is a job-shop instance, not a TSP one"},
	} {
		code, _, errOut := run(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

// TestTimeLimitInSeconds: a bare number is seconds, as LKH and CP-SAT users
// type it ("missing unit" before).
func TestTimeLimitInSeconds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"2", 2 * time.Second, false}, {"0.25", 250 * time.Millisecond, false}, {"500ms", 500 * time.Millisecond, false},
		{"1m", time.Minute, false}, {"2 s", 0, true}, {"NaN", 0, true}, {"soon", 0, true},
	} {
		got, err := parseSeconds(c.in)
		if (err != nil) != c.bad || !c.bad && got != c.want {
			t.Errorf("parseSeconds(%q) = %v, %v", c.in, got, err)
		}
	}
	burma := datadirtest.Path(t, "tsplib", "burma14.tsp")
	// GT-Prior: with the default α heatmap the bound proves the first tour optimal.
	if code, _, errOut := run(t, "", "tsp", "solve", burma, "--heatmap", "gt-prior", "--time-limit", "0.2"); code != 0 || !strings.Contains(errOut, "time-limit") {
		t.Errorf("--time-limit 0.2: exit %d, %s", code, errOut)
	}
}

// TestGzipAndStandardTSPLIB: TSPLIB's .tsp.gz files are read; `gen tsp` writes
// standard EUC_2D that LKH and Concorde read (it wrote EUCLIDEAN).
func TestGzipAndStandardTSPLIB(t *testing.T) {
	raw, err := os.ReadFile(datadirtest.Path(t, "tsplib", "gr666.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	gz := filepath.Join(t.TempDir(), "gr666.tsp.gz")
	os.WriteFile(gz, z.Bytes(), 0o644)
	if out := mustRun(t, "info", gz); !strings.Contains(out, "gr666  tsp  n 666  metric GEO  reference 294358 (optimal)") {
		t.Errorf("info on .tsp.gz: %q", out)
	}
	if code, _, errOut := run(t, "", "tsp", "solve", gz, "--iterations", "20"); code != 0 {
		t.Errorf("solve on .tsp.gz: %s", errOut)
	}
	gen := mustRun(t, "gen", "tsp", "--n", "5", "--seed", "1")
	if !strings.Contains(gen, "EDGE_WEIGHT_TYPE : EUC_2D") || strings.Contains(gen, "EUCLIDEAN") {
		t.Errorf("gen tsp writes a non-standard type:\n%s", gen)
	}
	if !regexp.MustCompile(`\n1 \d+ \d+\n`).MatchString(gen) {
		t.Errorf("gen tsp coordinates are not integers:\n%s", gen)
	}
}

// TestCommandLineConsistency pins the small inconsistencies of item 15: -h is
// help everywhere, a missing required flag is said once without the help,
// `version` and `--version` agree, a missing backend says how to build it,
// errors read alike, progress bars stay off logs, file extensions stay out of
// instance names, and counts agree with their nouns.
func TestCommandLineConsistency(t *testing.T) {
	if code, out, _ := run(t, "", "gen", "robust", "-h"); code != 0 || !strings.Contains(out, "--capacity-h") {
		t.Errorf("gen robust -h: exit %d, %.100q", code, out)
	}
	code, out, errOut := run(t, "", "tsp", "heatmap", "x.tsp")
	if code != ExitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
		t.Errorf("tsp heatmap without --out: exit %d, stdout %.80q, stderr %q", code, out, errOut)
	}
	_, v1, _ := run(t, "", "version")
	_, v2, _ := run(t, "", "--version")
	if v1 != v2 || !strings.Contains(v1, "commit") {
		t.Errorf("version %q, --version %q", v1, v2)
	}
	// Without the cbc build, --backend cbc says how to get it.
	if code, _, errOut := run(t, robustTiny, "robust", "solve", "-", "--backend", "cbc", "--iterations", "2"); code != 0 && (code != ExitUsage || !strings.Contains(errOut, "build with -tags cbc")) {
		t.Errorf("--backend cbc: exit %d, %s", code, errOut)
	}
	for _, args := range [][]string{
		{"tsp", "solve", "/nonexistent.tsp"},
		{"jssp", "solve", "-", "--time-limit", "soon"},
		{"tsp", "solve", "--tme-limit", "3", "x"},
		{"info", "/nonexistent"},
		{"tsp", "sovle"},
		{"check", "only-one"},
	} {
		code, _, errOut := run(t, "2 2\n0 1 1 1\n1 1 0 1\n", args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != ExitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "cosolve: ") || strings.Contains(errOut, "bad input") || strings.Contains(errOut, "Incorrect Usage") {
			t.Errorf("%v: exit %d, stderr %q; want one line \"cosolve: …\"", args, code, errOut)
		}
	}
	if _, _, errOut := run(t, "", "tsp", "sovle"); !strings.Contains(errOut, `did you mean "solve"`) {
		t.Errorf("no suggestion for a mistyped command: %q", errOut)
	}
	if _, _, errOut := run(t, "", "tsp", "solve", "--tme-limit", "3", "x"); !strings.Contains(errOut, "did you mean --time-limit") {
		t.Errorf("no suggestion for a mistyped flag: %q", errOut)
	}
	model := filepath.Join(t.TempDir(), "m.onnx")
	code, _, errOut = run(t, "", "robust", "train", "--instances", "2", "--first-stages", "2", "--scenarios", "2", "--epochs", "1", "--out", model)
	if code != 0 || strings.Contains(errOut, "\r") || !strings.Contains(errOut, "training: 1/1") {
		t.Errorf("robust train off a terminal: exit %d, %q", code, errOut)
	}
	inst := filepath.Join(t.TempDir(), "inst.txt")
	os.WriteFile(inst, []byte(robustTiny), 0o644)
	if code, _, errOut := run(t, "", "robust", "solve", inst, "--iterations", "3", "--backend", "heuristic"); code != 0 || !strings.HasPrefix(errOut, "inst  robust-kp") {
		t.Errorf("robust solve inst.txt: exit %d, %q; want the name without .txt", code, errOut)
	}
	if plural(1, "run") != "1 run" || plural(2, "run") != "2 runs" {
		t.Error("plural")
	}
}

// TestVersionNamesTheCommit: the commit and its modified flag come from the
// build information; only a build without it says "commit unknown" (the
// binary under test is such a build, so the commit is checked here).
func TestVersionNamesTheCommit(t *testing.T) {
	withVCS := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0b84275d5f5a0123456789abcdef0123456789ab"}, {Key: "vcs.modified", Value: "true"}}}
	clean := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0b84275d5f5a0123456789abcdef0123456789ab"}, {Key: "vcs.modified", Value: "false"}}}
	for _, c := range []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{withVCS, true, "(commit 0b84275d5f5a, modified, go"},
		{clean, true, "(commit 0b84275d5f5a, go"},
		{&debug.BuildInfo{}, true, "(commit unknown: "},
		{nil, false, "(commit unknown: "},
	} {
		if got := versionFrom(c.info, c.ok); !strings.HasPrefix(got, "cosolve "+Version+" ") || !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.info, got, c.want)
		}
	}
}

// TestShellCompletionAndFixedEdges: shell completion is on; TSPLIB's
// FIXED_EDGES_SECTION is read by info and check, and tsp solve keeps the
// fixed edge of linhp318 (the tour passes check, which enforces it).
func TestShellCompletionAndFixedEdges(t *testing.T) {
	if out := mustRun(t, "completion", "bash"); !strings.Contains(out, "cosolve") {
		t.Errorf("completion bash: %.200q", out)
	}
	lin := datadirtest.Path(t, "tsplib", "linhp318.tsp")
	if out := mustRun(t, "info", lin); !strings.Contains(out, "lin318  tsp  n 318") {
		t.Errorf("info linhp318: %q", out)
	}
	tour := filepath.Join(t.TempDir(), "lin.tour")
	if code, _, errOut := run(t, "", "tsp", "solve", lin, "--iterations", "200", "--out", tour); code != 0 {
		t.Fatalf("solve linhp318: exit %d, %q", code, errOut)
	}
	if out := mustRun(t, "check", lin, tour); !strings.Contains(out, "valid") {
		t.Errorf("check of the solved linhp318: %q", out)
	}
}
