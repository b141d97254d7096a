package benchmarks

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestRobustAdapter(t *testing.T) {
	task := Task{
		Source:    Source{Generator: "robust", Name: "RKP_SC_n20_R1000_H100_h40_dev0.2_d0.5", GenSeed: 3},
		Config:    Config{Name: "robust", Solver: "robust", Robust: &RobustOptions{Backend: "heuristic", Samples: 200}},
		Seed:      1,
		TimeLimit: 20 * time.Second,
	}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	e := out.Envelope
	k := out.Instance.(*instances.RobustKnapsack)
	if e.Kind != "robust-kp" || len(e.FirstStage) != k.N() || e.Objective == nil || e.Extra["backend"] != "heuristic" {
		t.Fatalf("envelope %+v", e)
	}
	// The objective is the exact worst case: it cannot exceed the nominal optimum.
	x := out.Solution.([]bool)
	nominal := 0.0
	for i := range x {
		if x[i] {
			nominal += k.Profit[i]
		}
	}
	if *e.Objective > nominal+1e-9 {
		t.Fatalf("objective %v above the nominal profit %v", *e.Objective, nominal)
	}
	for _, bad := range []RobustOptions{{Backend: "gurobi"}, {Samples: -1}, {Model: "/nonexistent.onnx"}, {CCGShare: 1.5}, {CCGShare: -0.1}, {ModelLabel: "profit"}} {
		task.Config.Robust = &bad
		if _, err := Run(context.Background(), task); !errors.Is(err, ErrBadInput) {
			t.Errorf("options %v: err = %v", bad, err)
		}
	}
}

func TestCapitalBudgetingAdapter(t *testing.T) {
	dir := datadirtest.ForTest(t)
	task := Task{
		Source:    Source{Path: filepath.Join(dir, instances.CBInstanceDir, "CB_n10_xi4_s2")},
		Config:    Config{Name: "robust", Solver: "robust", Robust: &RobustOptions{Backend: "heuristic", Samples: 200}},
		Seed:      1,
		TimeLimit: 20 * time.Second,
		DataDir:   dir,
	}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	e := out.Envelope
	c := out.Instance.(*instances.CapitalBudgeting)
	// The reference is the best published first stage evaluated on the union
	// of the scenarios, the solver's included: never better than published.
	const published = -3.3214867060534723
	if e.Kind != "robust-cb" || len(e.FirstStage) != c.N() || e.Objective == nil || e.Reference == nil ||
		*e.Reference < published*(1+1e-6) || e.Extra["published_best"] != published {
		t.Fatalf("envelope %+v", e)
	}
	if err := instances.CheckCBFirstStage(c, out.Solution.([]bool)); err != nil {
		t.Fatal(err)
	}
	// Objectives are Neur2RO's: minus the revenue, so below zero.
	if *e.Objective >= 0 || e.GapPct == nil {
		t.Fatalf("objective %v, gap %v", *e.Objective, e.GapPct)
	}
	task.Config.Robust = &RobustOptions{Problem: "tsp"}
	if _, err := Run(context.Background(), task); !errors.Is(err, ErrBadInput) {
		t.Errorf("problem tsp: err = %v", err)
	}
}
