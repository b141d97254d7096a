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

func TestTSPSolveWritesTourPlotAndJSON(t *testing.T) {
	dir := t.TempDir()
	code, gen, errOut := run(t, "", "gen", "tsp", "--n", "120", "--seed", "3")
	if code != 0 {
		t.Fatalf("gen: %d %s", code, errOut)
	}
	inst := filepath.Join(dir, "u120.tsp")
	if err := os.WriteFile(inst, []byte(gen), 0o644); err != nil {
		t.Fatal(err)
	}
	tour, svg := filepath.Join(dir, "u.tour"), filepath.Join(dir, "u.svg")
	code, out, errOut := run(t, "", "tsp", "solve", inst, "--iterations", "300", "--threads", "1", "--out", tour, "--plot", svg, "--json")
	if code != 0 {
		t.Fatalf("solve: exit %d, %s", code, errOut)
	}
	var env struct {
		Objective float64 `json:"objective"`
		Tour      []int   `json:"tour"`
		Kind      string  `json:"kind"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	p, err := instances.LoadTSPLIB(inst)
	if err != nil {
		t.Fatal(err)
	}
	l, err := instances.CheckTour(p, env.Tour)
	if err != nil || l != env.Objective || env.Kind != "tsp" {
		t.Errorf("envelope tour: length %v err %v, objective %v kind %q", l, err, env.Objective, env.Kind)
	}
	f, err := os.Open(tour)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	written, err := instances.ReadTour(f, tour, p.N())
	if err != nil {
		t.Fatalf("tour file: %v", err)
	}
	if l2, _ := instances.CheckTour(p, written); l2 != l {
		t.Errorf("tour file length %v, envelope %v", l2, l)
	}
	pic, err := os.ReadFile(svg)
	if err != nil || !strings.HasPrefix(string(pic), "<svg") || !strings.Contains(string(pic), "<path") {
		t.Errorf("plot: %v %.80q", err, pic)
	}
}

func TestTSPSolveWithReferenceGap(t *testing.T) {
	path := datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt")
	code, out, errOut := run(t, "", "tsp", "solve", path, "--index", "2", "--iterations", "200", "--threads", "1")
	if code != 0 || !strings.Contains(errOut, "reference 16.504484 (lkh3)") || !strings.Contains(errOut, "gap +") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestTSPHeatmapCommand(t *testing.T) {
	dir := t.TempDir()
	code, gen, _ := run(t, "", "gen", "tsp", "--n", "50", "--seed", "4")
	if code != 0 {
		t.Fatal("gen failed")
	}
	inst := filepath.Join(dir, "u50.tsp")
	os.WriteFile(inst, []byte(gen), 0o644)
	for _, format := range []string{"dense", "sparse"} {
		h := filepath.Join(dir, "h."+format)
		code, _, errOut := run(t, "", "tsp", "heatmap", inst, "--heatmap", "softdist", "--format", format, "--out", h)
		if code != 0 {
			t.Fatalf("%s: exit %d %s", format, code, errOut)
		}
		// The written heatmap drives a solve.
		code, _, errOut = run(t, "", "tsp", "solve", inst, "--heatmap", h, "--preset", "pan-softdist-500", "--iterations", "500")
		if code != 0 {
			t.Errorf("solve with %s heatmap: exit %d %s", format, code, errOut)
		}
	}
	// An α heatmap written to a file gives the default method its candidates.
	h := filepath.Join(dir, "alpha.sparse")
	if code, _, errOut := run(t, "", "tsp", "heatmap", inst, "--heatmap", "alpha", "--format", "sparse", "--out", h); code != 0 {
		t.Fatalf("alpha: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "", "tsp", "solve", inst, "--heatmap", h, "--iterations", "200"); code != 0 {
		t.Errorf("default method with the α heatmap file: exit %d %s", code, errOut)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "h.dense"))
	if !strings.HasPrefix(string(data), "50\n") {
		t.Errorf("dense heatmap starts %.10q", data)
	}
}

// The shipped model drives a solve and writes a heatmap; a file that is not
// a model of the contract is bad input, with the file named.
func TestTSPONNXHeatmap(t *testing.T) {
	dir := t.TempDir()
	code, gen, _ := run(t, "", "gen", "tsp", "--n", "60", "--seed", "6")
	if code != 0 {
		t.Fatal("gen failed")
	}
	inst := filepath.Join(dir, "u60.tsp")
	os.WriteFile(inst, []byte(gen), 0o644)
	model := filepath.Join("..", "heatmap", "models", "tsp-edge.onnx")
	if code, _, errOut := run(t, "", "tsp", "solve", inst, "--heatmap", model, "--iterations", "300", "--quiet"); code != 0 {
		t.Errorf("solve: exit %d %s", code, errOut)
	}
	h := filepath.Join(dir, "h.sparse")
	if code, _, errOut := run(t, "", "tsp", "heatmap", inst, "--heatmap", model, "--format", "sparse", "--out", h); code != 0 {
		t.Fatalf("heatmap: exit %d %s", code, errOut)
	}
	if data, _ := os.ReadFile(h); !strings.HasPrefix(string(data), "cosolve-heatmap-sparse 1 60\n") {
		t.Errorf("heatmap starts %.30q", data)
	}
	notModel := filepath.Join(dir, "not.onnx")
	os.WriteFile(notModel, []byte("3\n0 1 1\n1 0 1\n1 1 0\n"), 0o644)
	wrongContract := filepath.Join("..", "nnsurrogate", "testdata", "torch", "mlp_op13.onnx")
	for _, tc := range []struct{ model, want string }{
		{notModel, notModel + ": invalid model"},
		{wrongContract, wrongContract + ": 1 inputs"},
	} {
		for _, cmd := range []string{"solve", "heatmap"} {
			code, _, errOut := run(t, "", "tsp", cmd, inst, "--heatmap", tc.model, "--out", filepath.Join(dir, "out"))
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s --heatmap %s: exit %d, stderr %q; want %d with %q", cmd, tc.model, code, errOut, ExitUsage, tc.want)
			}
		}
	}
}

func TestTSPBadInput(t *testing.T) {
	dir := t.TempDir()
	code, gen, _ := run(t, "", "gen", "tsp", "--n", "30", "--seed", "5")
	if code != 0 {
		t.Fatal("gen failed")
	}
	inst := filepath.Join(dir, "u30.tsp")
	os.WriteFile(inst, []byte(gen), 0o644)
	wrong := filepath.Join(dir, "wrong.txt")
	os.WriteFile(wrong, []byte("3\n0 1 1\n1 0 1\n1 1 0\n"), 0o644)
	nan := filepath.Join(dir, "nan.txt")
	var b strings.Builder
	b.WriteString("30\n")
	for i := 0; i < 30; i++ {
		for j := 0; j < 30; j++ {
			if i == 1 && j == 2 {
				b.WriteString("NaN ")
			} else {
				b.WriteString("0.1 ")
			}
		}
		b.WriteString("\n")
	}
	os.WriteFile(nan, []byte(b.String()), 0o644)
	neg := filepath.Join(dir, "neg.txt")
	os.WriteFile(neg, []byte(strings.Replace(b.String(), "NaN", "-0.5", 1)), 0o644)
	tiny := filepath.Join(dir, "tiny.tsp")
	os.WriteFile(tiny, []byte("NAME : t\nTYPE : TSP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nEOF\n"), 0o644)
	out := filepath.Join(dir, "out.tour")
	for _, args := range [][]string{
		{"tsp", "solve", inst, "--heatmap", "nosuch"},
		{"tsp", "solve", inst, "--heatmap", wrong},
		{"tsp", "solve", inst, "--heatmap", nan},
		{"tsp", "solve", inst, "--heatmap", neg},
		{"tsp", "solve", tiny},
		{"tsp", "solve", inst, "--index", "3"},
		{"tsp", "solve", inst, "--time-limit", "0s"},
		{"tsp", "solve", inst, "--time-limit", "-1s"},
		{"tsp", "solve", inst, "--preset", "nosuch"},
		{"tsp", "solve", inst, "--iterations", "-5"},
		{"tsp", "heatmap", inst, "--heatmap", "nosuch", "--out", out},
	} {
		code, _, errOut := run(t, "", append(args, "--out", out)...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want %d with a message", args[2:], code, errOut, ExitUsage)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: left an output file", args[2:])
			os.Remove(out)
		}
	}
	code, _, errOut := run(t, "", "tsp", "solve", datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt"), "--index", "128")
	if code != ExitUsage || !strings.Contains(errOut, "out of range") {
		t.Errorf("--index 128: exit %d %q", code, errOut)
	}
}
