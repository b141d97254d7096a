package instances

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestReadTSPLineFile(t *testing.T) {
	path := filepath.Join("testdata", "tsp", "three.txt")
	cases := []struct {
		index  int
		n      int
		tour   []int
		length float64 // of the stored tour, or of the identity when none
	}{
		{0, 4, []int{0, 1, 2, 3}, 4},
		{1, 3, []int{2, 0, 1}, math.Hypot(0.25, 0.25) + math.Hypot(0.125, 0.25) + 0.375},
		{2, 3, nil, 12},
	}
	for _, tc := range cases {
		p, tour, err := LoadTSP(path, tc.index)
		if err != nil {
			t.Fatal(err)
		}
		if want := "three#" + string(rune('0'+tc.index)); p.Name != want || p.N() != tc.n || p.Metric != Euclidean {
			t.Fatalf("index %d: %s n=%d %v", tc.index, p.Name, p.N(), p.Metric)
		}
		if !slices.Equal(tour, tc.tour) {
			t.Fatalf("index %d: tour %v, want %v", tc.index, tour, tc.tour)
		}
		if tour == nil {
			tour = []int{0, 1, 2}
		}
		if got, err := CheckTour(p, tour); err != nil || math.Abs(got-tc.length) > 1e-12 {
			t.Fatalf("index %d: length %v (%v), want %v", tc.index, got, err, tc.length)
		}
	}
	_, _, err := LoadTSP(path, 3)
	if err == nil || err.Error() != path+": index 3 out of range 0…2" || !errors.Is(err, ErrInvalidInstance) {
		t.Fatalf("index 3: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := CountTSPLines(f); n != 3 || err != nil {
		t.Fatalf("CountTSPLines = %d, %v", n, err)
	}
}

func TestTSP500Instance0AgainstLKH3(t *testing.T) {
	dir := datadirtest.ForTest(t)
	path := filepath.Join(dir, "tsp", "tsp500_test_concorde.txt")
	p, tour, err := LoadTSP(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "tsp500_test_concorde#0" || p.N() != 500 || len(tour) != 500 {
		t.Fatalf("%s n=%d tour %d", p.Name, p.N(), len(tour))
	}
	length, err := CheckTour(p, tour)
	if err != nil {
		t.Fatal(err)
	}
	ref, ok := TSPReference(dir, p, path, 0)
	if !ok || ref.Kind != RefLKH3 || ref.Value != 16.414335 {
		t.Fatalf("reference %+v %v", ref, ok)
	}
	// The stored tour is a little above LKH-3 (16.438495 per the data notes).
	if gap := (length - ref.Value) / ref.Value; gap < 0 || gap > 0.01 || math.Abs(length-16.438495) > 1e-6 {
		t.Fatalf("stored tour %v, LKH-3 %v, gap %.4f%%", length, ref.Value, 100*gap)
	}
}

func TestTSPLineSetsStreamed(t *testing.T) {
	dir := datadirtest.ForTest(t)
	for _, set := range []struct {
		file  string
		n     int
		count int
	}{
		{"tsp500_test_concorde.txt", 500, 128},
		{"tsp1000_test_concorde.txt", 1000, 128},
		{"tsp10000_test_concorde.txt", 10000, 16},
	} {
		t.Run(set.file, func(t *testing.T) {
			path := filepath.Join(dir, "tsp", set.file)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			count, err := CountTSPLines(f)
			f.Close()
			if err != nil || count != set.count {
				t.Fatalf("CountTSPLines = %d, %v; want %d", count, err, set.count)
			}
			// The last instance (unterminated in the 10000 file): skipping the
			// lines before it must not hold them in memory.
			var p *TSP
			var tour []int
			alloc := tspAllocBytes(func() { p, tour, err = LoadTSP(path, count-1) })
			if err != nil {
				t.Fatal(err)
			}
			if p.N() != set.n || len(tour) != set.n {
				t.Fatalf("n=%d tour %d", p.N(), len(tour))
			}
			if _, err := CheckTour(p, tour); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(path)
			perInstance := uint64(st.Size()) / uint64(count)
			if alloc > 4*perInstance+1<<20 {
				t.Errorf("allocated %d bytes to read one instance of ~%d bytes", alloc, perInstance)
			}
			_, _, err = LoadTSP(path, count)
			if want := fmt.Sprintf("%s: index %d out of range 0…%d", path, count, count-1); err == nil || err.Error() != want {
				t.Fatalf("got %v, want %s", err, want)
			}
		})
	}
}

func TestTSPLineRoundTrip(t *testing.T) {
	p, err := GenerateUniform(200, 11)
	if err != nil {
		t.Fatal(err)
	}
	tour := make([]int, p.N())
	for i := range tour {
		tour[i] = (i * 7) % p.N() // 7 and 200 are coprime: a permutation
	}
	var buf bytes.Buffer
	if err := WriteTSPLine(&buf, p, tour); err != nil {
		t.Fatal(err)
	}
	if err := WriteTSPLine(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	for index, wantTour := range [][]int{tour, nil} {
		q, got, err := ReadTSP(bytes.NewReader(buf.Bytes()), "sets/rt.txt", index)
		if err != nil {
			t.Fatal(err)
		}
		if q.Name != "rt#"+strconv.Itoa(index) || !slices.Equal(q.X, p.X) || !slices.Equal(q.Y, p.Y) || !slices.Equal(got, wantTour) {
			t.Fatalf("index %d: round trip changed the instance or tour", index)
		}
	}
	if n, err := CountTSPLines(bytes.NewReader(buf.Bytes())); n != 2 || err != nil {
		t.Fatalf("count %d %v", n, err)
	}
	geo, err := NewCoordTSP("g", Geo, []float64{1, 2, 3}, []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTSPLine(&buf, geo, nil); !errors.Is(err, ErrInvalidInstance) {
		t.Fatalf("GEO instance written to the line format: %v", err)
	}
	if err := WriteTSPLine(&buf, p, tour[:10]); !errors.Is(err, ErrInvalidSolution) {
		t.Fatalf("partial tour written: %v", err)
	}
}

func TestReadTSPLineBadInput(t *testing.T) {
	const ok = "0 0 1 0 1 1 output 1 2 3 1\n"
	cases := []struct {
		name, in string
		index    int
		want     string
	}{
		{"empty", "", 0, "bad.txt:1: empty input"},
		{"blank only", "\n \n", 0, "bad.txt:3: empty input"},
		{"index past end", ok + "\n" + ok, 5, "bad.txt: index 5 out of range 0…1"},
		{"negative index", ok, -1, "bad.txt: index -1 out of range"},
		{"odd coordinates", "0 0 1 0 1\n", 0, "bad.txt:1: odd number of coordinates (5)"},
		{"too few nodes", "0 0 1 1 output 1 2 1\n", 0, "bad.txt:1: 2 nodes, need at least 3"},
		{"text coordinate", ok + "0 0 x 0 1 1\n", 1, "bad.txt:2: token 3: \"x\" is not a number within ±1e+15"},
		{"NaN", "0 0 NaN 0 1 1\n", 0, "bad.txt:1: token 3: \"NaN\" is not a number within ±1e+15"},
		{"Inf", "0 0 1 0 1 +Inf\n", 0, "bad.txt:1: token 6: \"+Inf\" is not a number within ±1e+15"},
		{"tour node not integer", "0 0 1 0 1 1 output 1 2.0 3 1\n", 0, "bad.txt:1: token 9: tour node \"2.0\" is not an integer"},
		{"tour node out of range", "0 0 1 0 1 1 output 1 2 4 1\n", 0, "bad.txt:1: token 10: tour node 4 out of range 1…3"},
		{"tour not closed", "0 0 1 0 1 1 output 1 2 3 2\n", 0, "bad.txt:1: tour has 4 entries but does not return to its first node"},
		{"tour too long", "0 0 1 0 1 1 output 1 2 3 1 2\n", 0, "bad.txt:1: tour has more than 4 entries"},
		{"tour duplicate", "0 0 1 0 1 1 output 1 2 2\n", 0, "bad.txt:1: stored tour: invalid tour: node 2 at position 3 was already visited"},
		{"tour short", "0 0 1 0 1 1 output 1 2\n", 0, "bad.txt:1: stored tour: invalid tour: node 3 is missing"},
		{"output without tour", "0 0 1 0 1 1 output\n", 0, "bad.txt:1: stored tour: invalid tour: node 1 is missing"},
		{"long token", "0 0 1 0 1 " + strings.Repeat("1", 5000) + "\n", 0, "bad.txt:1: token \"11111111111111111111111111111111\"… longer than 4096 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := ReadTSPLine(strings.NewReader(tc.in), "bad.txt", tc.index)
			if err == nil {
				t.Fatalf("accepted %+v", p)
			}
			if !errors.Is(err, ErrInvalidInstance) {
				t.Errorf("%v does not wrap ErrInvalidInstance", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q\nwant prefix %q", err, tc.want)
			}
		})
	}
}

func FuzzReadTSPLine(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "tsp", "three.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		f.Add(b, i)
	}
	for _, s := range []string{"", "\n\n", "0 0 1 0 1 1 output 1 2 3 1", "0 0 1 0 1 1 output 3 2 1\n",
		"0 0 1 0 1\n", "1e400 0 1 0 1 1\n", "0 0 1 0 1 1 output 1 1 1 1\n", "0 0 1 0 1 1 output\n", "output 1 2 3\n"} {
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		p, tour, err := ReadTSPLine(bytes.NewReader(data), "fuzz.txt", index)
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), "fuzz.txt") {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if p.N() < 3 || p.Metric != Euclidean {
			t.Fatalf("accepted n = %d, %v", p.N(), p.Metric)
		}
		if tour != nil {
			if _, err := CheckTour(p, tour); err != nil {
				t.Fatalf("accepted a bad tour: %v", err)
			}
		}
		var buf bytes.Buffer
		if err := WriteTSPLine(&buf, p, tour); err != nil {
			t.Fatal(err)
		}
		q, tour2, err := ReadTSPLine(&buf, "rt.txt", 0)
		if err != nil || !slices.Equal(q.X, p.X) || !slices.Equal(q.Y, p.Y) || !slices.Equal(tour, tour2) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

func BenchmarkReadTSPLineLast10000(b *testing.B) {
	path := datadirtest.Path(b, "tsp", "tsp10000_test_concorde.txt")
	for b.Loop() {
		if _, _, err := LoadTSP(path, 15); err != nil {
			b.Fatal(err)
		}
	}
}
