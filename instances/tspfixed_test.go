package instances

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

const fixedHead = "NAME: f\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 0 10\n3 10 10\n4 10 0\n"

// TestReadTSPLIBFixedEdges: a FIXED_EDGES_SECTION is kept (it used to be
// refused), written back, and enforced by CheckTour.
func TestReadTSPLIBFixedEdges(t *testing.T) {
	p, err := ReadTSPLIB(strings.NewReader(fixedHead+"FIXED_EDGES_SECTION\n1 3\n-1\nEOF\n"), "f.tsp")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Fixed, [][2]int{{0, 2}}) {
		t.Fatalf("fixed edges %v, want [[0 2]]", p.Fixed)
	}
	var buf bytes.Buffer
	if err := WriteTSPLIB(&buf, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadTSPLIB(&buf, "round trip")
	if err != nil || !reflect.DeepEqual(q.Fixed, p.Fixed) {
		t.Fatalf("round trip: %v, fixed %v", err, q.Fixed)
	}
	for _, tc := range []struct {
		tour []int
		ok   bool
	}{
		{[]int{0, 1, 2, 3}, false}, // 0 and 2 are not neighbours
		{[]int{0, 2, 1, 3}, true},
		{[]int{2, 1, 3, 0}, true}, // the edge closes the tour
	} {
		_, err := CheckTour(p, tc.tour)
		var v *TourViolation
		switch {
		case tc.ok && err != nil:
			t.Errorf("%v: %v", tc.tour, err)
		case !tc.ok && (!errors.As(err, &v) || v.Kind != TourFixedEdge || !errors.Is(err, ErrInvalidSolution)):
			t.Errorf("%v: err = %v, want a fixed-edge violation", tc.tour, err)
		}
	}
}

func TestReadTSPLIBBadFixedEdges(t *testing.T) {
	for _, tc := range []struct{ name, section, want string }{
		{"before DIMENSION", "", ""},
		{"out of range", "1 5\n-1\n", "11: fixed edge end 5 out of range 1…4"},
		{"not a number", "1 x\n-1\n", "11: fixed edge end \"x\" is not an integer"},
		{"no -1", "1 2\nEOF\n", "12: FIXED_EDGES_SECTION does not end with -1"},
		{"loop", "2 2\n-1\n", "10: fixed edge 2–2 is a loop"},
		{"twice", "1 2\n2 1\n-1\n", "10: fixed edge 2–1 given twice"},
		{"degree 3", "1 2\n1 3\n1 4\n-1\n", "10: node 1 has more than two fixed edges"},
		{"short cycle", "1 2\n2 3\n3 1\n-1\n", "10: fixed edge 3–1 closes a cycle that does not visit every node"},
	} {
		in := fixedHead + "FIXED_EDGES_SECTION\n" + tc.section
		if tc.name == "before DIMENSION" {
			in, tc.want = "NAME: f\nFIXED_EDGES_SECTION\n1 2\n-1\n", "2: FIXED_EDGES_SECTION before DIMENSION"
		}
		_, err := ReadTSPLIB(strings.NewReader(in), "bad.tsp")
		if !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), "bad.tsp:"+tc.want) {
			t.Errorf("%s: err = %v, want bad.tsp:%s", tc.name, err, tc.want)
		}
	}
	// A full tour of fixed edges is one possible tour, not a short cycle.
	if _, err := ReadTSPLIB(strings.NewReader(fixedHead+"FIXED_EDGES_SECTION\n1 2\n2 3\n3 4\n4 1\n-1\n"), "all.tsp"); err != nil {
		t.Errorf("a fixed tour through every node: %v", err)
	}
}

func TestLinhp318FixedEdge(t *testing.T) {
	p, err := LoadTSPLIB(datadirtest.Path(t, "tsplib", "linhp318.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	if p.N() != 318 || !reflect.DeepEqual(p.Fixed, [][2]int{{0, 213}}) {
		t.Fatalf("n = %d, fixed %v; want 318 nodes and the edge 1–214", p.N(), p.Fixed)
	}
	// lin318's optimum is for tours without the fixed edge: no reference here.
	if ref, ok := TSPReference("", p, "linhp318.tsp", 0); ok {
		t.Errorf("reference %+v for an instance with a fixed edge", ref)
	}
}

// TestReadTSPGzip: TSPLIB is distributed as .tsp.gz; both readers take it.
func TestReadTSPGzip(t *testing.T) {
	plain := fixedHead + "EOF\n"
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(plain))
	zw.Close()
	want, err := ReadTSPLIB(strings.NewReader(plain), "f.tsp")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadTSPLIB(bytes.NewReader(z.Bytes()), "f.tsp.gz")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadTSPLIB on gzip: %v\n%+v\nwant %+v", err, got, want)
	}
	path := filepath.Join(t.TempDir(), "noname.tsp.gz")
	os.WriteFile(path, z.Bytes(), 0o644)
	p, _, err := LoadTSP(path, 0)
	if err != nil || p.N() != 4 {
		t.Fatalf("LoadTSP on %s: %v", path, err)
	}
	if _, err := ReadTSPLIB(bytes.NewReader(z.Bytes()[:12]), "cut.tsp.gz"); err == nil {
		t.Error("a truncated gzip stream was accepted")
	}
}
