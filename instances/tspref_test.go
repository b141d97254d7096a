package instances

import (
	"bufio"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestTSPLIBOptimumMatchesDataFile(t *testing.T) {
	f, err := os.Open(datadirtest.Path(t, "tsplib", "optimal_lengths.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	count := 0
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(name) == "linhp318" { // a path with a fixed edge: not in the table
			continue
		}
		if got, ok := TSPLIBOptimum(strings.TrimSpace(name)); !ok || got != want {
			t.Errorf("%s: table %v (%v), file %v", name, got, ok, want)
		}
		count++
	}
	if count != 38 {
		t.Fatalf("read %d optima", count)
	}
}

func TestTSPLIBOptimumLookup(t *testing.T) {
	cases := []struct {
		name string
		want float64
		ok   bool
	}{
		{"a280", 2579, true}, {"some/dir/a280.tsp", 2579, true}, {"pr2392", 378032, true},
		{"kroA100", 21282, true}, {"usa13509", 19982859, true}, {"linhp318", 0, false},
		{"a281", 0, false}, {"", 0, false},
	}
	for _, tc := range cases {
		if got, ok := TSPLIBOptimum(tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	// Every TSPLIB name ends in its node count; a typo in the table would show.
	for name := range tsplibOptima {
		if tsplibNameSize(name) < 14 {
			t.Errorf("%s: no node count in the name", name)
		}
	}
}

func TestTSPReference(t *testing.T) {
	dir := datadirtest.ForTest(t)
	burma, err := LoadTSPLIB(filepath.Join(dir, "tsplib", "burma14.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	sized := func(n int) *TSP {
		p, err := GenerateUniform(n, 1)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	fakeA280, _ := NewCoordTSP("a280", Euc2D, []float64{0, 1, 2}, []float64{0, 1, 0})
	uniformA280 := sized(280)
	uniformA280.Name = "a280"
	set := func(n int) string { return filepath.Join(dir, "tsp", "tsp"+strconv.Itoa(n)+"_test_concorde.txt") }
	cases := []struct {
		name  string
		p     *TSP
		path  string
		index int
		want  Reference
		ok    bool
	}{
		{"TSPLIB", burma, "whatever/burma14.tsp", 0, Reference{3323, RefOptimal}, true},
		{"TSPLIB name, wrong size", fakeA280, "a280.tsp", 0, Reference{}, false},
		{"TSPLIB name, float metric", uniformA280, "a280.tsp", 0, Reference{}, false},
		{"TSP-500", sized(500), set(500), 127, Reference{16.095157, RefLKH3}, true},
		{"TSP-1000", sized(1000), set(1000), 0, Reference{}, true},
		{"TSP-500 index out of range", sized(500), set(500), 128, Reference{}, false},
		{"TSP-500 wrong size", sized(499), set(500), 0, Reference{}, false},
		{"TSP-10000", sized(10000), set(10000), 3, Reference{71.7548, RefSetMean}, true},
		{"TSP-200 has none", sized(200), set(200), 0, Reference{}, false},
		{"generated", sized(500), "", 0, Reference{}, false},
		{"nil", nil, set(500), 0, Reference{}, false},
	}
	for _, tc := range cases {
		got, ok := TSPReference(dir, tc.p, tc.path, tc.index)
		if ok != tc.ok || tc.want.Kind != "" && got != tc.want {
			t.Errorf("%s: %+v %v, want %+v %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if tc.name == "TSP-1000" && (got.Kind != RefLKH3 || got.Value < 20 || got.Value > 26) {
			t.Errorf("TSP-1000 reference %+v", got)
		}
	}
	if _, ok := TSPReference(t.TempDir(), sized(500), set(500), 0); ok {
		t.Error("reference without the LKH-3 file")
	}
}

func TestLoadLKH3Lengths(t *testing.T) {
	dir := datadirtest.ForTest(t)
	for _, tc := range []struct {
		file string
		mean float64
	}{{"tsp500_test_lkh3_len.txt", 16.546225}, {"tsp1000_test_lkh3_len.txt", 23.118766}} {
		v, err := LoadLKH3Lengths(filepath.Join(dir, "tsp", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, x := range v {
			sum += x
		}
		if len(v) != 128 || math.Abs(sum/128-tc.mean) > 5e-7 {
			t.Errorf("%s: %d lengths, mean %v, want 128 and %v", tc.file, len(v), sum/128, tc.mean)
		}
	}
}

func TestReadLKH3LengthsBadInput(t *testing.T) {
	good, err := readLKH3Lengths(strings.NewReader("1 2.5\n\n0 1.5\n"), "ok.txt")
	if err != nil || len(good) != 2 || good[0] != 1.5 || good[1] != 2.5 {
		t.Fatalf("%v %v", good, err)
	}
	cases := []struct{ in, want string }{
		{"", "bad.txt:0: no lengths"},
		{"0 1.5 extra\n", "bad.txt:1: want \"index length\", got 3 fields"},
		{"x 1.5\n", "bad.txt:1: index \"x\" is not a non-negative integer"},
		{"-1 1.5\n", "bad.txt:1: index \"-1\""},
		{"0 NaN\n", "bad.txt:1: length \"NaN\" is not a positive number"},
		{"0 -3\n", "bad.txt:1: length \"-3\" is not a positive number"},
		{"0 1\n0 2\n", "bad.txt:2: index 0 given twice (first at line 1)"},
		{"0 1\n2 2\n", "bad.txt:2: index 2 but only 2 lengths"},
	}
	for _, tc := range cases {
		_, err := readLKH3Lengths(strings.NewReader(tc.in), "bad.txt")
		if err == nil || !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), strings.Replace(tc.want, ":0:", ":", 1)) {
			t.Errorf("%q: %v, want %s", tc.in, err, tc.want)
		}
	}
}
