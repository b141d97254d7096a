package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

// tinyTrain are flags of a training run that takes a fraction of a second.
var tinyTrain = []string{"--updates", "2", "--sizes", "6x4", "--instances-per-update", "2", "--episodes", "2",
	"--improve-iterations", "300", "--validate-every", "1", "--validation-samples", "2", "--threads", "1"}

func train(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, _, errOut := run(t, "", append(append([]string{"jssp", "train"}, tinyTrain...), args...)...)
	return code, errOut
}

func TestJSSPTrainRepeatsAndResumes(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.onnx"), filepath.Join(dir, "b.onnx"), filepath.Join(dir, "c.onnx")
	for _, out := range []string{a, b} {
		if code, errOut := train(t, "--seed", "5", "--out", out); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	wa, _ := os.ReadFile(a)
	wb, _ := os.ReadFile(b)
	if len(wa) == 0 || !bytes.Equal(wa, wb) {
		t.Fatal("two runs with the same seed and one thread wrote different policies")
	}
	// The policy loads where policies are used.
	if code, _, errOut := run(t, "", "jssp", "solve", filepath.Join(datadirtest.ForTest(t), "jssp", "jsplib", "instances", "ft06"), "--policy", a, "--samples", "4", "--method", "dispatch"); code != ExitOK {
		t.Fatalf("solve with the trained policy: exit %d: %s", code, errOut)
	}
	// Half a run, then the rest from its checkpoint, writes the same policy.
	args := append([]string{"jssp", "train"}, tinyTrain...)
	args[3] = "1" // --updates
	if code, _, errOut := run(t, "", append(args, "--seed", "5", "--out", c)...); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ck := c + ".checkpoint"
	raw, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	// Raise the planned updates of the one-update run to two.
	raw = bytes.Replace(raw, []byte(`"updates":1,`), []byte(`"updates":2,`), 1)
	if err := os.WriteFile(ck, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "", "jssp", "train", "--out", c, "--resume", ck, "--threads", "1"); code != ExitOK {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	if wc, _ := os.ReadFile(c); !bytes.Equal(wa, wc) {
		t.Error("a resumed run wrote another policy than an uninterrupted one")
	}
	// A new run may start from a run's best weights, read from its checkpoint.
	d := filepath.Join(dir, "d.onnx")
	if code, errOut := train(t, "--seed", "6", "--init", ck, "--out", d); code != ExitOK {
		t.Fatalf("--init from a checkpoint: exit %d: %s", code, errOut)
	}
}

func TestJSSPTrainRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "policy.onnx")
	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	notShop := filepath.Join(dir, "route.tsp")
	if err := os.WriteFile(notShop, []byte("NAME: x\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 0\n3 0 1\nEOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A checkpoint of another architecture.
	good := filepath.Join(dir, "good.onnx")
	if code, errOut := train(t, "--out", good); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	raw, _ := os.ReadFile(good + ".checkpoint")
	other := filepath.Join(dir, "other.checkpoint")
	if err := os.WriteFile(other, bytes.Replace(raw, []byte("tassel-e2e-2442"), []byte("tassel-e2e-9000"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no instances in the set", []string{empty}, "holds no instance files"},
		{"a file that is not there", []string{filepath.Join(dir, "missing.txt")}, "missing.txt"},
		{"a file that is not a job shop", []string{notShop}, "not a job shop"},
		{"no updates", []string{"--updates", "0"}, "--updates 0"},
		{"bad sizes", []string{"--sizes", "15by15"}, "--sizes"},
		{"a checkpoint of another architecture", []string{"--resume", other}, "architecture"},
		{"initial weights from a checkpoint of another architecture", []string{"--init", other}, "architecture"},
		{"no epochs", []string{"--epochs", "0"}, "--epochs 0"},
		{"a target KL of zero", []string{"--target-kl", "0"}, "--target-kl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"jssp", "train", "--out", out}, tc.args...)
			if tc.args[0] != "--resume" { // a resumed run takes its settings from the checkpoint
				args = append(append([]string{"jssp", "train"}, tinyTrain...), append([]string{"--out", out}, tc.args...)...)
			}
			code, _, errOut := run(t, "", args...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, %q; want exit 2 naming %q", code, errOut, tc.want)
			}
			if got, _ := os.ReadFile(out); string(got) != "keep me" {
				t.Error("the output file was overwritten")
			}
			if _, err := os.Stat(out + ".checkpoint"); err == nil {
				t.Error("a checkpoint was written")
			}
		})
	}
}
