// Package deploy holds no Go code: its tests check the batch-system files beside
// them (deploy/slurm, deploy/k8s) without a cluster. deploy/slurm/test-local.sh
// tests the Slurm path on a real Slurm.
package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/benchmarks"
)

// yamlDocs parses a YAML file with PyYAML: the module's dependencies include no
// YAML parser, and a hand-written one would prove little. Skips without it.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	var python string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import yaml").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("skipping: no python3 with PyYAML to parse the manifest (apt-get install python3-yaml)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(python, "-c", "import json, sys, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)")
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s is not valid YAML: %v\n%s", path, err, stderr)
	}
	var docs []map[string]any
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatalf("%s: want YAML documents that are mappings: %v", path, err)
	}
	return docs
}

// get walks a path of keys and indices through decoded YAML, failing the test when
// a step is missing.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok || m[s] == nil {
				t.Fatalf("manifest lacks %v", path[:i+1])
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				t.Fatalf("manifest lacks %v", path[:i+1])
			}
			v = l[s]
		}
	}
	return v
}

func TestIndexedJobManifest(t *testing.T) {
	docs := yamlDocs(t, filepath.Join("k8s", "sweep-job.yaml"))
	if len(docs) != 1 {
		t.Fatalf("%d YAML documents, want the Job alone", len(docs))
	}
	job := docs[0]
	if job["apiVersion"] != "batch/v1" || job["kind"] != "Job" || get(t, job, "metadata", "name") == "" {
		t.Fatalf("not a batch/v1 Job with a name: %v %v", job["apiVersion"], job["kind"])
	}
	spec := get(t, job, "spec")
	if get(t, spec, "completionMode") != "Indexed" {
		t.Errorf("completionMode %v, want Indexed (pods learn their index from JOB_COMPLETION_INDEX)", get(t, spec, "completionMode"))
	}
	completions, _ := get(t, spec, "completions").(float64)
	parallelism, _ := get(t, spec, "parallelism").(float64)
	if completions < 1 || parallelism < 1 || parallelism > completions {
		t.Errorf("completions %v, parallelism %v: want 1 ≤ parallelism ≤ completions", completions, parallelism)
	}
	restart := get(t, spec, "template", "spec", "restartPolicy")
	if restart != "Never" && restart != "OnFailure" {
		t.Errorf("restartPolicy %v: a Job's pods need Never or OnFailure", restart)
	}
	if _, perIndex := spec.(map[string]any)["backoffLimitPerIndex"]; perIndex && restart != "Never" {
		t.Errorf("backoffLimitPerIndex needs restartPolicy Never")
	}
	containers := get(t, spec, "template", "spec", "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("%d containers, want one", len(containers))
	}
	c := containers[0]
	if img, _ := get(t, c, "image").(string); img == "" {
		t.Error("the container has no image")
	}
	var args []string
	for _, a := range get(t, c, "args").([]any) {
		s, ok := a.(string)
		if !ok {
			t.Fatalf("argument %v is not a string (quote it)", a)
		}
		args = append(args, s)
	}
	flag := func(name string) string {
		i := slices.Index(args, name)
		if i < 0 || i+1 >= len(args) {
			t.Fatalf("args %v lack %s", args, name)
		}
		return args[i+1]
	}
	if len(args) < 3 || args[0] != "bench" || args[1] != "run" || flag("--shard") != "auto" {
		t.Fatalf("args %v: want bench run SPEC --shard auto --shard-count N", args)
	}
	count, err := strconv.Atoi(flag("--shard-count"))
	if err != nil || float64(count) != completions {
		t.Fatalf("--shard-count %q and completions %v differ: pods would split the sweep wrongly", flag("--shard-count"), completions)
	}

	// The image holds benchmarks/specs at /specs, and the data volume at COSOLVE_DATA.
	specArg, ok := strings.CutPrefix(args[2], "/specs/")
	if !ok {
		t.Fatalf("spec %s: want one of the image's /specs", args[2])
	}
	mounts := map[string]string{}
	for _, m := range get(t, c, "volumeMounts").([]any) {
		mounts[get(t, m, "mountPath").(string)] = get(t, m, "name").(string)
	}
	volumes := map[string]bool{}
	for _, v := range get(t, spec, "template", "spec", "volumes").([]any) {
		volumes[get(t, v, "name").(string)] = true
	}
	for path, name := range mounts {
		if !volumes[name] {
			t.Errorf("mount %s uses volume %q, which the pod does not define", path, name)
		}
	}
	dataDir := ""
	for _, e := range get(t, c, "env").([]any) {
		if get(t, e, "name") == "COSOLVE_DATA" {
			dataDir, _ = get(t, e, "value").(string)
		}
	}
	if mounts[dataDir] == "" {
		t.Errorf("COSOLVE_DATA=%q is not a mounted volume", dataDir)
	}
	if wd, _ := get(t, c, "workingDir").(string); mounts[wd] == "" {
		t.Errorf("the shards write into the working directory %q, which is not a mounted volume", wd)
	}

	// Every index gets its own shard and its own file.
	sp, err := benchmarks.LoadSpec(filepath.Join("..", "benchmarks", "specs", specArg), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if plan := benchmarks.PlanShards(sp.Tasks(dataDir), count); plan.Shards != count {
		t.Errorf("%d completions for %d runs: some pods would have nothing to do", count, plan.Runs)
	}
	files := map[string]bool{}
	for i := 0; i < count; i++ {
		sh, err := benchmarks.ParseShard("auto", count, func(k string) (string, bool) {
			return strconv.Itoa(i), k == "JOB_COMPLETION_INDEX"
		})
		if err != nil || sh.Index != i {
			t.Fatalf("index %d: shard %v, %v", i, sh, err)
		}
		files[sh.FileName(sp.Name)] = true
	}
	if len(files) != count {
		t.Errorf("%d indices share %d file names", count, len(files))
	}
}

func TestDockerfileShipsWhatTheManifestUses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("k8s", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "FROM scratch", "COPY benchmarks/specs /specs", "ENV COSOLVE_DATA=/data", `ENTRYPOINT ["/cosolve"]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// submit.sh against stand-ins for cosolve and sbatch that print what they get.
func TestSubmitSizesTheArray(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("skipping: no bash")
	}
	bin := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/usr/bin/env bash\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// 2500 runs of 60 s with two threads: shard_time_s is 180 s per run.
	write("cosolve", `[[ "$1 $2" == "bench plan" ]] || exit 9
n=$5; [[ $n == 0 ]] && n=2500
per=$(((2500 + n - 1) / n))
printf 'runs=2500\nshards=%d\nruns_per_shard=%d\ncpus_per_task=2\nshard_time_s=%d\nfiles=x.shard-*-of-%d.jsonl\n' $n $per $((per * 180)) $n
`)
	write("sbatch", `printf '%s\n' "$@"; echo "COSOLVE=$COSOLVE"`)
	spec := filepath.Join(t.TempDir(), "x.toml")
	os.WriteFile(spec, nil, 0o644)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{spec}, []string{"--array=0-999", "--cpus-per-task=2", "--time=9", "sweep.sbatch", spec, "1000"}},
		{[]string{spec, "4", "--array=2", "--partition=long"}, []string{"--array=0-3", "--time=1875", "--array=2", "--partition=long", spec, "4"}},
	}
	for _, c := range cases {
		cmd := exec.Command("bash", append([]string{filepath.Join("slurm", "submit.sh")}, c.args...)...)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "COSOLVE=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("submit.sh %v: %v", c.args, err)
		}
		got := strings.Split(strings.TrimSpace(string(out)), "\n")
		at := 0
		for _, w := range c.want {
			i := slices.IndexFunc(got[at:], func(s string) bool { return s == w || strings.HasSuffix(s, "/"+w) })
			if i < 0 {
				t.Fatalf("submit.sh %v ran sbatch with\n%s\nwant, in this order, %v", c.args, out, c.want)
			}
			at += i + 1
		}
		if !strings.Contains(string(out), "COSOLVE="+filepath.Join(bin, "cosolve")) {
			t.Errorf("the job is not told where cosolve is:\n%s", out)
		}
	}
}
