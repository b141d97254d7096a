package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// run executes the command line in-process and returns exit code, stdout, stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"cosolve"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"version"}, ExitOK, "cosolve " + Version},
		{[]string{"nosuch"}, ExitUsage, ""},
		{[]string{"info"}, ExitUsage, ""},
		{[]string{"info", "--bogus", "x"}, ExitUsage, ""},
		{[]string{"gen", "tsp", "--n", "2"}, ExitUsage, ""},
		{[]string{"gen", "tsp", "--dist", "spiral"}, ExitUsage, ""},
		{[]string{"gen", "jssp", "--taillard", "ta81"}, ExitUsage, ""},
		{[]string{"gen", "jssp"}, ExitUsage, ""},
		{[]string{"bench", "run", "/nonexistent.toml"}, ExitUsage, ""},
		{[]string{"bench", "run", "x.toml", "--shard", "4/4"}, ExitUsage, ""},
	}
	for _, c := range cases {
		code, out, errOut := run(t, "", c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d containing %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
}

func TestGenThenInfoThroughStdin(t *testing.T) {
	for _, format := range []string{"tsplib", "line"} {
		code, gen, errOut := run(t, "", "gen", "tsp", "--n", "200", "--seed", "5", "--format", format)
		if code != 0 {
			t.Fatalf("gen %s: %d %s", format, code, errOut)
		}
		code2, again, _ := run(t, "", "gen", "tsp", "--n", "200", "--seed", "5", "--format", format)
		if code2 != 0 || again != gen {
			t.Fatalf("gen %s is not deterministic", format)
		}
		code, out, errOut := run(t, gen, "info", "-", "--json")
		if code != 0 {
			t.Fatalf("info on generated %s: %d %s", format, code, errOut)
		}
		var info map[string]any
		if err := json.Unmarshal([]byte(out), &info); err != nil {
			t.Fatal(err)
		}
		// The TSPLIB form is standard EUC_2D (LKH and Concorde read it); the line
		// format keeps the unrounded unit square.
		metric := map[string]string{"tsplib": "EUC_2D", "line": "EUCLIDEAN"}[format]
		if info["kind"] != "tsp" || info["n"] != float64(200) || info["metric"] != metric || info["reference"] != nil {
			t.Errorf("%s: info %v", format, info)
		}
	}
	code, out, _ := run(t, "", "gen", "jssp", "--jobs", "4", "--machines", "3", "--seed", "2")
	if code != 0 {
		t.Fatal("gen jssp failed")
	}
	code, info, _ := run(t, out, "info", "-", "--json")
	if code != 0 || !strings.Contains(info, `"jobs":4`) || !strings.Contains(info, `"machines":3`) {
		t.Fatalf("info on generated job shop: %d %s", code, info)
	}
}

func TestGenWritesFilesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "u.tsp")
	if code, _, errOut := run(t, "", "gen", "tsp", "--n", "50", "--out", path); code != 0 {
		t.Fatal(errOut)
	}
	p, err := instances.LoadTSPLIB(path)
	if err != nil || p.N() != 50 {
		t.Fatalf("written file: %v", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("written file has mode %v, want 0644", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if code, _, _ := run(t, "", "gen", "tsp", "--n", "50", "--out", filepath.Join(dir, "missing", "u.tsp")); code != ExitUsage {
		t.Fatalf("writing into a missing directory: exit %d, want 2", code)
	}
}

func TestCheckTSP(t *testing.T) {
	gr666 := datadirtest.Path(t, "tsplib", "gr666.tsp")
	dir := t.TempDir()
	writeTour := func(name string, nodes []int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "NAME : %s\nTYPE : TOUR\nDIMENSION : %d\nTOUR_SECTION\n", name, len(nodes))
		for _, v := range nodes {
			fmt.Fprintln(&b, v)
		}
		b.WriteString("-1\nEOF\n")
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(b.String()), 0o644)
		return path
	}
	canonical := make([]int, 666)
	for i := range canonical {
		canonical[i] = i + 1
	}
	code, out, errOut := run(t, "", "check", gr666, writeTour("canon.tour", canonical), "--json")
	if code != 0 {
		t.Fatalf("canonical tour: exit %d %s", code, errOut)
	}
	var res map[string]any
	json.Unmarshal([]byte(out), &res)
	if res["valid"] != true || res["objective"] != float64(423710) || res["violation"] != nil {
		t.Fatalf("canonical gr666 tour: %v, want valid with length 423710", res)
	}
	dup := append([]int{}, canonical...)
	dup[5] = 3
	if code, _, errOut := run(t, "", "check", gr666, writeTour("dup.tour", dup)); code != ExitInvalid || !strings.Contains(errOut, "already visited") {
		t.Errorf("duplicate node: exit %d, stderr %q; want 1 naming the repeated node", code, errOut)
	}
	if code, _, _ := run(t, "", "check", gr666, writeTour("short.tour", canonical[:600])); code != ExitInvalid {
		t.Errorf("missing nodes: exit %d, want 1", code)
	}
	if code, _, _ := run(t, "", "check", gr666, filepath.Join(dir, "absent.tour")); code != ExitUsage {
		t.Errorf("unreadable solution file: exit %d, want 2", code)
	}
}

// TestCheckInvalidSolutionsExitOneWithJSON: every invalid solution, of every
// kind and whether it is caught by the reader or the checker, exits 1 and,
// under --json, prints {valid: false, violation}. A tour missing a node used to
// exit 2 without JSON.
func TestCheckInvalidSolutionsExitOneWithJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		return path
	}
	tsp := write("sq.tsp", "NAME: sq\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 0 1\n3 1 1\n4 1 0\nFIXED_EDGES_SECTION\n1 3\n-1\nEOF\n")
	jssp := write("tiny.txt", "2 2\n0 3 1 2\n1 4 0 1\n")
	code, kp, _ := run(t, "", "gen", "robust", "--corr", "UN", "--n", "20", "--seed", "1")
	if code != 0 {
		t.Fatal("gen robust")
	}
	robust := write("kp.txt", kp)
	tour := func(nodes string) string { return "TYPE: TOUR\nDIMENSION: 4\nTOUR_SECTION\n" + nodes + "\n-1\n" }
	cases := []struct {
		name, instance, solution, want string
	}{
		{"tour missing a node", tsp, tour("1 3 2"), "is missing"},
		{"tour with a duplicate", tsp, tour("1 3 3 2"), "already visited"},
		{"tour that is not a tour", tsp, "garbage", "unknown keyword"},
		{"tour without the fixed edge", tsp, tour("1 2 3 4"), "fixed edge"},
		{"schedule with a negative start", jssp, `{"objective":0,"starts":[[-1,4],[0,4]]}`, "negative-start"},
		{"schedule breaking precedence", jssp, `{"objective":0,"starts":[[0,2],[0,4]]}`, "job 0"},
		{"schedule that is not JSON", jssp, `{"starts":`, "invalid solution"},
		{"first stage of the wrong length", robust, "0101", "want one 0/1 per item"},
		{"first stage with a bad character", robust, "0101010101010101010x", "want 0 or 1"},
	}
	for _, c := range cases {
		sol := write("sol", c.solution)
		code, out, errOut := run(t, "", "check", c.instance, sol, "--json")
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != ExitInvalid || res["valid"] != false ||
			!strings.Contains(fmt.Sprint(res["violation"]), c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and JSON naming %q", c.name, code, out, errOut, c.want)
		}
	}
	// The first stage robust solve writes passes, with its exact worst-case profit.
	if code, out, errOut := run(t, "", "check", robust, write("x", "00000000000000000000\n"), "--json"); code != 0 || !strings.Contains(out, `"valid":true`) {
		t.Errorf("empty first stage: exit %d %s %s", code, out, errOut)
	}
}

// TestCheckCapitalBudgeting: a capital-budgeting first stage is checked
// against the budget over the uncertainty box and valued as `robust
// evaluate` values it (check used to read it as a knapsack and panic).
func TestCheckCapitalBudgeting(t *testing.T) {
	inst := datadirtest.Path(t, "robust", "Neur2RO", "cb_eval_instances", "CB_n10_xi4_s1")
	dir := t.TempDir()
	write := func(content string) string {
		path := filepath.Join(dir, "x")
		os.WriteFile(path, []byte(content), 0o644)
		return path
	}
	code, out, errOut := run(t, "", "check", inst, write("0000000000\n"), "--json")
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res["valid"] != true {
		t.Fatalf("empty first stage: exit %d, %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, "", "robust", "evaluate", inst, "--first-stage", "0000000000", "--json")
	var ev map[string]any
	if err := json.Unmarshal([]byte(out), &ev); err != nil || code != 0 || ev["objective"] != res["objective"] {
		t.Errorf("check says %v, robust evaluate %v (exit %d, %s)", res["objective"], ev["objective"], code, errOut)
	}
	for _, c := range []struct{ name, x, want string }{
		{"over the budget", "1111111111", "over the uncertainty box"},
		{"wrong length", "0101", "want one 0/1 per item"},
	} {
		code, out, errOut := run(t, "", "check", inst, write(c.x), "--json")
		if code != ExitInvalid || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, %s %s; want exit 1 naming %q", c.name, code, out, errOut, c.want)
		}
	}
}

func TestCheckJobShop(t *testing.T) {
	dir := t.TempDir()
	inst := filepath.Join(dir, "tiny.txt")
	// Two jobs on two machines: job 0 = (m0,3) (m1,2); job 1 = (m1,4) (m0,1).
	os.WriteFile(inst, []byte("2 2\n0 3 1 2\n1 4 0 1\n"), 0o644)
	cases := []struct {
		name   string
		starts string
		code   int
		want   string
	}{
		{"valid", `[[0,4],[0,4]]`, ExitOK, "objective 6  valid"},
		{"precedence", `[[0,2],[0,4]]`, ExitInvalid, "job 0"},
		{"overlap", `[[0,4],[0,3]]`, ExitInvalid, "machine 0"},
		{"shape", `[[0,4]]`, ExitInvalid, ""},
		{"negative", `[[-1,4],[0,4]]`, ExitInvalid, "negative-start"},
	}
	for _, c := range cases {
		sol := filepath.Join(dir, c.name+".json")
		os.WriteFile(sol, []byte(`{"instance":"tiny","objective":6,"starts":`+c.starts+`}`), 0o644)
		code, out, errOut := run(t, "", "check", inst, sol)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%s: exit %d, out %q, err %q; want exit %d mentioning %q", c.name, code, out, errOut, c.code, c.want)
		}
	}
	wrongObj := filepath.Join(dir, "obj.json")
	os.WriteFile(wrongObj, []byte(`{"instance":"tiny","objective":5,"starts":[[0,4],[0,4]]}`), 0o644)
	if code, out, _ := run(t, "", "check", inst, wrongObj, "--json"); code != ExitInvalid || !strings.Contains(out, `"valid":false`) {
		t.Errorf("wrong stated objective: exit %d %s", code, out)
	}
}

func TestInfoReferences(t *testing.T) {
	cases := []struct {
		file  []string
		index string
		ref   float64
		kind  string
	}{
		{[]string{"tsplib", "gr666.tsp"}, "0", 294358, "optimal"},
		{[]string{"tsp", "tsp10000_test_concorde.txt"}, "2", 71.7548, "set-mean"},
		{[]string{"jssp", "jsplib", "instances", "ft10"}, "0", 930, "optimal"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, "", "info", datadirtest.Path(t, c.file...), "--index", c.index, "--json")
		if code != 0 {
			t.Fatalf("%v: %s", c.file, errOut)
		}
		var info map[string]any
		json.Unmarshal([]byte(out), &info)
		if info["reference"] != c.ref || info["reference_kind"] != c.kind {
			t.Errorf("%v: reference %v (%v), want %v (%v)", c.file, info["reference"], info["reference_kind"], c.ref, c.kind)
		}
	}
	if code, _, errOut := run(t, "", "info", datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt"), "--index", "128"); code != ExitUsage || !strings.Contains(errOut, "out of range") {
		t.Errorf("index out of range: exit %d %q", code, errOut)
	}
}
