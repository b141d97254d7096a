package jssp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// TestCloneIndependent: a clone taken mid-episode continues exactly like the
// original, and stepping one leaves the other untouched.
func TestCloneIndependent(t *testing.T) {
	js := loadNamed(t, "ta01")
	env, err := NewEnv(js)
	if err != nil {
		t.Fatal(err)
	}
	tables := newRuleTables(env)
	var one [1]int
	for i := 0; i < 60; i++ {
		one[0] = MWKR.pick(env, tables)
		env.Step(one[:])
	}
	c := env.Clone()
	before := fmt.Sprint(env.Starts(), env.Time())
	RunRule(c, SPT)
	if fmt.Sprint(env.Starts(), env.Time()) != before {
		t.Fatal("finishing the clone changed the original")
	}
	c2 := env.Clone()
	if a, b := RunRule(env, FDDMWKR), RunRule(c2, FDDMWKR); a != b || fmt.Sprint(env.Starts()) != fmt.Sprint(c2.Starts()) {
		t.Errorf("original and clone diverge: %d vs %d", a, b)
	}
}

// TestRuleScorerAgreesWithPick: the scorer a rule exposes to custom decoders
// ranks first the job the rule dispatches.
func TestRuleScorerAgreesWithPick(t *testing.T) {
	env, err := NewEnv(loadNamed(t, "ft10"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules {
		env.Reset()
		sc, err := r.NewScorer(env)
		if err != nil {
			t.Fatal(err)
		}
		tables := newRuleTables(env)
		scores := make([]float64, env.J+1)
		var one [1]int
		for !env.Done() {
			if err := sc.Scores(env, scores); err != nil {
				t.Fatal(err)
			}
			best := -1
			for j := 0; j < env.J; j++ {
				if env.Legal(j) && (best < 0 || scores[j] > scores[best]) {
					best = j
				}
			}
			if want := r.pick(env, tables); best != want {
				t.Fatalf("%s: scorer ranks job %d first, the rule picks %d", r, best, want)
			}
			one[0] = best
			env.Step(one[:])
		}
	}
}

func TestParseRule(t *testing.T) {
	for _, r := range Rules {
		if got, ok := ParseRule(r.String()); !ok || got != r {
			t.Errorf("%s does not round-trip", r)
		}
	}
	if r, ok := ParseRule("FDD/MWKR"); !ok || r != FDDMWKR {
		t.Error("FDD/MWKR not accepted")
	}
	if _, ok := ParseRule("lpt"); ok {
		t.Error("unknown rule accepted")
	}
}

// Durations near 2^29 each make makespans pass the environment's Horizon of 2^30;
// such an instance is refused, not scheduled past the horizon.
func TestNewEnvRefusesTimesPastTheHorizon(t *testing.T) {
	op := func(m, d int) instances.Operation { return instances.Operation{Machine: m, Duration: d} }
	const d = 1<<29 - 16
	js := &instances.JobShop{Name: "big", Machines: 2, Jobs: [][]instances.Operation{
		{op(0, d), op(1, d)}, {op(1, d), op(0, d)}}}
	if _, err := NewEnv(js); !errors.Is(err, instances.ErrInvalidInstance) {
		t.Errorf("NewEnv: %v, want ErrInvalidInstance", err)
	}
}
