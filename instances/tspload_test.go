package instances

import (
	"errors"
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTSPDetectsFormat(t *testing.T) {
	cases := []struct {
		name, in string
		index    int
		wantName string
		wantN    int
		tour     bool
		err      string
	}{
		{"TSPLIB", "NAME: tri\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 0\n", 0, "tri", 3, false, ""},
		{"TSPLIB after blank lines", "\n\n  \nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 0\n", 0, "in", 3, false, ""},
		{"TSPLIB error line after blank lines", "\n\nDIMENSION: x\n", 0, "", 0, false, "in.tsp:3: DIMENSION \"x\" is not an integer"},
		{"TSPLIB index", "NAME: tri\n", 2, "", 0, false, "in.tsp:1: index 2: a TSPLIB file holds one instance (index must be 0)"},
		{"line format", "0 0 1 0 1 1 output 1 2 3 1\n.5 .5 -1 0 +2 1\n", 1, "in#1", 3, false, ""},
		{"line format with tour", "\n0 0 1 0 1 1 output 1 2 3 1\n", 0, "in#0", 3, true, ""},
		{"line format error line", "\n\n0 0 1 0 1\n", 0, "", 0, false, "in.tsp:3: odd number of coordinates"},
		{"empty", " \n\t\n", 0, "", 0, false, "in.tsp:3: empty input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, tour, err := ReadTSP(strings.NewReader(tc.in), "in.tsp", tc.index)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || !errors.Is(err, ErrInvalidInstance) {
					t.Fatalf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tc.wantName || p.N() != tc.wantN || (tour != nil) != tc.tour {
				t.Fatalf("got %s n=%d tour %v", p.Name, p.N(), tour)
			}
		})
	}
	if _, _, err := LoadTSP(filepath.Join(t.TempDir(), "absent.tsp"), 0); err == nil {
		t.Fatal("missing file accepted")
	}
}

func ExampleLoadTSP() {
	// Instance 1 of a line-format file (TSP-500/1000/10000 style), checked
	// against the tour stored with it.
	p, tour, err := LoadTSP(filepath.Join("testdata", "tsp", "three.txt"), 1)
	if err != nil {
		log.Fatal(err)
	}
	length, err := CheckTour(p, tour)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d nodes, %v metric, stored tour %v of length %.6f\n", p.Name, p.N(), p.Metric, tour, length)

	// A TSPLIB file, and a tour that is not a permutation.
	q, _, err := LoadTSP(filepath.Join("testdata", "tsp", "metrics.tsp"), 0)
	if err != nil {
		log.Fatal(err)
	}
	length, _ = CheckTour(q, []int{0, 3, 1, 2})
	fmt.Printf("%s: %d nodes, %v metric, tour length %v\n", q.Name, q.N(), q.Metric, length)
	_, err = CheckTour(q, []int{0, 3, 3, 2})
	var v *TourViolation
	if errors.As(err, &v) {
		fmt.Printf("%v (kind %v, node %d)\n", err, v.Kind, v.Node)
	}
	// Output:
	// three#1: 3 nodes, EUCLIDEAN metric, stored tour [2 0 1] of length 1.008062
	// metrics: 4 nodes, ATT metric, tour length 10
	// invalid tour: node 4 at position 3 was already visited at position 2 (kind duplicate, node 3)
}
