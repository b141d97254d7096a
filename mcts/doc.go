// Package mcts holds the search machinery the solvers share. It knows nothing
// of tours or jobs, and has two modes.
//
// Tree search over sequential decisions (used by solvers/jssp for
// policy-guided construction): a problem implements State (legal actions,
// apply, copy, terminal value) and Evaluator (a policy's priors, and a value
// by rollout or value function); Tree runs PUCT with those priors over value
// normalised by the range seen (so minimisation objectives enter negated,
// at any scale), with max (default) or mean backup, optional progressive
// widening, an allocation-free node arena, subtrees marked solved once every
// leaf below them is known, virtual loss for concurrent workers, the budget
// of package solvers, and root-action commitment with tree reuse (Construct)
// for anytime construction; under max backup commitment follows the best
// complete sequence any rollout reported.
//
// Bandit over arcs (used by solvers/tsp's k-opt sampling): Stats keeps the
// Z-score statistics of Fu et al. (AAAI 2021) on a sparse candidate graph,
// incrementally; SampleDiscrete1000 and SampleProportional draw from the
// resulting weights. Only solvers/tsp uses this mode.
package mcts
