package robust

import (
	"context"
	"math/rand/v2"

	"github.com/cosolve/cosolve/milp"
)

// Problem is a two-stage robust problem with a binary first stage x ∈ {0,1}^n:
// the adversary picks a scenario ξ from an uncertainty set Ξ ⊂ R^d once x is
// fixed, then a recourse is chosen knowing ξ. Its "worth" is the decision
// maker's value, larger is better (the knapsack's profit, capital budgeting's
// revenue); the worth of x is its worst case over Ξ. The CCG (Solve), the
// value network and its MILP encodings, training (GenerateData, Train) and the
// polish are written once against this interface; the knapsack
// (NewKnapsackProblem) and capital budgeting (NewCapitalBudgeting) implement
// it, and so can a user's own problem (see the package example).
//
// Implementations need not be safe for concurrent use: a Solve uses its
// problem from one goroutine, and GenerateData gives each goroutine its own
// instance.
type Problem interface {
	// Name names the instance in messages.
	Name() string
	// N is the number of first-stage binaries.
	N() int
	// CheckFirstStage is the independent feasibility check every reported first
	// stage passes (its length and the first-stage constraints, robust
	// feasibility included). The empty selection must pass it.
	CheckFirstStage(x []bool) error
	// Uncertainty describes Ξ.
	Uncertainty() Uncertainty
	// SecondStage is the exact worth of x under the scenario ξ, first stage
	// included: the exact second-stage oracle.
	SecondStage(ctx context.Context, x []bool, xi []float64) (float64, error)
	// Evaluate is the worst-case worth of a feasible x: exact, or a sampled-scenario
	// approximation where the problem's published protocol uses one. With a
	// cutoff it may stop as soon as the worth is known to be ≤ *cutoff.
	Evaluate(ctx context.Context, x []bool, cutoff *float64) (Assessment, error)
	// Deterministic returns a good feasible first stage for the single scenario
	// ξ; the first proposal of the CCG and the heuristic main problem use it.
	Deterministic(ctx context.Context, xi []float64) ([]bool, error)
	// AdversaryCandidate writes into xi the c-th scenario the sampling
	// adversary scores for x (c = 0, 1, …); c = 0 must not draw from rng.
	AdversaryCandidate(rng *rand.Rand, x []bool, c int, xi []float64)
	// Features lays out the value network's inputs for this instance.
	Features() Features
	// SampleFirstStage and SampleScenario draw the training pairs (the c-th
	// scenario of a first stage).
	SampleFirstStage(rng *rand.Rand) []bool
	SampleScenario(rng *rand.Rand, x []bool, c int, xi []float64)
	// Label is the network's training target for (x, ξ) before division by
	// Features().LabelScale, from the exact second stage; ok = false drops the
	// sample (a pair without feasible recourse). Features().Label says
	// whether a larger label is a worse scenario for the decision maker (a
	// cost, what the CCG maximises) or a better one (a saving, which the CCG
	// negates).
	Label(ctx context.Context, x []bool, xi []float64) (label float64, ok bool, err error)
	// EncodeMain adds to the main problem, a maximisation over the binaries x
	// (first-stage variables, objective 0 until set here), the first-stage
	// constraints and objective, and the true second stage under the scenario
	// the binaries s select (exactly one s_j is 1, picking scen[j]), so that the
	// model's objective is the worth of x under that scenario.
	EncodeMain(m *milp.Model, x, s []int, scen [][]float64)
}

// Uncertainty is the set Ξ: a box [Lo, Hi]^Dim, cut by Σ_j ξ_j ≤ Budget when
// Budget is below Dim·Hi. Nominal is the scenario of the first proposal.
type Uncertainty struct {
	Dim     int
	Lo, Hi  float64
	Budget  float64
	Nominal []float64
	// Movable, when set, lists the coordinates that can change the worth of x;
	// the others stay at Lo in the adversarial MILP. Nil: all.
	Movable func(x []bool) []int
}

// Assessment is the worth of a first stage as Problem.Evaluate found it.
type Assessment struct {
	Worth float64
	// Converged is false when the evaluation stopped before its bounds met;
	// CutOff is true when it stopped at the cutoff (Worth is then only an
	// upper bound, at most the cutoff).
	Converged, CutOff bool
}

// Features lays out the value network's inputs. Item i's row on the x path is
// [x_i, XStatic_i…] (XWidth values); its row on the ξ path is XiWidth values
// written by XiRows. Models name their inputs after the problem, so a network
// trained for another problem is refused.
type Features struct {
	// Layout names the problem (Kind "kp", "cb": a shipped model is found by
	// it) and the model's inputs.
	Layout
	// XStatic holds the n rows of XWidth−1 instance features of the x path.
	XStatic []float64
	// XiRows writes the n rows of the ξ path for the scenario xi.
	XiRows func(xi []float64, rows []float64)
	// ItemXi says item i's ξ row is [ξ_i, XStatic_i…] with Dim = n: each item
	// sees one coordinate, so the adversarial MILP encodes its embedding
	// exactly as a piecewise-linear function. Other layouts use the sampling
	// adversary.
	ItemXi bool
	// LabelScale divides Label into the network's target.
	LabelScale float64
	// Label is what Problem.Label measures ("" = LabelCost); Train records it
	// in the model, and the CCG reads the model's predictions by it.
	Label LabelSense
}

// Family draws training instances of a problem.
type Family interface {
	// Kind is the problem's Features().Kind.
	Kind() string
	// Instance draws an instance with the generator seed seed; rng is the
	// sample's stream, which later draws its first stages and scenarios.
	Instance(rng *rand.Rand, seed uint64) (Problem, error)
}

// DeterministicOptimum is implemented by problems whose Deterministic returns
// an optimal first stage for its scenario (the knapsack's DP). The CCG's main
// problem with one scenario is that deterministic problem, and it is then
// solved by Deterministic instead of a MILP: on the strongly correlated
// knapsacks with n ≥ 50, CBC did not finish that MILP in 60 s.
type DeterministicOptimum interface {
	DeterministicIsOptimal() bool
}

func deterministicIsOptimal(p Problem) bool {
	d, ok := p.(DeterministicOptimum)
	return ok && d.DeterministicIsOptimal()
}

// SampledEvaluation is implemented by problems whose Evaluate is a
// sampled-scenario approximation (capital budgeting). Such an evaluation is
// optimistic for a first stage none of whose adversarial scenarios is in the
// set, and a search judged by it drifts to such first stages; Neur2RO's
// protocol evaluates each method on the scenarios every method found, its own
// included. SolveProblem therefore ends by hardening its answer: it adds the
// worst scenario the problem's exact adversary finds for the best first stage
// to the set, evaluates again and polishes again, until the set holds that
// scenario's worth.
type SampledEvaluation interface {
	// Adversary returns the worst scenario for x it can find with the exact
	// second stage (a heuristic search is allowed; the set only grows).
	Adversary(ctx context.Context, x []bool) ([]float64, error)
	// AddScenario adds ξ to the evaluation's set.
	AddScenario(xi []float64)
}
