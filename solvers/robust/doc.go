// Package robust solves two-stage robust knapsack problems (Arslan & Detienne) with
// Neur2RO's machine-learning column-and-constraint generation, and evaluates
// first-stage decisions exactly.
//
// Exact oracles (pure Go): SecondStage solves the recourse problem by dynamic
// programming over capacity (over the reachable weights, or by branch and bound,
// when the capacity is too large to index); Evaluate computes the true worst case of a fixed first
// stage by cutting planes (an LP over the scenario, through package milp, with the
// DP as oracle). Every objective this package reports is such an exact evaluation,
// never a network's estimate.
//
// The value network (NewValueNetwork, trained by Train on data from GenerateData,
// shipped as DefaultModel) is Neur2RO's set encoder. Solve alternates:
//   - the main problem in the "argmax" formulation: binaries pick the scenario the
//     network predicts worst for x, and the true second stage is modelled for it
//     with the products linearised exactly and the repair term with the sign of
//     the true objective (Neur2RO's code has it reversed);
//   - the adversarial problem: maximise the network over Ξ with x fixed. The
//     per-item ξ embeddings are exact piecewise-linear functions (incremental
//     formulation), the other ReLUs use big-M constraints with budget-aware bounds,
//     and stable neurons get no binary. Each optimum is compared with a forward
//     pass at run time (ErrEncoding on disagreement).
//
// It stops as Neur2RO does (the adversary's value within Tol of the main problem's,
// a repeated scenario, or MaxIterations) and returns the best proposal by exact
// value. Without a MILP backend that handles integers (the default pure-Go build),
// the adversary scores sampled scenarios and the main problem is a heuristic: for
// each scenario found so far the deterministic problem is solved exactly by DP, and
// the candidate with the best profit under its own predicted-worst scenario is kept;
// Result.Backend is then "heuristic".
package robust
