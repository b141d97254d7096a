package jssp

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

type goldenState struct {
	EnvStep     int            `json:"env_step"`
	CurrentTime int            `json:"current_time"`
	Obs         map[string]any `json:"obs"`
	Logits      []float64      `json:"logits_masked_as_-3.4e38"`
	Probs       []float64      `json:"probs_T1"`
}

type goldenInstance struct {
	Instance   string `json:"instance"`
	SourceFile string `json:"source_file"`
	Rule       struct {
		Makespan   int     `json:"makespan"`
		EnvSteps   int     `json:"env_steps"`
		StartTimes [][]int `json:"start_times"`
	} `json:"rule_all_by_id"`
	States []goldenState `json:"states_along_all_by_id"`
}

var goldenSources = map[string]string{
	"ft06": "scheduleopt/instances/text/FisherThompson1963/ft06.txt",
	"ft10": "scheduleopt/instances/text/FisherThompson1963/ft10.txt",
	"ta01": "scheduleopt/instances/text/Taillard1993/ta01js.txt",
}

func loadGolden(t *testing.T) (map[string]goldenInstance, map[string]*instances.JobShop) {
	t.Helper()
	dir := datadirtest.ForTest(t)
	data, err := os.ReadFile(filepath.Join(dir, "jssp", "tassel_e2e", "pretrained", "golden_env_and_policy_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]goldenInstance
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	insts := map[string]*instances.JobShop{}
	for name, rel := range goldenSources {
		js, err := instances.LoadJobShop(filepath.Join(dir, "jssp", rel), 0)
		if err != nil {
			t.Fatal(err)
		}
		insts[name] = js
	}
	return g, insts
}

// flatten turns nested JSON arrays into one float64 slice.
func flatten(v any, out []float64) []float64 {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = flatten(e, out)
		}
	case float64:
		out = append(out, x)
	}
	return out
}

// allByID is the golden trajectory's action list: legal jobs by id, then No-Op.
func allByID(e *Env, buf []int) []int {
	buf = buf[:0]
	for j := 0; j < e.J; j++ {
		if e.Legal(j) {
			buf = append(buf, j)
		}
	}
	return append(buf, e.NoOp())
}

func TestGoldenTrajectories(t *testing.T) {
	g, insts := loadGolden(t)
	for _, name := range []string{"ft06", "ft10", "ta01"} {
		t.Run(name, func(t *testing.T) {
			gi := g[name]
			env, err := NewEnv(insts[name])
			if err != nil {
				t.Fatal(err)
			}
			obs := NewObservation(env.J)
			states := map[int]goldenState{}
			for _, s := range gi.States {
				states[s.EnvStep] = s
			}
			var buf []int
			for step := 0; !env.Done(); step++ {
				if s, ok := states[step]; ok {
					if env.Time() != s.CurrentTime {
						t.Fatalf("step %d: time %d, golden %d", step, env.Time(), s.CurrentTime)
					}
					env.Observe(obs)
					compareObs(t, step, obs, s)
				}
				buf = allByID(env, buf)
				env.Step(buf)
			}
			if env.Steps() != gi.Rule.EnvSteps {
				t.Errorf("env steps %d, golden %d", env.Steps(), gi.Rule.EnvSteps)
			}
			if ms := env.Makespan(); ms != gi.Rule.Makespan {
				t.Errorf("makespan %d, golden %d", ms, gi.Rule.Makespan)
			}
			starts := env.Starts()
			for j := range starts {
				for k := range starts[j] {
					if starts[j][k] != gi.Rule.StartTimes[j][k] {
						t.Fatalf("start of job %d op %d: %d, golden %d", j, k, starts[j][k], gi.Rule.StartTimes[j][k])
					}
				}
			}
			if ms, err := instances.CheckSchedule(insts[name], starts); err != nil || ms != gi.Rule.Makespan {
				t.Errorf("checker: makespan %d, %v", ms, err)
			}
		})
	}
}

func compareObs(t *testing.T, step int, o *Observation, s goldenState) {
	t.Helper()
	check := func(key string, got []float32, tol float64) {
		want := flatten(s.Obs[key], nil)
		if len(want) != len(got) {
			t.Fatalf("step %d %s: %d values, golden %d", step, key, len(got), len(want))
		}
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > tol {
				t.Fatalf("step %d %s[%d]: %v, golden %v", step, key, i, got[i], want[i])
			}
		}
	}
	check("interval_rep", o.IntervalRep, 1e-6)
	check("start_end_tokens", o.StartEndTokens, 0)
	check("attention_interval_mask", o.AttentionMask, 0)
	check("index_interval", o.IndexInterval, 0)
	check("action_mask", o.ActionMask, 0)
	check("job_resource_mask", o.JobResourceMask(), 0)
}
