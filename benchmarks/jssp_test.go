package benchmarks

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers/jssp"
)

func jsspTask(dir, path string, opts JSSPOptions) Task {
	return Task{
		Source:  Source{Path: path},
		Config:  Config{Name: "t", Solver: "jssp", JSSP: &opts},
		Seed:    1,
		Threads: 1,
		DataDir: dir,
	}
}

func TestJSSPAdapter(t *testing.T) {
	dir := datadirtest.ForTest(t)
	ft06 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft06")
	out, err := Run(context.Background(), jsspTask(dir, ft06, JSSPOptions{Policy: "mwkr"}))
	if err != nil {
		t.Fatal(err)
	}
	e := out.Envelope
	if e.Kind != "jssp" || e.Objective == nil || e.Reference == nil || *e.Reference != 55 || e.GapPct == nil || len(e.Starts) != 6 {
		t.Fatalf("envelope %+v", e)
	}
	js := out.Instance.(*instances.JobShop)
	if ms, err := instances.CheckSchedule(js, e.Starts); err != nil || float64(ms) != *e.Objective {
		t.Errorf("starts: makespan %d, %v; objective %v", ms, err, *e.Objective)
	}
	if *e.Bound > *e.Objective || *e.Bound > 55 {
		t.Errorf("bound %v above objective %v or the optimum", *e.Bound, *e.Objective)
	}

	// The authors' weights straight from the state dict, sampled.
	weights := "$DATA/jssp/tassel_e2e/pretrained/checkpoint_model_state_dict.json"
	a, err := Run(context.Background(), jsspTask(dir, ft06, JSSPOptions{Policy: weights, Samples: 8}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), jsspTask(dir, ft06, JSSPOptions{Policy: weights, Samples: 8}))
	if err != nil {
		t.Fatal(err)
	}
	if *a.Envelope.Objective != *b.Envelope.Objective || a.Envelope.Stats.(jssp.Stats).Rollouts != 8 {
		t.Errorf("same seed gave %v and %v; stats %v", *a.Envelope.Objective, *b.Envelope.Objective, a.Envelope.Stats)
	}

	// A Taillard instance from its generator.
	gen := Task{Source: Source{Generator: "taillard", Name: "ta01"}, Config: Config{Solver: "jssp", JSSP: &JSSPOptions{Policy: "spt"}}, DataDir: dir}
	g, err := Run(context.Background(), gen)
	if err != nil {
		t.Fatal(err)
	}
	if *g.Envelope.Objective != 1462 { // measured_pdr_SPT of ta01
		t.Errorf("generated ta01 with SPT: %v, want 1462", *g.Envelope.Objective)
	}
}

func TestJSSPAdapterBadInput(t *testing.T) {
	dir := datadirtest.ForTest(t)
	ft06 := filepath.Join(dir, "jssp", "jsplib", "instances", "ft06")
	for name, task := range map[string]Task{
		"negative samples":   jsspTask(dir, ft06, JSSPOptions{Samples: -1}),
		"sampling a rule":    jsspTask(dir, ft06, JSSPOptions{Policy: "spt", Samples: 4}),
		"unknown policy":     jsspTask(dir, ft06, JSSPOptions{Policy: "nosuch"}),
		"policy not a model": jsspTask(dir, ft06, JSSPOptions{Policy: ft06}),
		"missing instance":   jsspTask(dir, filepath.Join(dir, "nosuch.txt"), JSSPOptions{}),
		"rollout, no mcts":   jsspTask(dir, ft06, JSSPOptions{MCTSRollout: "policy"}),
		"unknown rollout":    jsspTask(dir, ft06, JSSPOptions{Method: "mcts", MCTSRollout: "nosuch"}),
		"random 0 jobs":      {Source: Source{Generator: "random"}, Config: Config{Solver: "jssp"}},
	} {
		if _, err := Run(context.Background(), task); !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: %v, want ErrBadInput", name, err)
		}
	}
}
