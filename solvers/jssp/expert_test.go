package jssp

import (
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// TestActiveSchedule takes the schedules of random episodes (random priority
// lists with No-Ops, so machines idle) on generated shops, freezes what the
// first steps dispatched, and checks activeSchedule against its promises:
// feasible, frozen starts kept, free ones not before the branch time and never
// later than given, and active: no operation fits into an earlier gap of its
// machine with everything else in place.
func TestActiveSchedule(t *testing.T) {
	for _, c := range []struct {
		jobs, machines int
		branch         int
	}{{6, 4, 0}, {10, 5, 7}, {15, 15, 40}, {20, 10, 100}} {
		for seed := uint64(1); seed <= 5; seed++ {
			js := instances.GenerateJobShop(c.jobs, c.machines, seed)
			env, err := NewEnv(js)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(seed, 7))
			frozen := make([][]bool, len(js.Jobs))
			notBefore := 0
			for steps := 0; !env.Done(); steps++ {
				if steps == c.branch {
					for j := range frozen {
						frozen[j] = make([]bool, len(js.Jobs[j]))
						for k := range env.Next(j) {
							frozen[j][k] = true
						}
					}
					notBefore = env.Time()
				}
				env.step(rng.Perm(env.J+1), nil)
			}
			if c.branch == 0 {
				frozen = nil
			}
			given := env.Starts()
			givenSpan, err := instances.CheckSchedule(js, given)
			if err != nil {
				t.Fatal(err)
			}
			got := activeSchedule(js, given, frozen, notBefore)
			span, err := instances.CheckSchedule(js, got)
			if err != nil {
				t.Fatalf("%dx%d seed %d: %v", c.jobs, c.machines, seed, err)
			}
			if span > givenSpan {
				t.Errorf("%dx%d seed %d: makespan %d, given %d", c.jobs, c.machines, seed, span, givenSpan)
			}
			moved := 0
			for j, job := range js.Jobs {
				for k, o := range job {
					isFrozen := frozen != nil && frozen[j][k]
					switch {
					case isFrozen && got[j][k] != given[j][k]:
						t.Fatalf("frozen operation %d of job %d moved from %d to %d", k, j, given[j][k], got[j][k])
					case got[j][k] > given[j][k]:
						t.Fatalf("operation %d of job %d moved later, %d to %d", k, j, given[j][k], got[j][k])
					case !isFrozen && got[j][k] < notBefore:
						t.Fatalf("free operation %d of job %d starts at %d, before the branch time %d", k, j, got[j][k], notBefore)
					case !isFrozen && fitsEarlier(js, got, j, k, notBefore):
						t.Fatalf("%dx%d seed %d: operation %d of job %d (start %d, %d long) fits earlier", c.jobs, c.machines, seed, k, j, got[j][k], o.Duration)
					}
					if got[j][k] < given[j][k] {
						moved++
					}
				}
			}
			if moved == 0 {
				t.Errorf("%dx%d seed %d: a random schedule with No-Ops and nothing to move earlier", c.jobs, c.machines, seed)
			}
		}
	}
}

// fitsEarlier reports whether operation k of job j could start at some time
// before its start in s, with every other operation where s puts it.
func fitsEarlier(js *instances.JobShop, s [][]int, j, k, notBefore int) bool {
	o := js.Jobs[j][k]
	ready := notBefore
	if k > 0 {
		ready = max(ready, s[j][k-1]+js.Jobs[j][k-1].Duration)
	}
	for t := ready; t < s[j][k]; t++ {
		clash := false
		for j2, job := range js.Jobs {
			for k2, o2 := range job {
				if (j2 != j || k2 != k) && o2.Machine == o.Machine && s[j2][k2] < t+o.Duration && t < s[j2][k2]+o2.Duration {
					clash = true
				}
			}
		}
		if !clash {
			return true
		}
	}
	return false
}
