package jssp

// Policy maps environment states to action scores. Rules and neural networks
// implement it; a Policy is shared by all rollout goroutines, each of which gets
// its own Scorer.
type Policy interface {
	Name() string
	// NewScorer returns an evaluator for states of env's instance, for use by one
	// goroutine.
	NewScorer(env *Env) (Scorer, error)
}

// Scorer evaluates states. Scores has one entry per action (J jobs, then No-Op);
// a higher score puts the action earlier in the priority list. Entries of illegal
// actions are ignored. Implementations must not allocate per call.
type Scorer interface {
	Scores(env *Env, scores []float64) error
}

// NewScorer scores legal jobs by their negated key and never proposes No-Op.
func (r Rule) NewScorer(env *Env) (Scorer, error) {
	return &ruleScorer{rule: r, tables: newRuleTables(env)}, nil
}

type ruleScorer struct {
	rule   Rule
	tables *ruleTables
}

func (s *ruleScorer) Scores(env *Env, scores []float64) error {
	for j := 0; j < env.J; j++ {
		if env.legal[j] {
			scores[j] = -s.rule.key(env, s.tables, j)
		}
	}
	scores[env.J] = masked
	return nil
}

// NetworkPolicy runs a Network (the reference architecture) in pure Go.
// Operation indexes beyond the positional table (jobs of more than 99
// operations) use its last row, where the reference code would fail.
type NetworkPolicy struct {
	Net   *Network
	Label string // Name(); "network" when empty
}

func (p *NetworkPolicy) Name() string {
	if p.Label == "" {
		return "network"
	}
	return p.Label
}

// NewScorer allocates the observation and activation buffers of one goroutine.
func (p *NetworkPolicy) NewScorer(env *Env) (Scorer, error) {
	return &netScorer{obs: NewObservation(env.J), f: newForward(p.Net, env.J, env.M)}, nil
}

type netScorer struct {
	obs *Observation
	f   *forward
}

func (s *netScorer) Scores(env *Env, scores []float64) error {
	env.Observe(s.obs)
	s.f.run(s.obs)
	for a, l := range s.f.logits {
		scores[a] = float64(l)
	}
	return nil
}
