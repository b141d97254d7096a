// Package robust solves two-stage robust problems with a binary first stage by
// Neur2RO's machine-learning column-and-constraint generation: the two-stage
// robust knapsack (Arslan & Detienne) and capital budgeting (Neur2RO's second
// benchmark), and any problem a user writes against the Problem interface.
//
// The CCG (SolveProblem; Solve for the knapsack), the value network and its
// MILP encodings, training (GenerateData, Train) and the polish are written
// once against Problem, which supplies the first-stage checker, the
// uncertainty set, an exact second-stage oracle, the evaluation of a first
// stage, training-data sampling and the MILP rows of its true second stage.
// Every objective this package reports is that evaluation, never a network's
// estimate.
//
// Knapsack (NewKnapsackProblem): SecondStage solves the recourse problem by
// dynamic programming over capacity (over the reachable weights, or by branch
// and bound, when the capacity is too large to index); Evaluate computes the
// true worst case of a fixed first stage by cutting planes (an LP over the
// scenario with the DP as oracle).
//
// Capital budgeting (NewCapitalBudgeting): the second stage is a 0/1 knapsack
// with real weights solved by branch and bound; the evaluation is Neur2RO's
// sampled-scenario approximation (the scenarios the compared methods found plus
// 10,000 drawn by numpy's legacy generator, reproduced in Go).
//
// The value network (NewValueNetwork, trained by Train, shipped per problem as
// ShippedModel) is Neur2RO's set encoder. SolveProblem alternates:
//   - the main problem in the "argmax" formulation: binaries pick the scenario the
//     network predicts worst for x, and the problem's true second stage is
//     modelled for it (Problem.EncodeMain) with the products linearised exactly.
//     Where Deterministic is exact (DeterministicOptimum, the knapsack's DP), the
//     deterministic optimum of each scenario bounds that scenario's branch and
//     is a solution too, which often proves the optimum without a MILP (always
//     with one scenario);
//   - the adversarial problem: maximise the network over Ξ with x fixed. Where
//     each item sees one coordinate of ξ (the knapsack), the per-item ξ
//     embeddings are exact piecewise-linear functions (incremental
//     formulation), the other ReLUs use big-M constraints with budget-aware
//     bounds, and stable neurons get no binary; each optimum is compared with
//     a forward pass at run time (ErrEncoding on disagreement). Otherwise
//     (capital budgeting's four-dimensional box) the network scores sampled
//     scenarios.
//
// The network is read as a cost (larger is worse for the decision maker); a
// model records the sense of the label it was trained on (LabelMetadata), and
// one trained on a saving is negated (Settings.ModelLabel for models that
// record none).
//
// It stops as Neur2RO does (the adversary's value within Tol of the main problem's,
// a repeated scenario, or MaxIterations), or when its share of the run
// (Settings.CCGShare) is used, and returns the best proposal by its
// evaluation, then polishes it by local search. Without a MILP backend that
// handles integers (the default pure-Go build), the adversary samples and the
// main problem is a heuristic: for each scenario found so far the problem's
// deterministic counterpart is solved (Problem.Deterministic), and the
// candidate with the best worth under its own predicted-worst scenario is
// kept; Result.Backend is then "heuristic".
package robust
