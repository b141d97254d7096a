package benchmarks

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// TestTSPLIBOptimaComeOutExactly solves the small TSPLIB instances of every metric
// and matrix format and compares the tour length with the published optimum. A
// length below the optimum would expose a wrong distance function; one above it, a
// solver that misses easy optima. Larger instances only check the first.
func TestTSPLIBOptimaComeOutExactly(t *testing.T) {
	dir := datadirtest.ForTest(t)
	cases := []struct {
		name  string
		exact bool
	}{
		{"burma14", true}, {"ulysses16", true}, {"gr17", true}, {"gr21", true}, {"ulysses22", true},
		{"gr24", true}, {"fri26", true}, {"bayg29", true}, {"bays29", true}, {"dantzig42", true},
		{"swiss42", true}, {"gr48", true}, {"hk48", true}, {"brazil58", true},
		{"gr96", false}, {"gr120", false}, {"gr137", false}, {"si175", false}, {"brg180", false},
	}
	// An iteration budget, not a time limit, so the test says the same on a
	// loaded machine and under the race detector.
	const iterations = 3000
	if testing.Short() {
		cases = cases[:5]
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "tsplib", c.name+".tsp")
			opt, ok := instances.TSPLIBOptimum(c.name)
			if !ok {
				t.Fatalf("no published optimum for %s", c.name)
			}
			out, err := Run(context.Background(), Task{
				Source: Source{Path: path}, Config: Config{Name: "default", Solver: "tsp", TSP: &TSPOptions{Iterations: iterations}},
				Seed: 1, Threads: 1, DataDir: dir,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := *out.Envelope.Objective
			if got < opt {
				t.Fatalf("%s: tour of length %v is shorter than the published optimum %v: the distance function is wrong", c.name, got, opt)
			}
			t.Logf("%s: length %v, optimum %v, %s", c.name, got, opt, out.Envelope.StopReason)
			if c.exact && got != opt {
				t.Errorf("%s: length %v, published optimum %v", c.name, got, opt)
			}
			if out.Envelope.ReferenceKind == nil || *out.Envelope.ReferenceKind != "optimal" || *out.Envelope.Reference != opt {
				t.Errorf("%s: reference %v, want the optimum %v", c.name, out.Envelope.Reference, opt)
			}
		})
	}
}
