package benchmarks

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// TestTraceThinning: a run that improves thousands of times keeps a short
// trace whose points are each the best at their time, ending with the last.
func TestTraceThinning(t *testing.T) {
	r := &recorder{}
	for i := range 10000 {
		r.add(float64(i+1)*1e-3, float64(20000-i))
	}
	tr := r.points()
	if len(tr) > 400 || len(tr) < 50 {
		t.Errorf("%d points for 10000 improvements over 10 s", len(tr))
	}
	if last := tr[len(tr)-1]; last != [2]float64{10, 10001} {
		t.Errorf("last point %v, want the last improvement", last)
	}
	for i := 1; i < len(tr); i++ {
		if tr[i][0] <= tr[i-1][0] || tr[i][1] >= tr[i-1][1] || tr[i][1] != 20000-(math.Round(tr[i][0]*1e3)-1) {
			t.Fatalf("point %d: %v after %v", i, tr[i], tr[i-1])
		}
	}
}

func TestTargetStopsAtTheReference(t *testing.T) {
	for _, c := range []struct {
		max       bool
		objective float64
		reached   bool
	}{{false, 100, true}, {false, 100.5, false}, {false, 99, true}, {true, 100, true}, {true, 99.5, false}} {
		cancelled := false
		g := newTarget(true, &instances.Reference{Value: 100, Kind: instances.RefBestKnown}, c.max, func() { cancelled = true })
		g.offer(c.objective)
		e := Envelope{Status: "feasible", StopReason: "canceled"}
		g.settle(&e)
		if cancelled != c.reached || (e.StopReason == StopReferenceReached) != c.reached || e.Status != "feasible" {
			t.Errorf("%+v: cancelled %v, %s (%s)", c, cancelled, e.Status, e.StopReason)
		}
	}
	if newTarget(false, &instances.Reference{Value: 1}, false, nil) != nil || newTarget(true, nil, false, nil) != nil {
		t.Error("a target without the option or a reference")
	}
}

func TestHeatmapFits(t *testing.T) {
	set := datadirtest.Path(t, "tsp", "tsp500_test_concorde.txt")
	p0, _, err := instances.LoadTSP(set, 0)
	if err != nil {
		t.Fatal(err)
	}
	p1, _, _ := instances.LoadTSP(set, 1)
	for _, name := range heatmap.Names {
		h, _, err := heatmap.ByName(context.Background(), p0, name, heatmap.ByNameOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := heatmapFits(p0, h); err != nil {
			t.Errorf("%s on its own instance: %v", name, err)
		}
		if err := heatmapFits(p1, h); !errors.Is(err, heatmap.ErrInvalid) {
			t.Errorf("%s of instance 0 on instance 1: %v", name, err)
		}
	}
}

func TestRobustNameWithoutFileExtension(t *testing.T) {
	for in, want := range map[string]string{
		"inst.txt": "inst", "RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5": "RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5",
		"RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5.dat": "RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5", ".hidden": ".hidden",
	} {
		if got := withoutFileExt(in); got != want {
			t.Errorf("withoutFileExt(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunRecordsTheTrace: the envelope's trace ends at the objective; a run
// with stop_at_reference on an instance with a known optimum stops there.
func TestRunRecordsTheTrace(t *testing.T) {
	dir := datadirtest.ForTest(t)
	task := Task{
		Source:  Source{Path: filepath.Join(dir, "tsplib", "burma14.tsp")},
		Config:  Config{Name: "c", Solver: "tsp", TSP: &TSPOptions{StopAtReference: true, Iterations: 1 << 30}},
		Threads: 1, DataDir: dir,
	}
	out, err := Run(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	e := out.Envelope
	if len(e.Trace) == 0 || e.Trace[len(e.Trace)-1][1] != *e.Objective || e.Status != "optimal" || e.StopReason != StopReferenceReached {
		t.Errorf("trace %v, objective %v, %s (%s)", e.Trace, *e.Objective, e.Status, e.StopReason)
	}
}

func TestPlotData(t *testing.T) {
	rows := []map[string]any{
		{"config": "a", "n": 500.0, "objective": 110.0, "reference": 100.0, "gap_pct": 10.0, "time_s": 5.0,
			"trace": []any{[]any{0.1, 130.0}, []any{2.0, 110.0}}},
		{"config": "a", "n": 1000.0, "objective": 105.0, "reference": 100.0, "gap_pct": 5.0, "time_s": 5.0,
			"trace": []any{[]any{0.2, 120.0}, []any{1.0, 105.0}}},
		// Maximisation: the gap's sign is read from the line.
		{"config": "b", "n": 500.0, "objective": 90.0, "reference": 100.0, "gap_pct": 10.0, "time_s": 4.0},
		{"config": "b", "error": "boom"},
	}
	series, bars := PlotData(rows, "")
	if len(series) != 2 || bars.ClassName != "n" || len(bars.Classes) != 2 || bars.Classes[0] != "500" {
		t.Fatalf("series %d, bars %+v", len(series), bars)
	}
	a := series[0].Points
	// From 0.2 s (both runs have a tour): (30 + 20)/2, then at the end (10 + 5)/2.
	if a[0][0] != 0.2 || a[0][1] != 25 || a[len(a)-1][1] != 7.5 {
		t.Errorf("series a %v … %v", a[0], a[len(a)-1])
	}
	if b := series[1].Points; b[0][1] != 10 {
		t.Errorf("series b %v", b)
	}
	if bars.Gap[0][0] != 10 || bars.Gap[0][1] != 5 || bars.Gap[1][0] != 10 || !math.IsNaN(bars.Gap[1][1]) {
		t.Errorf("bars %v", bars.Gap)
	}
}
