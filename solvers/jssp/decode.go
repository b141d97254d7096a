package jssp

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cosolve/cosolve/solvers"
)

// Temperature is the sampling temperature of rollout i of k in the reference
// protocol: 0.5 + 1.5·i/k.
func Temperature(i, k int) float64 { return 0.5 + 1.5*float64(i)/float64(k) }

type keyed struct {
	key float64
	a   int32
}

// byKeyDesc orders by decreasing key, ties to the lower action.
func byKeyDesc(x, y keyed) int {
	if c := cmp.Compare(y.key, x.key); c != 0 {
		return c
	}
	return cmp.Compare(x.a, y.a)
}

// rollout runs episodes of one policy on its own environment copy.
type rollout struct {
	env    *Env
	policy Policy
	sc     Scorer
	rule   Rule
	isRule bool
	tables *ruleTables
	scores []float64
	order  []keyed
	acts   []int
	steps  int
	calls  int
	// record makes finish append the actions it takes to trail.
	record bool
	trail  []int32
}

func newRollout(env *Env, p Policy) (*rollout, error) {
	r := &rollout{env: env, policy: p, tables: newRuleTables(env)}
	if rule, ok := p.(Rule); ok {
		r.rule, r.isRule = rule, true
	} else {
		sc, err := p.NewScorer(env)
		if err != nil {
			return nil, err
		}
		r.sc = sc
	}
	r.scores = make([]float64, env.J+1)
	r.order = make([]keyed, 0, env.J+1)
	r.acts = make([]int, 0, env.J+1)
	return r, nil
}

// episode resets the environment and dispatches to the end: a rule non-delay, a
// scored policy by the priority list of its scores (greedy when rng is nil,
// otherwise Gumbel-top-k sampling of the whole permutation at temperature temp).
// The budget is checked before every scored step and every 64 rule dispatches;
// when it has run out the episode ends early with truncated set, the environment
// holding the partial schedule (see completeSchedule).
func (r *rollout) episode(temp float64, rng *rand.Rand, b *solvers.Budget) (truncated bool, err error) {
	r.env.Reset()
	return r.finish(temp, rng, b)
}

// finish is episode from the environment's current state.
func (r *rollout) finish(temp float64, rng *rand.Rand, b *solvers.Budget) (truncated bool, err error) {
	e := r.env
	var one [1]int
	for n := 0; !e.Done(); n++ {
		if r.isRule {
			if n&63 == 63 && !b.Check() {
				return true, nil
			}
			one[0] = r.rule.pick(e, r.tables)
			e.step(one[:], r.trailOrNil())
			continue
		}
		if !b.Check() {
			return true, nil
		}
		if err := r.sc.Scores(e, r.scores); err != nil {
			return false, err
		}
		r.calls++
		e.step(r.priorities(r.scores, e.legal, temp, rng), r.trailOrNil())
		r.steps++
	}
	return false, nil
}

func (r *rollout) trailOrNil() *[]int32 {
	if r.record {
		return &r.trail
	}
	return nil
}

// priorities is the priority list of the actions a with include[a]: by
// decreasing score, or, with rng, by decreasing score/temp plus Gumbel noise
// (a sample of the Plackett–Luce permutation of softmax(score/temp)).
func (r *rollout) priorities(scores []float64, include []bool, temp float64, rng *rand.Rand) []int {
	r.order = r.order[:0]
	for a, in := range include {
		if !in {
			continue
		}
		k := scores[a]
		if rng != nil {
			k = k/temp + gumbel(rng)
		}
		r.order = append(r.order, keyed{k, int32(a)})
	}
	slices.SortFunc(r.order, byKeyDesc)
	r.acts = r.acts[:0]
	for _, o := range r.order {
		r.acts = append(r.acts, int(o.a))
	}
	return r.acts
}

// completeSchedule returns the starts of the environment's schedule, finishing
// an interrupted episode in O(remaining operations): each job in turn appends
// its remaining operations at the earliest time its previous operation and the
// machine's last operation allow. The result is feasible, not good; it only
// guarantees that a run stopped by its deadline still returns a schedule.
func completeSchedule(e *Env) [][]int {
	starts := e.Starts()
	machReady := make([]int, e.M)
	for j := range starts {
		for k, s := range starts[j] {
			op := int(e.off[j]) + k
			machReady[e.mach[op]] = max(machReady[e.mach[op]], s+e.dur[op])
		}
	}
	for j := range starts {
		ready := 0
		if d := len(starts[j]); d > 0 {
			op := int(e.off[j]) + d - 1
			ready = starts[j][d-1] + e.dur[op]
		}
		for k := len(starts[j]); k < int(e.nops[j]); k++ {
			op := int(e.off[j]) + k
			m := e.mach[op]
			s := max(ready, machReady[m])
			starts[j] = append(starts[j], s)
			ready = s + e.dur[op]
			machReady[m] = ready
		}
	}
	return starts
}

func gumbel(rng *rand.Rand) float64 {
	u := rng.Float64()
	if u == 0 {
		u = math.SmallestNonzeroFloat64
	}
	return -math.Log(-math.Log(u))
}
