package jssp

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
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
// When stop reports true the rest of the episode is dispatched with FDD/MWKR,
// which is cheap, so an interrupted episode still yields a schedule; truncated
// says so.
func (r *rollout) episode(temp float64, rng *rand.Rand, stop func() bool) (makespan int, truncated bool, err error) {
	e := r.env
	e.Reset()
	var one [1]int
	for !e.Done() {
		if r.isRule || truncated {
			rule := r.rule
			if truncated {
				rule = FDDMWKR
			}
			one[0] = rule.pick(e, r.tables)
			e.Step(one[:])
			continue
		}
		if r.steps&7 == 0 && stop() {
			truncated = true
			continue
		}
		if err := r.sc.Scores(e, r.scores); err != nil {
			return 0, false, err
		}
		r.calls++
		r.order = r.order[:0]
		for a := 0; a <= e.J; a++ {
			if !e.legal[a] {
				continue
			}
			k := r.scores[a]
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
		e.Step(r.acts)
		r.steps++
	}
	return e.Makespan(), truncated, nil
}

func gumbel(rng *rand.Rand) float64 {
	u := rng.Float64()
	if u == 0 {
		u = math.SmallestNonzeroFloat64
	}
	return -math.Log(-math.Log(u))
}
