//go:build unix

package jssp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/cpuclock"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/mcts"
	"github.com/cosolve/cosolve/solvers"
)

// cpuContext is cancelled once the process has used limit more CPU time; it
// bounds phases that take no clock of their own (the improvement).
func cpuContext(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	clock := cpuclock.Since()
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if clock() >= limit {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// longInstance loads ft10, taNN, dmuNN or a Da Col & Teppan tai_jJ_mM_k.
func longInstance(t *testing.T, name string) *instances.JobShop {
	t.Helper()
	var rel string
	switch {
	case strings.HasPrefix(name, "dmu"):
		rel = filepath.Join("scheduleopt", "instances", "text", "DemirkolMehtaUzsoy1998", name+".txt")
	case strings.HasPrefix(name, "tai_"):
		rel = filepath.Join("tassel_e2e", "instances_run", name+".data")
	default:
		return loadNamed(t, name)
	}
	js, err := instances.LoadJobShop(datadirtest.Path(t, "jssp", rel), 0)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// longReference is the best-known makespan (bks.json keys Da Col & Teppan
// instances as tai_J_M_k).
func longReference(t *testing.T, name string) float64 {
	key := strings.Replace(strings.Replace(name, "tai_j", "tai_", 1), "_m", "_", 1)
	ref, ok := instances.JobShopReference(datadirtest.ForTest(t), key)
	if !ok {
		t.Fatalf("%s: no reference", name)
	}
	return ref.Value
}

// longNames expands COSOLVE_LONG_INSTANCES (comma-separated names or ranges
// such as ta01-ta80, dmu01-dmu80) or returns def.
func longNames(t *testing.T, def string) []string {
	spec := os.Getenv("COSOLVE_LONG_INSTANCES")
	if spec == "" {
		spec = def
	}
	var names []string
	for _, f := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(f, "-")
		if !isRange {
			names = append(names, f)
			continue
		}
		prefix := strings.TrimRight(lo, "0123456789")
		a, err1 := strconv.Atoi(lo[len(prefix):])
		b, err2 := strconv.Atoi(strings.TrimPrefix(hi, prefix))
		if err1 != nil || err2 != nil {
			t.Fatalf("bad range %q", f)
		}
		for i := a; i <= b; i++ {
			names = append(names, fmt.Sprintf("%s%02d", prefix, i))
		}
	}
	return names
}

func envInt(t *testing.T, key string, def int) int {
	if v := os.Getenv(key); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", key, v, err)
		}
		return n
	}
	return def
}

func envFloat(t *testing.T, key string, def float64) float64 {
	if v := os.Getenv(key); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", key, v, err)
		}
		return x
	}
	return def
}

// mctsFromEnv reads the MCTS settings under test from COSOLVE_MCTS_*
// (EXPLORATION, BACKUP=max|mean, TEMPERATURE, GREEDY=1, ROLLOUT=<rule> or
// "policy" for the priors' policy, SIMULATIONS), defaulting to the zero
// value.
func mctsFromEnv(t *testing.T) MCTSSettings {
	m := MCTSSettings{
		Exploration:        envFloat(t, "COSOLVE_MCTS_EXPLORATION", 0),
		RolloutTemperature: envFloat(t, "COSOLVE_MCTS_TEMPERATURE", 0),
		GreedyRollouts:     os.Getenv("COSOLVE_MCTS_GREEDY") == "1",
		Simulations:        envInt(t, "COSOLVE_MCTS_SIMULATIONS", 0),
	}
	if os.Getenv("COSOLVE_MCTS_BACKUP") == "mean" {
		m.Backup = mcts.Mean
	}
	if v := os.Getenv("COSOLVE_MCTS_ROLLOUT"); v != "" && v != "policy" {
		r, ok := ParseRule(v)
		if !ok {
			t.Fatalf("unknown rule %q", v)
		}
		m.Rollout = r
	}
	return m
}

// sizeClass names an instance's family and size, e.g. "ta 15×15".
func sizeClass(name string, js *instances.JobShop) string {
	family := strings.TrimRight(name, "0123456789")
	if family == "dmu" {
		// DMU 41–80 are the harder half (two-stage machine routes).
		if n, _ := strconv.Atoi(name[3:]); n > 40 {
			family = "dmu41+"
		}
	}
	return fmt.Sprintf("%s %d×%d", family, js.NumJobs(), js.Machines)
}

type classSum struct {
	n            int
	gapA, gapB   float64
	cpuA, cpuB   float64
	winsB, tiesB int
	order        int
}

// TestLongMCTSConstruction is acceptance 2 of the MCTS issue: for each
// instance, best-of-K sampling with the authors' policy (K =
// COSOLVE_LONG_K, default 128) on one thread, then Method MCTS construction
// (no improvement) with the authors' policy given the same process CPU time,
// measured on the CPU clock. It prints per-class mean gaps to the best known.
// COSOLVE_LONG=1 runs it; COSOLVE_LONG_INSTANCES picks instances (default
// ft10,ta01-ta80,dmu01-dmu80), COSOLVE_LONG_SEED the seed (default 1),
// COSOLVE_MCTS_* the MCTS settings (see mctsFromEnv), COSOLVE_MCTS_PRIOR a
// rule to take the priors from instead of the authors' policy.
func TestLongMCTSConstruction(t *testing.T) {
	if os.Getenv("COSOLVE_LONG") != "1" {
		t.Skip("set COSOLVE_LONG=1 to run the construction comparison")
	}
	net := loadAuthorsNetwork(t)
	p := &NetworkPolicy{Net: net}
	var prior Policy = p
	if v := os.Getenv("COSOLVE_MCTS_PRIOR"); v != "" {
		r, ok := ParseRule(v)
		if !ok {
			t.Fatalf("unknown rule %q", v)
		}
		prior = r
	}
	k := envInt(t, "COSOLVE_LONG_K", 128)
	seed := uint64(envInt(t, "COSOLVE_LONG_SEED", 1))
	m := mctsFromEnv(t)
	if os.Getenv("COSOLVE_MCTS_ROLLOUT") == "policy" {
		m.Rollout = p
	}
	classes := map[string]*classSum{}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| instance | best known | best-of-%d | MCTS | cpu s b%d | cpu s MCTS | simulations |\n|---|---|---|---|---|---|---|\n", k, k)
	for i, name := range longNames(t, "ft10,ta01-ta80,dmu01-dmu80") {
		js := longInstance(t, name)
		ref := longReference(t, name)
		clock := cpuclock.Since()
		resK, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Threads: 1, Seed: seed}, Policy: p, Samples: k, Method: Dispatch})
		if err != nil {
			t.Fatal(err)
		}
		cpuK := clock()
		clock = cpuclock.Since()
		resM, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Threads: 1, Seed: seed}, Policy: prior, Method: MCTS, MCTS: m, clock: clock, clockLimit: cpuK})
		if err != nil {
			t.Fatal(err)
		}
		cpuM := clock()
		gapK := 100 * (resK.Objective - ref) / ref
		gapM := 100 * (resM.Objective - ref) / ref
		cl := sizeClass(name, js)
		c := classes[cl]
		if c == nil {
			c = &classSum{order: i}
			classes[cl] = c
		}
		c.n++
		c.gapA += gapK
		c.gapB += gapM
		c.cpuA += cpuK.Seconds()
		c.cpuB += cpuM.Seconds()
		switch {
		case resM.Objective < resK.Objective:
			c.winsB++
		case resM.Objective == resK.Objective:
			c.tiesB++
		}
		fmt.Fprintf(&sb, "| %s | %.0f | %.0f (%.2f) | %.0f (%.2f) | %.2f | %.2f | %d |\n", name, ref, resK.Objective, gapK, resM.Objective, gapM, cpuK.Seconds(), cpuM.Seconds(), resM.Stats.MCTS.Simulations)
		t.Logf("%s: best-of-%d %.0f, MCTS %.0f (cpu %.2f / %.2f s)", name, k, resK.Objective, resM.Objective, cpuK.Seconds(), cpuM.Seconds())
	}
	keys := make([]string, 0, len(classes))
	for cl := range classes {
		keys = append(keys, cl)
	}
	slices.SortFunc(keys, func(a, b string) int { return classes[a].order - classes[b].order })
	fmt.Fprintf(&sb, "\n| class | n | best-of-%d gap %% | MCTS gap %% | MCTS better / equal | cpu s per run (b%d / MCTS) |\n|---|---|---|---|---|---|\n", k, k)
	for _, cl := range keys {
		c := classes[cl]
		n := float64(c.n)
		fmt.Fprintf(&sb, "| %s | %d | %.2f | %.2f | %d / %d | %.2f / %.2f |\n", cl, c.n, c.gapA/n, c.gapB/n, c.winsB, c.tiesB, c.cpuA/n, c.cpuB/n)
	}
	t.Logf("MCTS with priors from %s, settings %+v, seed %d, one thread, process CPU time:%s", prior.Name(), m, seed, sb.String())
}

// TestLongMCTSPipeline is acceptance 3 of the MCTS issue: on each instance,
// today's default (FDD/MWKR dispatching, then the portfolio) against MCTS
// construction with the authors' policy for a share of the time
// (COSOLVE_LONG_SHARES, default 0.2), then the portfolio, all at the same
// process CPU time (COSOLVE_LONG_LIMIT, default 60s), one thread, seed
// COSOLVE_LONG_SEED (default 1). Instances: COSOLVE_LONG_INSTANCES (default
// the ten 100×100 Da Col & Teppan and ta41–ta50). COSOLVE_LONG=1 runs it.
func TestLongMCTSPipeline(t *testing.T) {
	if os.Getenv("COSOLVE_LONG") != "1" {
		t.Skip("set COSOLVE_LONG=1 to run the pipeline comparison")
	}
	net := loadAuthorsNetwork(t)
	limit := 60 * time.Second
	if v := os.Getenv("COSOLVE_LONG_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		limit = d
	}
	shares := []float64{0.2}
	if v := os.Getenv("COSOLVE_LONG_SHARES"); v != "" {
		shares = nil
		for _, f := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			shares = append(shares, x)
		}
	}
	seed := uint64(envInt(t, "COSOLVE_LONG_SEED", 1))
	m := mctsFromEnv(t)
	def := "ta41-ta50"
	for k := 1; k <= 10; k++ {
		def = fmt.Sprintf("tai_j100_m100_%d,", k) + def
	}
	type agg struct{ start, final, cpu float64 }
	names := longNames(t, def)
	configs := []string{"fdd-mwkr + portfolio"}
	for _, sh := range shares {
		configs = append(configs, fmt.Sprintf("mcts %.2f + portfolio", sh))
	}
	sums := map[string]map[string]*agg{} // class → config → sums
	counts := map[string]int{}
	var order []string
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| instance | best known | config | start (gap %%) | final (gap %%) | cpu s |\n|---|---|---|---|---|---|\n")
	for _, name := range names {
		js := longInstance(t, name)
		ref := longReference(t, name)
		cl := sizeClass(name, js)
		if sums[cl] == nil {
			sums[cl] = map[string]*agg{}
			order = append(order, cl)
		}
		counts[cl]++
		for ci, cfg := range configs {
			s := Settings{Limits: solvers.Limits{Threads: 1, Seed: seed, TimeLimit: 20 * limit}, Method: Portfolio}
			if ci > 0 {
				s.Method, s.Policy, s.MCTS, s.DispatchShare = MCTS, &NetworkPolicy{Net: net}, m, shares[ci-1]
			}
			ctx, cancel := cpuContext(context.Background(), limit)
			s.clock, s.clockLimit = cpuclock.Since(), limit
			res, err := Solve(ctx, js, s)
			cpu := s.clock()
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			a := sums[cl][cfg]
			if a == nil {
				a = &agg{}
				sums[cl][cfg] = a
			}
			gs := 100 * (float64(res.Stats.DispatchMakespan) - ref) / ref
			gf := 100 * (res.Objective - ref) / ref
			a.start += gs
			a.final += gf
			a.cpu += cpu.Seconds()
			fmt.Fprintf(&sb, "| %s | %.0f | %s | %d (%.2f) | %.0f (%.2f) | %.1f |\n", name, ref, cfg, res.Stats.DispatchMakespan, gs, res.Objective, gf, cpu.Seconds())
			t.Logf("%s %s: start %d (%.2f %%) → %.0f (%.2f %%), cpu %.1f s", name, cfg, res.Stats.DispatchMakespan, gs, res.Objective, gf, cpu.Seconds())
		}
	}
	fmt.Fprintf(&sb, "\n| class | n | config | start gap %% | final gap %% | cpu s |\n|---|---|---|---|---|---|\n")
	for _, cl := range order {
		n := float64(counts[cl])
		for _, cfg := range configs {
			a := sums[cl][cfg]
			fmt.Fprintf(&sb, "| %s | %d | %s | %.2f | %.2f | %.1f |\n", cl, counts[cl], cfg, a.start/n, a.final/n, a.cpu/n)
		}
	}
	t.Logf("limit %v process CPU per run, one thread, seed %d, MCTS settings %+v:%s", limit, seed, m, sb.String())
}
