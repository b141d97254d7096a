package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	data := filepath.Join(root, "shared", "data")
	for _, d := range []string{filepath.Join(repo, "pkg", "sub"), filepath.Join(data, "tsp"), filepath.Join(data, "tsplib"),
		filepath.Join(data, "jssp", "x"), filepath.Join(data, "robust")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644)
	t.Setenv("COSOLVE_DATA", "")
	cases := map[string]string{
		filepath.Join(repo, "pkg", "sub"): data,
		filepath.Join(data, "jssp", "x"):  data,
	}
	for start, want := range cases {
		if got, err := Find(start); err != nil || got != want {
			t.Errorf("Find(%s) = %q, %v; want %q", start, got, err, want)
		}
	}
	if _, err := Find(root); err == nil {
		t.Errorf("Find outside any repository or data directory succeeded")
	}
	t.Setenv("COSOLVE_DATA", filepath.Join(root, "missing"))
	if _, err := Find(repo); err == nil {
		t.Errorf("a COSOLVE_DATA that does not exist was accepted")
	}
}
