//go:build unix

package improve

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/cpuclock"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers"
)

// TestLongTable measures ft10 + ta01–ta10, seeds 1–3, one thread, a CPU-time
// limit per run (COSOLVE_LONG_LIMIT, default 10s), from an MWKR serial start,
// and prints the median makespan over seeds (COSOLVE_LONG_SEEDS, default 1,2,3)
// and the mean gap to the best known.
// It runs only with COSOLVE_LONG=1 (about 33 × the limit of CPU time, twice
// that with COSOLVE_LONG_COMPARE=1, which adds the search without the elite pool).
// COSOLVE_LONG_METHOD picks the method (default tabu), COSOLVE_LONG_INSTANCES a
// comma-separated subset.
func TestLongTable(t *testing.T) {
	if os.Getenv("COSOLVE_LONG") != "1" {
		t.Skip("set COSOLVE_LONG=1 to run the 10 s / 60 s table")
	}
	dir := datadirtest.ForTest(t)
	limit := 10 * time.Second
	if v := os.Getenv("COSOLVE_LONG_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		limit = d
	}
	method := Tabu
	if v := os.Getenv("COSOLVE_LONG_METHOD"); v != "" {
		m, ok := ParseMethod(v)
		if !ok {
			t.Fatalf("unknown method %q", v)
		}
		method = m
	}
	names := []string{"ft10", "ta01", "ta02", "ta03", "ta04", "ta05", "ta06", "ta07", "ta08", "ta09", "ta10"}
	if v := os.Getenv("COSOLVE_LONG_INSTANCES"); v != "" {
		names = strings.Split(v, ",")
	}
	seeds := []uint64{1, 2, 3}
	if v := os.Getenv("COSOLVE_LONG_SEEDS"); v != "" {
		seeds = nil
		for _, f := range strings.Split(v, ",") {
			var x uint64
			if _, err := fmt.Sscan(f, &x); err != nil {
				t.Fatalf("seed %q: %v", f, err)
			}
			seeds = append(seeds, x)
		}
	}
	// COSOLVE_LONG_STALL sets StallIterations (default: the Settings default).
	stall := 0
	if v := os.Getenv("COSOLVE_LONG_STALL"); v != "" {
		if _, err := fmt.Sscan(v, &stall); err != nil {
			t.Fatalf("COSOLVE_LONG_STALL %q: %v", v, err)
		}
	}
	// COSOLVE_LONG_POOL_RESET sets the runs without a new best after which
	// the elite pool is emptied down to its best member (-1: never, the
	// search before the pool's diversification with COSOLVE_LONG_DIVERSE=-1).
	poolReset := 0
	if v := os.Getenv("COSOLVE_LONG_POOL_RESET"); v != "" {
		if _, err := fmt.Sscan(v, &poolReset); err != nil {
			t.Fatalf("COSOLVE_LONG_POOL_RESET %q: %v", v, err)
		}
	}
	// COSOLVE_LONG_DIVERSE sets the tabu runs from random active schedules
	// at the start and after a pool reset (-1: none).
	diverse := 0
	if v := os.Getenv("COSOLVE_LONG_DIVERSE"); v != "" {
		if _, err := fmt.Sscan(v, &diverse); err != nil {
			t.Fatalf("COSOLVE_LONG_DIVERSE %q: %v", v, err)
		}
	}
	// COSOLVE_LONG_COMPARE=1 runs the search without the elite pool beside
	// the default, alternating on every instance and seed, so that both see the
	// same machine load.
	configs := []struct {
		name    string
		noElite bool
	}{{method.String(), false}}
	if os.Getenv("COSOLVE_LONG_COMPARE") == "1" {
		configs = append(configs, struct {
			name    string
			noElite bool
		}{method.String() + " no-elite", true})
	}
	type row struct {
		ms        []int
		cpu, wall time.Duration
	}
	rows := make([][]row, len(configs))
	for c := range rows {
		rows[c] = make([]row, len(names))
	}
	refs := make([]float64, len(names))
	starts := make([]int, len(names))
	for i, name := range names {
		js := loadNamed(t, name)
		ref, ok := instances.JobShopReferenceFor(dir, js)
		if !ok {
			t.Fatalf("%s: no reference", name)
		}
		refs[i] = ref.Value
		start := mwkrStart(js)
		starts[i], _ = instances.CheckSchedule(js, start)
		for _, seed := range seeds {
			for c, cf := range configs {
				clock := cpuclock.Since()
				w := time.Now()
				res, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{TimeLimit: limit, Seed: seed, Threads: 1}, Method: method, NoElite: cf.noElite, StallIterations: stall, poolReset: poolReset, diverseStarts: diverse, clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				r := &rows[c][i]
				r.cpu += clock()
				r.wall += time.Since(w)
				r.ms = append(r.ms, res.Solution.Makespan)
				t.Logf("%s %s seed %d: %d (iters %d, restarts %d, relinks %d, nodes %d)", name, cf.name, seed, res.Solution.Makespan, res.Stats.Iterations, res.Stats.Restarts, res.Stats.Relinks, res.Stats.Nodes)
			}
		}
	}
	for c, cf := range configs {
		var sb strings.Builder
		fmt.Fprintf(&sb, "\n| instance | BKS | start | makespans (seeds %v) | median | gap %% | cpu s | wall s |\n|---|---|---|---|---|---|---|---|\n", seeds)
		sum := 0.0
		for i, name := range names {
			r := rows[c][i]
			sorted := slices.Clone(r.ms)
			slices.Sort(sorted)
			med := sorted[len(sorted)/2]
			gap := 100 * (float64(med) - refs[i]) / refs[i]
			sum += gap
			fmt.Fprintf(&sb, "| %s | %.0f | %d | %v | %d | %.2f | %.1f | %.1f |\n", name, refs[i], starts[i], r.ms, med, gap, r.cpu.Seconds()/float64(len(seeds)), r.wall.Seconds()/float64(len(seeds)))
		}
		fmt.Fprintf(&sb, "| **mean gap** | | | | | **%.2f** | | |\n", math.Round(100*sum/float64(len(names)))/100)
		t.Logf("%s, CPU limit %v per run, 1 thread:%s", cf.name, limit, sb.String())
	}
}

// TestLongExactFT10 proves ft10's optimum (930) with the exact method and logs
// the time (COSOLVE_LONG=1; limit COSOLVE_LONG_EXACT_LIMIT, default 10m CPU).
func TestLongExactFT10(t *testing.T) {
	if os.Getenv("COSOLVE_LONG") != "1" {
		t.Skip("set COSOLVE_LONG=1 to run the ft10 proof")
	}
	limit := 10 * time.Minute
	if v := os.Getenv("COSOLVE_LONG_EXACT_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		limit = d
	}
	js := loadNamed(t, "ft10")
	clock := cpuclock.Since()
	w := time.Now()
	res, err := Run(context.Background(), js, mwkrStart(js), Settings{Limits: solvers.Limits{Threads: 1, TimeLimit: limit}, Method: Exact, clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ft10 exact: makespan %d bound %v status %v stop %v, %d nodes, cpu %.1fs wall %.1fs",
		res.Solution.Makespan, res.Bound, res.Status, res.StopReason, res.Stats.Nodes, clock().Seconds(), time.Since(w).Seconds())
}

// TestLongLarge runs the Da Col & Teppan 1000×10 and 100×100 instances
// (COSOLVE_LONG_LARGE, default tai_j1000_m10_1,tai_j100_m100_1) with the
// portfolio for COSOLVE_LONG_LIMIT of CPU time each and logs gaps.
func TestLongLarge(t *testing.T) {
	if os.Getenv("COSOLVE_LONG") != "1" {
		t.Skip("set COSOLVE_LONG=1 to run the large instances")
	}
	dir := datadirtest.ForTest(t)
	limit := 60 * time.Second
	if v := os.Getenv("COSOLVE_LONG_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		limit = d
	}
	names := []string{"tai_j1000_m10_1", "tai_j100_m100_1"}
	if v := os.Getenv("COSOLVE_LONG_LARGE"); v != "" {
		names = strings.Split(v, ",")
	}
	for _, name := range names {
		js, err := instances.LoadJobShop(datadirtest.Path(t, "jssp", "tassel_e2e", "instances_run", name+".data"), 0)
		if err != nil {
			t.Fatal(err)
		}
		start := mwkrStart(js)
		startMS, _ := instances.CheckSchedule(js, start)
		clock := cpuclock.Since()
		w := time.Now()
		res, err := Run(context.Background(), js, start, Settings{Limits: solvers.Limits{Threads: 1, TimeLimit: limit, Seed: 1}, clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := instances.JobShopReferenceFor(dir, js)
		t.Logf("%s (%s): start %d → %d, bound %v, reference %.0f, gap %.2f %%, %d iterations, %d LNS rounds, cpu %.1fs wall %.1fs",
			name, js.Name, startMS, res.Solution.Makespan, res.Bound, ref.Value, 100*(float64(res.Solution.Makespan)-ref.Value)/ref.Value,
			res.Stats.Iterations, res.Stats.Neighborhoods, clock().Seconds(), time.Since(w).Seconds())
	}
}
