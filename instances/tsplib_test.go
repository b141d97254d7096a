package instances

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/cosolve/cosolve/internal/datadir"
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
}

func TestReadTSPLIBShipped(t *testing.T) {
	dir := datadir.Path(t, "tsplib")
	for _, tc := range tsplibShipped {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.n > 20000 {
				t.Skip("large instance skipped in -short mode")
			}
			start := time.Now()
			p, err := LoadTSPLIB(filepath.Join(dir, tc.name+".tsp"))
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("parse took %v", el)
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
	p, err := LoadTSPLIB(datadir.Path(t, "tsplib", "gr666.tsp"))
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
