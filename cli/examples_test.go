package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// exampleInputs are files an example names as the user's own input, which the
// help text describes rather than produces.
var exampleInputs = map[string]string{
	"my-shops/3x2.txt": "3 2\n0 3 1 2\n1 2 0 4\n0 2 1 3\n",
	"in.json": `{"interval_rep":{"shape":[1,1,5,4],"data":[` + zeros(20) + `]},"start_end_tokens":{"shape":[1,1,5],"data":[` + zeros(5) + `]},` +
		`"attention_interval_mask":{"shape":[1,1,5],"data":[` + zeros(5) + `]},"index_interval":{"shape":[1,1,5],"data":[` + zeros(5) + `]},` +
		`"job_resource_mask":{"shape":[1,2,2],"data":[` + zeros(4) + `]},"action_mask":{"shape":[1,2],"data":[1,1]}}`,
}

// examples are the command lines of every help text, in the order of the
// command tree (so an example may use a file an earlier one wrote).
func examples(cmd *ucli.Command) []string {
	var out []string
	for _, text := range []string{cmd.UsageText, cmd.Description} {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "cosolve ") {
				continue
			}
			for _, cut := range []string{"   (", " #"} {
				if i := strings.Index(line, cut); i >= 0 {
					line = line[:i]
				}
			}
			out = append(out, strings.TrimSpace(line))
		}
	}
	for _, sub := range cmd.Commands {
		out = append(out, examples(sub)...)
	}
	return out
}

// TestHelpExamplesRun runs every example of every --help as written (they
// failed: `robust solve RKP_UN_n40_…` named no file, `check a280.tsp
// a280.tour` an instance that is not in the data), in one directory, with the
// benchmark data found through COSOLVE_DATA. Pipes, && and $(cat FILE) are
// followed; time limits are capped at 0.3 s and training is shrunk, which
// changes how long an example runs, not whether it works. The bench examples
// run sweeps of minutes, on files other examples of a batch system would
// write: for them the test checks that every spec they name loads and passes
// the checks bench run makes before its first run.
func TestHelpExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every help example")
	}
	t.Setenv("COSOLVE_DATA", datadirtest.ForTest(t))
	root := NewApp(nil, nil)
	prepare(root)
	all := examples(root)
	if len(all) < 20 {
		t.Fatalf("only %d examples found", len(all))
	}
	repo, _ := os.Getwd()
	t.Chdir(t.TempDir())
	for name, content := range exampleInputs {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ex := range all {
		if strings.HasPrefix(ex, "cosolve bench") {
			for _, w := range strings.Fields(ex) {
				if strings.HasSuffix(w, ".toml") {
					spec, err := benchmarks.LoadSpec(filepath.Join(repo, "..", w), os.Getenv("COSOLVE_DATA"))
					if err == nil {
						err = spec.Check()
					}
					if err != nil {
						t.Errorf("example %q: %v", ex, err)
					}
				}
			}
			continue
		}
		for _, step := range strings.Split(ex, "&&") {
			stdin := ""
			for _, seg := range strings.Split(step, "|") {
				args := shellWords(t, seg, repo)
				if args[0] != "cosolve" {
					t.Fatalf("%q: not a cosolve command", seg)
				}
				code, out, errOut := run(t, stdin, args[1:]...)
				if code != 0 {
					t.Errorf("example %q: %v exits %d: %s", ex, args, code, errOut)
				}
				stdin = out
			}
		}
	}
}

// shellWords splits an example into arguments, replacing $(cat FILE) by the
// file's content and shortening its runs.
func shellWords(t *testing.T, seg, repo string) []string {
	t.Helper()
	var args []string
	for _, w := range strings.Fields(seg) {
		if file, ok := strings.CutSuffix(w, ")"); ok && len(args) > 0 && args[len(args)-1] == "$(cat" {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%q: %v", seg, err)
			}
			args[len(args)-1] = strings.TrimSpace(string(b))
			continue
		}
		args = append(args, w)
	}
	for i := 1; i < len(args); i++ {
		if args[i-1] == "--time-limit" {
			args[i] = "0.3"
		}
	}
	if len(args) > 2 && args[1] == "robust" && args[2] == "train" {
		args = append(args, "--instances", "2", "--first-stages", "2", "--scenarios", "2", "--epochs", "1")
	}
	if len(args) > 2 && args[1] == "tsp" && args[2] == "train-heatmap" {
		args = append(args, "--instances", "2", "--validation", "1", "--size", "40", "--epochs", "1")
	}
	if len(args) > 2 && args[1] == "jssp" && args[2] == "train" && !slices.Contains(args, "--resume") {
		args = append(args, tinyTrain...)
	}
	return args
}
