package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

func readScheduleFile(t *testing.T, path string) *instances.Schedule {
	t.Helper()
	s, err := instances.LoadSchedule(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJSSPWarmStartFreezeRoundTrip dispatches ft10, re-plans it from the
// written schedule with everything that started before 300 frozen, and checks
// the re-plan with `cosolve check` and against the frozen starts.
func TestJSSPWarmStartFreezeRoundTrip(t *testing.T) {
	ft10 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft10")
	tmp := t.TempDir()
	plan, replan := filepath.Join(tmp, "plan.json"), filepath.Join(tmp, "replan.json")
	if code, _, errOut := run(t, "", "jssp", "solve", ft10, "--method", "dispatch", "--out", plan); code != ExitOK {
		t.Fatalf("dispatch: exit %d: %s", code, errOut)
	}
	const freezeBefore = 300
	code, out, errOut := run(t, "", "jssp", "solve", ft10, "--warm-start", plan, "--freeze-before", strconv.Itoa(freezeBefore),
		"--iterations", "3000", "--threads", "1", "--time-limit", "5m", "--json", "--out", replan)
	if code != ExitOK {
		t.Fatalf("warm start: exit %d: %s", code, errOut)
	}
	var env struct {
		Objective float64 `json:"objective"`
		Stats     struct {
			Warm        int `json:"dispatch_makespan"`
			Improvement struct {
				Frozen int `json:"frozen"`
			} `json:"improvement"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	before, after := readScheduleFile(t, plan), readScheduleFile(t, replan)
	if env.Stats.Warm != before.Objective || env.Objective > float64(before.Objective) || env.Stats.Improvement.Frozen == 0 {
		t.Errorf("warm start %d → %v, %d frozen (envelope stats %+v)", before.Objective, env.Objective, env.Stats.Improvement.Frozen, env.Stats)
	}
	frozen := 0
	for j := range before.Starts {
		for k, s := range before.Starts[j] {
			if s < freezeBefore {
				frozen++
				if after.Starts[j][k] != s {
					t.Errorf("operation %d of job %d started at %d, re-planned at %d", k, j, s, after.Starts[j][k])
				}
			}
		}
	}
	if frozen == 0 || env.Stats.Improvement.Frozen < frozen {
		t.Errorf("%d operations start before %d, the solver froze %d", frozen, freezeBefore, env.Stats.Improvement.Frozen)
	}
	if code, _, errOut := run(t, "", "check", ft10, replan); code != ExitOK {
		t.Fatalf("check: exit %d: %s", code, errOut)
	}
}

func TestJSSPWarmStartBadInput(t *testing.T) {
	ft10 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft10")
	ft06 := datadirtest.Path(t, "jssp", "jsplib", "instances", "ft06")
	tmp := t.TempDir()
	plan, plan06 := filepath.Join(tmp, "plan.json"), filepath.Join(tmp, "plan06.json")
	for inst, out := range map[string]string{ft10: plan, ft06: plan06} {
		if code, _, errOut := run(t, "", "jssp", "solve", inst, "--method", "dispatch", "--out", out); code != ExitOK {
			t.Fatalf("dispatch: exit %d: %s", code, errOut)
		}
	}
	data, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	// Job 2's second operation starts with its first, written one job a line.
	overlap := filepath.Join(tmp, "overlap.json")
	s := readScheduleFile(t, plan)
	s.Starts[2][1] = s.Starts[2][0]
	f, err := os.Create(overlap)
	if err != nil {
		t.Fatal(err)
	}
	if err := instances.WriteSchedule(f, s); err != nil {
		t.Fatal(err)
	}
	f.Close()
	malformed := filepath.Join(tmp, "malformed.json")
	if err := os.WriteFile(malformed, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	budget := []string{"--iterations", "10", "--threads", "1"}
	for _, c := range []struct {
		name string
		args []string
		want string // in the error message
	}{
		{"missing file", []string{"--warm-start", filepath.Join(tmp, "none.json")}, "none.json"},
		{"another shape", []string{"--warm-start", plan06}, "plan06.json"},
		{"infeasible", []string{"--warm-start", overlap}, "overlap.json:" + strconv.Itoa(lineOfJob(t, overlap, 2))},
		{"malformed", []string{"--warm-start", malformed}, "malformed.json:"},
		{"endless", []string{"--warm-start", "/dev/zero"}, "larger than 256 MB"},
		{"negative freeze", []string{"--warm-start", plan, "--freeze-before", "-1"}, "--freeze-before -1"},
		{"freeze without warm start", []string{"--freeze-before", "100"}, "--warm-start"},
		{"with dispatch", []string{"--warm-start", plan, "--method", "dispatch"}, "--method dispatch"},
		{"with mcts", []string{"--warm-start", plan, "--method", "mcts"}, "Method"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"jssp", "solve", ft10}, c.args...), budget...)
			code, _, errOut := run(t, "", args...)
			t.Log(strings.TrimSpace(errOut))
			if code != ExitUsage || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, want %d; stderr %q, want it to name %q", code, ExitUsage, errOut, c.want)
			}
		})
	}
}

// lineOfJob is the 1-based line of path on which job j's starts are written
// (WriteSchedule writes one job a line after a line opening "starts").
func lineOfJob(t *testing.T, path string, j int) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, `"starts"`) {
			return i + 2 + j
		}
	}
	t.Fatalf("%s: no starts", path)
	return 0
}
