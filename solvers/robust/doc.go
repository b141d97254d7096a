// Package robust solves two-stage robust knapsack problems (Arslan & Detienne) with
// Neur2RO-style column-and-constraint generation, and evaluates first-stage
// decisions exactly.
//
// The exact oracles are pure Go: SecondStage solves the recourse problem by dynamic
// programming over capacity, and Evaluate computes the true worst case of a fixed
// first stage by cutting planes (an LP over the scenario with the DP as oracle; the
// LP goes through package milp, CBC in the cbc build). Every objective this package
// reports is such an exact evaluation, never a network's estimate.
package robust
