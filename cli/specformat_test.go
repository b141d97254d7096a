package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// TestDocumentedSpecsLoad: the complete specs shown in `bench run --help` and
// in the README load, pass the up-front check and plan runs, so the
// documentation cannot drift from the format.
func TestDocumentedSpecsLoad(t *testing.T) {
	data := datadirtest.ForTest(t)
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, toml string
	}{
		{"bench run --help", helpSpec(t)},
		{"README", readmeSpec(t, string(readme))},
	} {
		path := filepath.Join(t.TempDir(), "spec.toml")
		if err := os.WriteFile(path, []byte(c.toml), 0o644); err != nil {
			t.Fatal(err)
		}
		spec, err := benchmarks.LoadSpec(path, data)
		if err != nil {
			t.Errorf("%s: %v\n%s", c.name, err, c.toml)
			continue
		}
		if err := spec.Check(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if n := len(spec.Tasks(data)); n == 0 {
			t.Errorf("%s: no runs", c.name)
		}
	}
}

// helpSpec is the indented example between the help's first line and its
// option list.
func helpSpec(t *testing.T) string {
	_, rest, ok := strings.Cut(specFormat, "A spec is a TOML file:\n")
	body, _, ok2 := strings.Cut(rest, "\nOptions per solver")
	if !ok || !ok2 {
		t.Fatal("bench run --help: the spec example is not where this test looks for it")
	}
	var b strings.Builder
	for _, line := range strings.Split(body, "\n") {
		b.WriteString(strings.TrimPrefix(line, "   ") + "\n")
	}
	return b.String()
}

// readmeSpec is the first toml block of the README's "Sweep specs" section.
func readmeSpec(t *testing.T, readme string) string {
	_, section, ok := strings.Cut(readme, "\n## Sweep specs\n")
	_, block, ok2 := strings.Cut(section, "```toml\n")
	body, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README: no toml block under \"## Sweep specs\"")
	}
	return body
}
