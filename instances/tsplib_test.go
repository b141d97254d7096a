package instances

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

// tsplibShipped lists every instance of the shared TSPLIB subset with its size and
// metric, as declared in the files.
var tsplibShipped = []struct {
	name   string
	n      int
	metric Metric
}{
	{"ali535", 535, Geo}, {"bayg29", 29, Explicit}, {"bays29", 29, Explicit},
	{"brazil58", 58, Explicit}, {"brg180", 180, Explicit}, {"burma14", 14, Geo},
	{"dantzig42", 42, Explicit}, {"fri26", 26, Explicit}, {"gr120", 120, Explicit},
	{"gr137", 137, Geo}, {"gr17", 17, Explicit}, {"gr202", 202, Geo}, {"gr21", 21, Explicit},
	{"gr229", 229, Geo}, {"gr24", 24, Explicit}, {"gr431", 431, Geo}, {"gr48", 48, Explicit},
	{"gr666", 666, Geo}, {"gr96", 96, Geo}, {"hk48", 48, Explicit}, {"pa561", 561, Explicit},
	{"pla33810", 33810, Ceil2D}, {"pla85900", 85900, Ceil2D}, {"si1032", 1032, Explicit},
	{"si175", 175, Explicit}, {"si535", 535, Explicit}, {"swiss42", 42, Explicit},
	{"ulysses16", 16, Geo}, {"ulysses22", 22, Geo},
	{"pr1002", 1002, Euc2D}, {"u1060", 1060, Euc2D}, {"pcb1173", 1173, Euc2D},
	{"vm1748", 1748, Euc2D}, {"pr2392", 2392, Euc2D}, {"pcb3038", 3038, Euc2D},
	{"rl5915", 5915, Euc2D}, {"rl11849", 11849, Euc2D}, {"usa13509", 13509, Euc2D},
}

// tsplibFixedEdges are shipped files with a FIXED_EDGES_SECTION (linhp318's NAME
// is lin318; its one fixed edge is 1–214); TestLinhp318FixedEdge covers them.
var tsplibFixedEdges = []string{"linhp318"}

func TestReadTSPLIBShipped(t *testing.T) {
	dir := datadirtest.Path(t, "tsplib")
	files, err := filepath.Glob(filepath.Join(dir, "*.tsp"))
	if err != nil || len(files) != len(tsplibShipped)+len(tsplibFixedEdges) {
		t.Fatalf("%d .tsp files in %s, the tables list %d (%v)", len(files), dir, len(tsplibShipped)+len(tsplibFixedEdges), err)
	}
	for _, tc := range tsplibShipped {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.n > 20000 {
				t.Skip("large instance skipped in -short mode")
			}
			p, err := LoadTSPLIB(filepath.Join(dir, tc.name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tc.name || p.N() != tc.n || p.Metric != tc.metric {
				t.Fatalf("got %s n=%d %v, want %s n=%d %v", p.Name, p.N(), p.Metric, tc.name, tc.n, tc.metric)
			}
			if _, ok := TSPLIBOptimum(p.Name); !ok {
				t.Errorf("no optimum for %s", p.Name)
			}
			// Symmetry and a zero diagonal hold for every metric on a sample of pairs.
			for i := 0; i < p.N(); i += 1 + p.N()/50 {
				if p.Dist(i, i) != 0 {
					t.Fatalf("d(%d,%d) = %v", i, i, p.Dist(i, i))
				}
				for j := 0; j < p.N(); j += 1 + p.N()/50 {
					if p.Dist(i, j) != p.Dist(j, i) || p.Dist(i, j) < 0 || p.Dist(i, j) != math.Trunc(p.Dist(i, j)) {
						t.Fatalf("d(%d,%d) = %v, d(%d,%d) = %v", i, j, p.Dist(i, j), j, i, p.Dist(j, i))
					}
				}
			}
		})
	}
}

func TestGr666CanonicalTour(t *testing.T) {
	p, err := LoadTSPLIB(datadirtest.Path(t, "tsplib", "gr666.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	tour := make([]int, p.N())
	for i := range tour {
		tour[i] = i
	}
	got, err := CheckTour(p, tour)
	if err != nil {
		t.Fatal(err)
	}
	if got != 423710 {
		t.Fatalf("canonical tour of gr666: %v, want 423710 (TSPLIB 95)", got)
	}
}

// heldKarp is the exact optimum by dynamic programming over subsets, a method
// independent of any solver, for n ≤ 17.
func heldKarp(p *TSP) float64 {
	n := p.N()
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
		for j := range d[i] {
			d[i][j] = p.Dist(i, j)
		}
	}
	m := n - 1 // node 0 is the fixed start; subsets are over nodes 1…n-1
	full := 1 << m
	dp := make([]float64, full*m)
	for i := range dp {
		dp[i] = math.Inf(1)
	}
	for j := 0; j < m; j++ {
		dp[(1<<j)*m+j] = d[0][j+1]
	}
	for mask := 1; mask < full; mask++ {
		for j := 0; j < m; j++ {
			cur := dp[mask*m+j]
			if mask&(1<<j) == 0 || math.IsInf(cur, 1) {
				continue
			}
			for k := 0; k < m; k++ {
				if mask&(1<<k) != 0 {
					continue
				}
				next := mask | 1<<k
				if v := cur + d[j+1][k+1]; v < dp[next*m+k] {
					dp[next*m+k] = v
				}
			}
		}
	}
	best := math.Inf(1)
	for j := 0; j < m; j++ {
		best = math.Min(best, dp[(full-1)*m+j]+d[j+1][0])
	}
	return best
}

func TestSmallTSPLIBOptimaByHeldKarp(t *testing.T) {
	if testing.Short() {
		t.Skip("Held–Karp on 17 nodes skipped in -short mode")
	}
	for _, name := range []string{"burma14", "ulysses16", "gr17"} {
		t.Run(name, func(t *testing.T) {
			p, err := LoadTSPLIB(datadirtest.Path(t, "tsplib", name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := TSPLIBOptimum(name)
			if !ok {
				t.Fatal("no optimum")
			}
			if got := heldKarp(p); got != want {
				t.Fatalf("Held–Karp optimum %v, published %v", got, want)
			}
		})
	}
}

// The hand-made matrix every file in testdata/tsp/*5.tsp encodes (1-based pairs).
var tspHandMatrix = map[[2]int]float64{
	{1, 2}: 3, {1, 3}: 7, {1, 4}: 12, {1, 5}: 5, {2, 3}: 9,
	{2, 4}: 4, {2, 5}: 11, {3, 4}: 6, {3, 5}: 8, {4, 5}: 10,
}

func TestReadTSPLIBExplicitFormats(t *testing.T) {
	for _, file := range []string{"full5", "upper_row5", "lower_row5", "upper_diag_row5", "lower_diag_row5",
		"upper_col5", "lower_col5", "upper_diag_col5", "lower_diag_col5"} {
		t.Run(file, func(t *testing.T) {
			p, err := LoadTSPLIB(filepath.Join("testdata", "tsp", file+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			if p.N() != 5 || p.Metric != Explicit || p.Name != file {
				t.Fatalf("got %s n=%d %v", p.Name, p.N(), p.Metric)
			}
			for pair, want := range tspHandMatrix {
				i, j := pair[0]-1, pair[1]-1
				if p.Dist(i, j) != want || p.Dist(j, i) != want {
					t.Errorf("d(%d,%d) = %v / %v, want %v", pair[0], pair[1], p.Dist(i, j), p.Dist(j, i), want)
				}
			}
			for i := 0; i < 5; i++ {
				if p.Dist(i, i) != 0 {
					t.Errorf("d(%d,%d) = %v", i, i, p.Dist(i, i))
				}
			}
		})
	}
}

func TestReadTSPLIBCoordinateMetrics(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "tsp", "metrics.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	// Nodes A(0,0) B(3,4) C(10,0) D(1.5,0.4); distances worked out by hand from the
	// TSPLIB 95 formulas, in the order AB AC AD BC BD CD.
	cases := []struct {
		metric string
		want   [6]float64
	}{
		{"EUC_2D", [6]float64{5, 10, 2, 8, 4, 9}},  // √2.41=1.55, √65=8.06, √15.21=3.9, √72.41=8.51
		{"CEIL_2D", [6]float64{5, 10, 2, 9, 4, 9}}, // ceilings of the same
		{"ATT", [6]float64{2, 4, 1, 3, 2, 3}},      // √(d²/10) = 1.58, 3.16, 0.49, 2.55, 1.23, 2.69, rounded up when nint falls short
		{"MAN_2D", [6]float64{7, 10, 2, 11, 5, 9}}, // nint of 7, 10, 1.9, 11, 5.1, 8.9
		{"MAX_2D", [6]float64{4, 10, 2, 7, 4, 9}},  // max(nint|dx|, nint|dy|): nint 1.5 = 2, nint 3.6 = 4, nint 8.5 = 9
		{"EUCLIDEAN", [6]float64{5, 10, math.Sqrt(2.25 + 0.4*0.4), math.Sqrt(65), math.Sqrt(1.5*1.5 + 3.6*3.6), math.Sqrt(8.5*8.5 + 0.4*0.4)}},
	}
	pairs := [6][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}
	for _, tc := range cases {
		t.Run(tc.metric, func(t *testing.T) {
			text := strings.Replace(string(src), "EDGE_WEIGHT_TYPE: ATT", "EDGE_WEIGHT_TYPE: "+tc.metric, 1)
			p, err := ReadTSPLIB(strings.NewReader(text), "metrics.tsp")
			if err != nil {
				t.Fatal(err)
			}
			if p.Metric.String() != tc.metric {
				t.Fatalf("metric %v", p.Metric)
			}
			for k, pr := range pairs {
				if got := p.Dist(pr[0], pr[1]); math.Abs(got-tc.want[k]) > 1e-12 {
					t.Errorf("d(%c,%c) = %v, want %v", 'A'+pr[0], 'A'+pr[1], got, tc.want[k])
				}
			}
		})
	}
}

func TestReadTSPLIBHeaderVariants(t *testing.T) {
	body := "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 0\n"
	for _, head := range []string{
		"NAME: tri\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n",
		"NAME : tri\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\n",
		"NAME:tri\nTYPE:TSP\nDIMENSION:3\nEDGE_WEIGHT_TYPE:EUC_2D\n",
		"name :tri\ntype: tsp\ndimension :   3  \nedge_weight_type: euc_2d\n",
		"\n\n  NAME\t:\ttri  \r\nTYPE: TSP\r\nDIMENSION: 3\r\nEDGE_WEIGHT_TYPE: EUC_2D\r\nEDGE_WEIGHT_FORMAT: FUNCTION\r\n",
	} {
		for _, tail := range []string{"", "EOF\n", "EOF", "EOF\ngarbage after EOF is ignored\n"} {
			p, err := ReadTSPLIB(strings.NewReader(head+body+tail), "tri.tsp")
			if err != nil {
				t.Fatalf("%q: %v", head+body+tail, err)
			}
			if p.Name != "tri" || p.N() != 3 || p.Metric != Euc2D || p.Dist(0, 1) != 5 || p.Dist(0, 2) != 6 {
				t.Fatalf("%q: got %s n=%d %v", head+tail, p.Name, p.N(), p.Metric)
			}
		}
	}
	// Without NAME the file name gives the instance name; COMMENT lines accumulate.
	p, err := ReadTSPLIB(strings.NewReader("COMMENT: a\nCOMMENT: b\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n"+body), "dir/tri3.tsp")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "tri3" || p.Comment != "a\nb" {
		t.Fatalf("name %q comment %q", p.Name, p.Comment)
	}
	// Node records may come in any order.
	p, err = ReadTSPLIB(strings.NewReader("DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n3 6 0\n1 0 0\n2 3 4\n"), "x.tsp")
	if err != nil {
		t.Fatal(err)
	}
	if p.X[0] != 0 || p.X[1] != 3 || p.X[2] != 6 || p.Y[1] != 4 {
		t.Fatalf("coordinates %v %v", p.X, p.Y)
	}
}

func TestWriteTSPLIBRoundTrip(t *testing.T) {
	uni, err := GenerateUniform(50, 3)
	if err != nil {
		t.Fatal(err)
	}
	uni.Comment = "two\nlines"
	explicit, err := LoadTSPLIB(filepath.Join("testdata", "tsp", "full5.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	insts := []*TSP{uni, explicit}
	for _, m := range []Metric{Euc2D, Ceil2D, Att, Geo, Man2D, Max2D} {
		p, err := NewCoordTSP("m-"+m.String(), m, []float64{0.5, 12.75, -3.3, 1e6 / 3}, []float64{1, 2.5, 7, 0.1})
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, p)
	}
	for _, p := range insts {
		t.Run(p.Name, func(t *testing.T) {
			var buf strings.Builder
			if err := WriteTSPLIB(&buf, p); err != nil {
				t.Fatal(err)
			}
			q, err := ReadTSPLIB(strings.NewReader(buf.String()), "rt.tsp")
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if q.Name != p.Name || q.Metric != p.Metric || q.N() != p.N() || q.Comment != p.Comment {
				t.Fatalf("got %s %v n=%d", q.Name, q.Metric, q.N())
			}
			for i := 0; i < p.N(); i++ {
				if p.HasCoords() && (q.X[i] != p.X[i] || q.Y[i] != p.Y[i]) {
					t.Fatalf("node %d: (%v,%v) became (%v,%v)", i, p.X[i], p.Y[i], q.X[i], q.Y[i])
				}
				for j := 0; j < p.N(); j++ {
					if q.Dist(i, j) != p.Dist(i, j) {
						t.Fatalf("d(%d,%d) %v became %v", i, j, p.Dist(i, j), q.Dist(i, j))
					}
				}
			}
		})
	}
	if err := WriteTSPLIB(io.Discard, nil); !errors.Is(err, ErrInvalidInstance) {
		t.Fatalf("nil instance: %v", err)
	}
}

// tspAllocBytes is the heap allocated while f runs.
func tspAllocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReadTSPLIBBadInput(t *testing.T) {
	const coordHead = "NAME: bad\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
	const matHead = "NAME: bad\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: %s\nEDGE_WEIGHT_SECTION\n"
	mat := func(format, data string) string { return strings.Replace(matHead, "%s", format, 1) + data }
	cases := []struct {
		name, in, want string // want: "line: message fragment"
	}{
		{"empty", "", "1: empty input"},
		{"blank", "\n\n  \n", "4: empty input"},
		{"truncated coords", coordHead + "1 0 0\n2 1 1\n3 2", "8: node 3: missing y coordinate"},
		{"truncated nodes", coordHead + "1 0 0\n2 1 1\n", "8: NODE_COORD_SECTION ends after 2 of 4 nodes"},
		{"fewer nodes than DIMENSION", coordHead + "1 0 0\n2 1 1\n3 2 2\nEOF\n", "9: NODE_COORD_SECTION has 3 nodes but DIMENSION is 4"},
		{"more nodes than DIMENSION", coordHead + "1 0 0\n2 1 1\n3 2 2\n4 3 3\n5 4 4\n", "10: unexpected number \"5\": more data than DIMENSION 4?"},
		{"non-numeric coordinate", coordHead + "1 0 0\n2 abc 1\n", "7: node 2: x coordinate: \"abc\" is not a number within ±1e+15"},
		{"NaN", coordHead + "1 0 NaN\n", "6: node 1: y coordinate: \"NaN\" is not a number within ±1e+15"},
		{"Inf", coordHead + "1 -Inf 0\n", "6: node 1: x coordinate: \"-Inf\" is not a number within ±1e+15"},
		{"overflow", coordHead + "1 1e400 0\n", "6: node 1: x coordinate: \"1e400\" is not a number within ±1e+15"},
		{"non-integer id", coordHead + "1.5 0 0\n", "6: node id \"1.5\" is not an integer"},
		{"id out of range", coordHead + "1 0 0\n9 0 0\n", "7: node id 9 out of range 1…4"},
		{"duplicate id", coordHead + "2 0 0\n1 1 1\n2 2 2\n3 3 3\n", "8: node 2 listed twice (first at line 6)"},
		{"huge DIMENSION", "DIMENSION: 1000000000000\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n", "1: DIMENSION 1000000000000: need 3 to 10000000 nodes"},
		{"large DIMENSION", "DIMENSION: 9000000\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\n4 3 3\n5 4 4\n6 5 5\n7 6 6\n", "11: NODE_COORD_SECTION ends after 7 of 9000000 nodes"},
		{"large explicit DIMENSION", "DIMENSION: 10000000\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3\n", "6: EDGE_WEIGHT_SECTION ends after 3 of the 49999995000000 entries UPPER_ROW needs"},
		{"coordinate beyond 1e15", coordHead + "1 0 1e16\n", "6: node 1: y coordinate: \"1e16\" is not a number within ±1e+15"},
		{"entry beyond 1e15", mat("UPPER_ROW", "1 1e308 3\n"), "7: matrix entry: \"1e308\" is not a number within ±1e+15"},
		{"DIMENSION not a number", "DIMENSION: many\n", "1: DIMENSION \"many\" is not an integer"},
		{"n < 3", "DIMENSION: 2\n", "1: DIMENSION 2: need 3 to 10000000 nodes"},
		{"DIMENSION twice", "DIMENSION: 3\nDIMENSION: 4\n", "2: DIMENSION given twice (first at line 1)"},
		{"no DIMENSION", "NAME: x\nEDGE_WEIGHT_TYPE: EUC_2D\n", "3: no DIMENSION"},
		{"section before DIMENSION", "EDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n", "2: NODE_COORD_SECTION before DIMENSION"},
		{"no EDGE_WEIGHT_TYPE", "DIMENSION: 3\nNODE_COORD_SECTION\n1 0 0\n2 0 1\n3 1 0\n", "6: no EDGE_WEIGHT_TYPE"},
		{"missing NODE_COORD_SECTION", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nEOF\n", "3: EDGE_WEIGHT_TYPE EUC_2D but no NODE_COORD_SECTION"},
		{"missing EDGE_WEIGHT_SECTION", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n", "4: EDGE_WEIGHT_TYPE EXPLICIT but no EDGE_WEIGHT_SECTION"},
		{"unknown EDGE_WEIGHT_TYPE", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_3D\n", "2: unknown or unsupported EDGE_WEIGHT_TYPE \"EUC_3D\""},
		{"XRAY", "EDGE_WEIGHT_TYPE: XRAY1\n", "1: unknown or unsupported EDGE_WEIGHT_TYPE \"XRAY1\""},
		{"unknown EDGE_WEIGHT_FORMAT", "EDGE_WEIGHT_FORMAT: DIAGONAL\n", "1: unknown or unsupported EDGE_WEIGHT_FORMAT \"DIAGONAL\""},
		{"no EDGE_WEIGHT_FORMAT", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1 2 3\n", "3: EDGE_WEIGHT_SECTION before EDGE_WEIGHT_FORMAT"},
		{"matrix with coordinate type", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nEDGE_WEIGHT_SECTION\n1 2 3\n", "3: EDGE_WEIGHT_SECTION with EDGE_WEIGHT_TYPE EUC_2D"},
		{"ATSP", "TYPE: ATSP\n", "1: TYPE \"ATSP\" is not supported"},
		{"CVRP", "NAME: x\nCAPACITY: 100\n", "2: CAPACITY is not supported"},
		{"3-D coordinates", "NODE_COORD_TYPE: THREED_COORDS\n", "1: NODE_COORD_TYPE \"THREED_COORDS\" is not supported"},
		{"unknown keyword", "NAME: x\nFOO: bar\n", "2: unknown keyword \"FOO\""},
		{"lone colon", "NAME: x\n: bar\n", "2: ':' without a keyword"},
		{"long token", "NAME: x\n" + strings.Repeat("A", 5000) + "\n", "2: token \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"… longer than 4096 bytes"},
		{"long line", "COMMENT: " + strings.Repeat("c", 70000) + "\n", "1: line longer than 65536 bytes"},
		{"asymmetric full matrix", mat("FULL_MATRIX", "0 1 2\n1 0 3\n2 4 0\n"), "6: FULL_MATRIX is not symmetric: d(2,3) = 3 but d(3,2) = 4"},
		{"short matrix", mat("UPPER_ROW", "1 2\n"), "8: EDGE_WEIGHT_SECTION ends after 2 of the 3 entries UPPER_ROW needs for DIMENSION 3"},
		{"matrix cut by keyword", mat("LOWER_DIAG_ROW", "0\n1 0\nEOF\n"), "9: EDGE_WEIGHT_SECTION ends after 3 of the 6 entries"},
		{"matrix too long", mat("UPPER_ROW", "1 2 3 4\n"), "7: unexpected number \"4\": more data than DIMENSION 3?"},
		{"negative entry", mat("UPPER_ROW", "1 -2 3\n"), "7: matrix entry -2 is negative"},
		{"NaN entry", mat("UPPER_ROW", "1 nan 3\n"), "7: matrix entry: \"nan\" is not a number within ±1e+15"},
		{"text entry", mat("UPPER_ROW", "1 x 3\n"), "7: matrix entry: \"x\" is not a number within ±1e+15"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p *TSP
			var err error
			alloc := tspAllocBytes(func() { p, err = ReadTSPLIB(strings.NewReader(tc.in), "bad.tsp") })
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !errors.Is(err, ErrInvalidInstance) {
				t.Errorf("%v does not wrap ErrInvalidInstance", err)
			}
			if want := "bad.tsp:" + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q\nwant prefix %q", err, want)
			}
			if alloc > 4<<20 {
				t.Errorf("allocated %d bytes for a %d-byte input", alloc, len(tc.in))
			}
		})
	}
}

func TestReadTSPLIBReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("NAME: x\nDIMENSION: 3\n"), iotest.ErrReader(boom))
	_, err := ReadTSPLIB(r, "x.tsp")
	if !errors.Is(err, boom) || errors.Is(err, ErrInvalidInstance) {
		t.Fatalf("got %v, want the read error", err)
	}
	if !strings.HasPrefix(err.Error(), "x.tsp:3: read: disk on fire") {
		t.Fatalf("message %q", err)
	}
}

func FuzzReadTSPLIB(f *testing.F) {
	for _, file := range []string{"full5", "upper_row5", "lower_row5", "upper_diag_row5", "lower_diag_row5",
		"upper_col5", "lower_col5", "upper_diag_col5", "lower_diag_col5", "metrics"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tsp", file+".tsp"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"DIMENSION: 3\nEDGE_WEIGHT_TYPE: GEO\nNODE_COORD_SECTION\n1 16.47 96.10\n2 16.47 94.44\n3 20.09 92.54\nEOF\n",
		"DIMENSION: 3\nEDGE_WEIGHT_TYPE: EUCLIDEAN\nNODE_COORD_SECTION\n3 0.5 0.5\n1 0 0\n2 1 1\n",
		"DIMENSION: 1000000000000\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n",
		"DIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2 3 1 0 4 5 2 4 0 6 3 5 6 0\n",
		"DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 4 0\n",
		"TYPE: ATSP\n", ": x\n", "NODE_COORD_SECTION\n", "DIMENSION: 3\nDIMENSION: 3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadTSPLIB(bytes.NewReader(data), "fuzz.tsp")
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), "fuzz.tsp:") {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if p.N() < 3 {
			t.Fatalf("accepted n = %d", p.N())
		}
		// Whatever was accepted must survive a write and a re-read unchanged.
		var buf bytes.Buffer
		if err := WriteTSPLIB(&buf, p); err != nil {
			t.Fatal(err)
		}
		q, err := ReadTSPLIB(&buf, "rt.tsp")
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if q.N() != p.N() || q.Metric != p.Metric {
			t.Fatalf("round trip changed the instance")
		}
		for i := 0; i < min(p.N(), 8); i++ {
			for j := 0; j < min(p.N(), 8); j++ {
				if a, b := p.Dist(i, j), q.Dist(i, j); a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
					t.Fatalf("d(%d,%d): %v became %v", i, j, a, b)
				}
			}
		}
	})
}

func BenchmarkReadTSPLIBPla85900(b *testing.B) {
	path := datadirtest.Path(b, "tsplib", "pla85900.tsp")
	for b.Loop() {
		if _, err := LoadTSPLIB(path); err != nil {
			b.Fatal(err)
		}
	}
}
