package jssp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// referenceResults reads reference_results/taillard_per_instance.json.
func referenceResults(t testing.TB) map[string]map[string]float64 {
	t.Helper()
	dir := datadirtest.ForTest(t)
	data, err := os.ReadFile(filepath.Join(dir, "jssp", "reference_results", "taillard_per_instance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Instances map[string]map[string]any `json:"instances"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for name, rec := range doc.Instances {
		out[name] = map[string]float64{}
		for k, v := range rec {
			if f, ok := v.(float64); ok {
				out[name][k] = f
			}
		}
	}
	return out
}

// loadNamed loads ft10 or taNN from the shared data.
func loadNamed(t testing.TB, name string) *instances.JobShop {
	t.Helper()
	dir := datadirtest.ForTest(t)
	var rel string
	switch {
	case strings.HasPrefix(name, "ta"):
		rel = filepath.Join("scheduleopt", "instances", "text", "Taillard1993", name+"js.txt")
	default:
		rel = filepath.Join("scheduleopt", "instances", "text", "FisherThompson1963", name+".txt")
	}
	js, err := instances.LoadJobShop(filepath.Join(dir, "jssp", rel), 0)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestRulesReproduceMeasured checks every measured_pdr_* makespan: the rules run
// non-delay in the reference environment.
func TestRulesReproduceMeasured(t *testing.T) {
	ref := referenceResults(t)
	names := make([]string, 0, len(ref))
	for n := range ref {
		names = append(names, n)
	}
	sort.Strings(names)
	rules := map[string]Rule{"SPT": SPT, "MWKR": MWKR, "MOPNR": MOPNR, "FDD/MWKR": FDDMWKR, "FIFO": FIFO}
	checked := 0
	for _, name := range names {
		for key, want := range ref[name] {
			rname, ok := strings.CutPrefix(key, "measured_pdr_")
			if !ok {
				continue
			}
			r, ok := rules[rname]
			if !ok {
				t.Fatalf("%s: unknown rule %q", name, rname)
			}
			t.Run(name+"/"+r.String(), func(t *testing.T) {
				js := loadNamed(t, name)
				env, err := NewEnv(js)
				if err != nil {
					t.Fatal(err)
				}
				got := RunRule(env, r)
				if got != int(want) {
					t.Errorf("makespan %d, measured %d", got, int(want))
				}
				if ms, err := instances.CheckSchedule(js, env.Starts()); err != nil || ms != got {
					t.Errorf("checker: %d, %v", ms, err)
				}
			})
			checked++
		}
	}
	if checked < 4*18 { // ft10, ta01-10, ta11, ta21, …, ta71: four rules each
		t.Errorf("only %d measured rule makespans found", checked)
	}
	t.Logf("%d measured rule makespans reproduced", checked)
}
