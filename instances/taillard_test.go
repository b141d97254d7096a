package instances

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

// The Park–Miller "minimal standard" sequence from seed 1 (Park & Miller 1988).
func TestTaillardRandSequence(t *testing.T) {
	r := taillardRand{seed: 1}
	for i, want := range []int64{16807, 282475249, 1622650073, 984943658, 1144108930, 470211272} {
		r.unif(0, 0)
		if r.seed != want {
			t.Fatalf("step %d: seed %d, want %d", i+1, r.seed, want)
		}
	}
	// unif maps seed/m onto [low, high]: 16807/(2^31−1)·99 < 1, 282475249/(2^31−1)·99 ≈ 13.02.
	r = taillardRand{seed: 1}
	if got := []int{r.unif(1, 99), r.unif(1, 99)}; !reflect.DeepEqual(got, []int{1, 14}) {
		t.Errorf("unif(1, 99) from seed 1 = %v, want [1 14]", got)
	}
}

// ta01's first job as printed in Taillard's file: checks the generator without the data.
func TestGenerateTaillardGolden(t *testing.T) {
	js, err := TaillardInstance("ta01")
	if err != nil {
		t.Fatal(err)
	}
	times := []int{94, 66, 10, 53, 26, 15, 65, 82, 10, 27, 93, 92, 96, 70, 83}
	machines := []int{7, 13, 5, 8, 4, 3, 11, 12, 9, 15, 10, 14, 6, 1, 2} // 1-based
	lastTimes := []int{57, 16, 42, 34, 37, 26, 68, 73, 5, 8, 12, 87, 83, 20, 97}
	if js.Name != "ta01" || js.NumJobs() != 15 || js.Machines != 15 {
		t.Fatalf("ta01: %s %d×%d", js.Name, js.NumJobs(), js.Machines)
	}
	for k := range times {
		if op := js.Jobs[0][k]; op.Duration != times[k] || op.Machine != machines[k]-1 {
			t.Errorf("job 0 operation %d = %+v, want machine %d duration %d", k, op, machines[k]-1, times[k])
		}
		if d := js.Jobs[14][k].Duration; d != lastTimes[k] {
			t.Errorf("job 14 operation %d duration %d, want %d", k, d, lastTimes[k])
		}
	}
	if err := js.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTaillardInstanceNames(t *testing.T) {
	tests := []struct {
		in, want string
		jobs, m  int
	}{
		{"ta01", "ta01", 15, 15}, {"TA80js", "ta80", 100, 20}, {"ta7", "ta07", 15, 15}, {"ta41", "ta41", 30, 20}, {"ta51js", "ta51", 50, 15},
		{"ta00", "", 0, 0}, {"ta81", "", 0, 0}, {"ta1x", "", 0, 0}, {"tb01", "", 0, 0}, {"ta001", "", 0, 0}, {"", "", 0, 0},
	}
	for _, tc := range tests {
		js, err := TaillardInstance(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalidInstance) {
				t.Errorf("%q: got %v, want an error", tc.in, err)
			}
			continue
		}
		if err != nil || js.Name != tc.want || js.NumJobs() != tc.jobs || js.Machines != tc.m {
			t.Errorf("%q: got %v %v", tc.in, js, err)
		}
	}
}

func TestGenerateJobShop(t *testing.T) {
	a, b := GenerateJobShop(30, 10, 42), GenerateJobShop(30, 10, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different instances")
	}
	if c := GenerateJobShop(30, 10, 43); reflect.DeepEqual(a.Jobs, c.Jobs) {
		t.Fatal("seeds 42 and 43 give the same instance")
	}
	big := GenerateJobShop(200, 20, 7)
	sum, n := 0, 0
	for j, ops := range big.Jobs {
		if !isPermutation(ops, big.Machines) {
			t.Fatalf("job %d does not visit every machine once: %v", j, ops)
		}
		for _, op := range ops {
			if op.Duration < 1 || op.Duration > 99 {
				t.Fatalf("duration %d outside 1…99", op.Duration)
			}
			sum += op.Duration
			n++
		}
	}
	// 4000 draws of unif(1, 99): mean 50, standard error ≈ 0.45.
	if mean := float64(sum) / float64(n); mean < 48 || mean > 52 {
		t.Errorf("mean duration %.2f, want about 50", mean)
	}
	if big.Name != "random_200x20_7" {
		t.Errorf("name %q", big.Name)
	}
}

// TestGenerateTaillardMatchesPublished generates ta01…ta80 from their seeds alone and
// compares them with the published standard-format files of two collections.
func TestGenerateTaillardMatchesPublished(t *testing.T) {
	root := datadirtest.Path(t, "jssp")
	for k := 1; k <= 80; k++ {
		name := fmt.Sprintf("ta%02d", k)
		js, err := TaillardInstance(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			filepath.Join(root, "tassel_e2e", "instances_run", name),
			filepath.Join(root, "scheduleopt", "instances", "text", "Taillard1993", name+"js.txt"),
		} {
			want, err := LoadJobShop(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want.Machines != js.Machines || !reflect.DeepEqual(want.Jobs, js.Jobs) {
				t.Errorf("%s: generated instance differs from %s", name, path)
			}
		}
	}
}

// TestTaillardSpecFiles reads Taillard's own files (10 instances each), checks names,
// headers and data against the seed table, the generator and the standard-format
// copies, and that WriteTaillard reproduces each file byte for byte (bar CRLF and a
// trailing blank line).
func TestTaillardSpecFiles(t *testing.T) {
	root := datadirtest.Path(t, "jssp")
	files, err := filepath.Glob(filepath.Join(root, "thomasweise", "taillard", "tai*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 8 {
		t.Fatalf("%d Taillard files, want 8", len(files))
	}
	seen := 0
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		all, hdrs, err := ReadTaillardAll(bytes.NewReader(raw), path)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 10 {
			t.Fatalf("%s: %d instances, want 10", path, len(all))
		}
		if js, hdr, err := ReadTaillard(bytes.NewReader(raw), path, 7); err != nil || js != nil && (js.Name != all[7].Name || hdr != hdrs[7]) {
			t.Errorf("%s: ReadTaillard(7) = %v, %v", path, js, err)
		}
		var rewritten bytes.Buffer
		for i, js := range all {
			hdr := hdrs[i]
			k := taillardIndex(hdr) + 1
			if k == 0 || js.Name != fmt.Sprintf("ta%02d", k) {
				t.Fatalf("%s #%d: name %q, header %+v not in the seed table", path, i, js.Name, hdr)
			}
			seen++
			gen := GenerateTaillard(hdr.Jobs, hdr.Machines, hdr.TimeSeed, hdr.MachineSeed)
			if gen.Name != js.Name || !reflect.DeepEqual(gen.Jobs, js.Jobs) {
				t.Errorf("%s: file data differ from the generator", js.Name)
			}
			std, err := LoadJobShop(filepath.Join(root, "tassel_e2e", "instances_run", js.Name), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(std.Jobs, js.Jobs) {
				t.Errorf("%s: Taillard-format data differ from the standard-format file", js.Name)
			}
			if err := WriteTaillard(&rewritten, js, hdr); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := LoadJobShop(path, 10); err == nil || !strings.HasSuffix(err.Error(), "index 10 out of range 0…9") {
			t.Errorf("%s index 10: %v", path, err)
		}
		// Some files end with an extra blank line.
		want := append(bytes.TrimRight(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), "\n"), '\n')
		if !bytes.Equal(rewritten.Bytes(), want) {
			t.Errorf("%s: WriteTaillard does not reproduce the file", path)
		}
	}
	if seen != 80 {
		t.Errorf("%d instances, want 80", seen)
	}
}
