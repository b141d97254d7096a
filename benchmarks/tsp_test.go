package benchmarks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestTSPAdapter(t *testing.T) {
	dir := datadirtest.ForTest(t)
	task := Task{
		Source:  Source{Path: datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt"), Index: 1},
		Config:  Config{Name: "c", Solver: "tsp", TSP: &TSPOptions{Iterations: 300}},
		Seed:    1,
		Threads: 1,
		DataDir: dir,
	}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	e := out.Envelope
	if e.Kind != "tsp" || e.Reference == nil || *e.Reference != 16.259207 || e.GapPct == nil || e.StopReason != "iteration-limit" {
		t.Errorf("envelope %+v", e)
	}
	l, err := instances.CheckTour(out.Instance.(*instances.TSP), e.Tour)
	if err != nil || l != *e.Objective {
		t.Errorf("tour length %v (%v), objective %v", l, err, *e.Objective)
	}
	// Generated instance, MCTS preset with SoftDist.
	task = Task{
		Source:  Source{Generator: "uniform", N: 200, GenSeed: 2},
		Config:  Config{Name: "p", Solver: "tsp", TSP: &TSPOptions{Preset: "pan-softdist-500", Iterations: 400}},
		Threads: 1,
	}
	if _, err := Run(context.Background(), task); err != nil {
		t.Fatal(err)
	}
}

func TestTSPAdapterBadInput(t *testing.T) {
	for _, opts := range []TSPOptions{
		{Preset: "nosuch", Iterations: 5},
		{Heatmap: "/nonexistent", Iterations: 5},
		{Iterations: -1},
		{},
	} {
		task := Task{Source: Source{Generator: "uniform", N: 50, GenSeed: 1}, Config: Config{Solver: "tsp", TSP: &opts}, Threads: 1}
		if _, err := Run(context.Background(), task); !errors.Is(err, ErrBadInput) {
			t.Errorf("%v: error %v, want ErrBadInput", opts, err)
		}
	}
	task := Task{Source: Source{Generator: "spiral", N: 50}, Config: Config{Solver: "tsp", TSP: &TSPOptions{Iterations: 5}}}
	if _, err := Run(context.Background(), task); !errors.Is(err, ErrBadInput) {
		t.Errorf("unknown generator: %v", err)
	}
}

// The default heatmap above 50,000 nodes and the default descent above
// 150,000 depend on the time limit, so a run must hand the limit to the
// settings (the search itself runs on the context's deadline). The run stops
// in Start, before any heatmap is built.
func TestTSPDefaultsSeeTheTimeLimit(t *testing.T) {
	stop := errors.New("stop before the search")
	for _, tc := range []struct {
		n     int
		limit time.Duration
		want  string
	}{
		{100000, 59 * time.Second, "heatmap gt-prior"},
		{100000, 60 * time.Second, "heatmap alpha"},
		{1000000, 99 * time.Second, "LK-style descent"},
		{1000000, 100 * time.Second, "chained 4-opt descent"},
	} {
		var settings string
		task := Task{
			Source:    Source{Generator: "uniform", N: tc.n, GenSeed: 1},
			Config:    Config{Name: "c", Solver: "tsp", TSP: &TSPOptions{}},
			TimeLimit: tc.limit,
			Threads:   1,
			Observer: &Observer{Start: func(info RunInfo) error {
				settings = info.Settings
				return stop
			}},
		}
		if _, err := Run(context.Background(), task); !errors.Is(err, stop) {
			t.Fatalf("n = %d, limit %v: error %v, want the one Start returned", tc.n, tc.limit, err)
		}
		if !strings.Contains(settings, tc.want) {
			t.Errorf("n = %d, limit %v: settings %q, want %q", tc.n, tc.limit, settings, tc.want)
		}
	}
}
