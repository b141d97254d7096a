package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// tinyShop is a two-job, two-machine shop in the standard format.
const tinyShop = "2 2\n0 3 1 2\n1 2 0 1\n"

// TestEndlessAndHugeInputsAreRefused: inputs are streamed, so an endless one
// fails at its first bad line, and inputs a parser needs whole are read up to
// the most a valid one can take. Before, each of these read until memory ran
// out.
func TestEndlessAndHugeInputsAreRefused(t *testing.T) {
	inTempDir(t)
	os.WriteFile("shop.txt", []byte(tinyShop), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"info", []string{"info", "/dev/zero"}, "/dev/zero"},
		{"tsp solve", []string{"tsp", "solve", "/dev/zero", "--iterations", "10"}, "/dev/zero"},
		{"a solution", []string{"check", "shop.txt", "/dev/zero"}, "longer than 16 MB"},
		{"a model", []string{"model", "info", "/dev/zero"}, "longer than 256 MB"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 naming %q", c.name, code, out, errOut, c.want)
		}
	}
}

// TestSizesBeyondAnyInstance: generators and output formats refuse sizes they
// cannot build before allocating anything.
func TestSizesBeyondAnyInstance(t *testing.T) {
	inTempDir(t)
	noEngine(t)
	os.WriteFile("big.toml", []byte("time_limit = \"1s\"\n[[instances]]\ngenerator = \"uniform\"\nn = 2000000000\n[[configs]]\nname = \"c\"\nsolver = \"tsp\"\n"), 0o644)
	os.WriteFile("shop.toml", []byte("time_limit = \"1s\"\n[[instances]]\ngenerator = \"random\"\njobs = 100000\nmachines = 100000\n[[configs]]\nname = \"c\"\nsolver = \"jssp\"\n"), 0o644)
	if code, _, errOut := run(t, "", "gen", "tsp", "--n", "20001", "--out", "n20001.tsp"); code != ExitOK {
		t.Fatal(errOut)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a sweep generating n = 2·10^9", []string{"bench", "run", "big.toml", "--in-process", "--out", "big.jsonl"}, "n = 2000000000, want 3 to"},
		{"a sweep generating a 10^10-operation shop", []string{"bench", "run", "shop.toml", "--in-process", "--out", "shop.jsonl"}, "at most"},
		{"a dense heatmap past 20,000 nodes", []string{"tsp", "heatmap", "n20001.tsp", "--format", "dense", "--out", "h.txt"}, "use --format sparse"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, %q; want exit 2 naming %q", c.name, code, errOut, c.want)
		}
	}
	for _, f := range []string{"big.jsonl", "shop.jsonl", "h.txt"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a refused command wrote %s", f)
		}
	}
}

// TestCheckStatedObjectiveZero: a schedule stating objective 0 is checked like
// any other (before, 0 skipped the check).
func TestCheckStatedObjectiveZero(t *testing.T) {
	inTempDir(t)
	os.WriteFile("shop.txt", []byte(tinyShop), 0o644)
	os.WriteFile("zero.json", []byte(`{"objective": 0, "starts": [[0, 3], [0, 5]]}`), 0o644)
	os.WriteFile("right.json", []byte(`{"objective": 6, "starts": [[0, 3], [0, 5]]}`), 0o644)
	if code, _, errOut := run(t, "", "check", "shop.txt", "zero.json"); code != ExitInvalid || !strings.Contains(errOut, "stated objective 0 but the makespan is 6") {
		t.Errorf("objective 0: exit %d, %q; want 1", code, errOut)
	}
	if code, out, errOut := run(t, "", "check", "shop.txt", "right.json"); code != ExitOK || !strings.Contains(out, "objective 6  valid") {
		t.Errorf("objective 6: exit %d, %q %q", code, out, errOut)
	}
}

// TestOutRespectsWhatIsThere: --out follows symbolic links (the link stays),
// writes into devices instead of replacing them, refuses a directory, and
// clears the temporary files of writes killed earlier.
func TestOutRespectsWhatIsThere(t *testing.T) {
	inTempDir(t)
	os.WriteFile("shop.txt", []byte(tinyShop), 0o644)
	solve := func(out string) (int, string) {
		code, _, errOut := run(t, "", "jssp", "solve", "shop.txt", "--policy", "spt", "--method", "dispatch", "--out", out)
		return code, errOut
	}
	os.Mkdir("real", 0o755)
	os.Symlink(filepath.Join("real", "s.json"), "link.json")
	if code, errOut := solve("link.json"); code != ExitOK {
		t.Fatal(errOut)
	}
	if st, err := os.Lstat("link.json"); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v %v", st.Mode(), err)
	}
	if data, err := os.ReadFile(filepath.Join("real", "s.json")); err != nil || !strings.Contains(string(data), `"starts"`) {
		t.Errorf("the link's target holds %q, %v", data, err)
	}
	if code, errOut := solve(os.DevNull); code != ExitOK {
		t.Errorf("--out %s: exit %d, %q", os.DevNull, code, errOut)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s became a regular file", os.DevNull)
	}
	if code, errOut := solve("real"); code != ExitUsage || !strings.Contains(errOut, "is a directory") {
		t.Errorf("--out a directory: exit %d, %q", code, errOut)
	}
	stale, fresh := ".s.json.tmp123", ".s.json.tmp456"
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("left by a write"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if code, errOut := solve("s.json"); code != ExitOK {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale temporary file was kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a fresh temporary file (another write's) was removed")
	}
}

func TestReadAtMost(t *testing.T) {
	failing := errors.New("disk gone")
	cases := []struct {
		name  string
		size  int64
		limit int64
		fail  bool
		want  error
	}{
		{"empty", 0, 10, false, nil},
		{"short", 5, 10, false, nil},
		{"at the limit", 10, 10, false, nil},
		{"one past", 11, 10, false, errTooLong},
		{"a piece exactly", 1 << 20, 4 << 20, false, nil},
		{"pieces and a bit", 3<<20 + 7, 4 << 20, false, nil},
		{"past the limit in a later piece", 5 << 20, 4<<20 + 1, false, errTooLong},
		{"a read error", 3 << 20, 4 << 20, true, failing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := make([]byte, c.size)
			for i := range src {
				src[i] = byte(i * 7)
			}
			var r io.Reader = bytes.NewReader(src)
			if c.fail {
				r = io.MultiReader(r, iotest.ErrReader(failing))
			}
			got, err := readAtMost(r, c.limit)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if c.want == nil && !bytes.Equal(got, src) {
				t.Fatalf("read %d bytes, not the %d given", len(got), len(src))
			}
		})
	}
}
