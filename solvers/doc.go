// Package solvers is the contract every solver of cosolve shares: the run
// control (Limits, Budget, NewRand), the Result shape, and the Status and
// StopReason enums it carries. The algorithms live in the sub-packages tsp,
// jssp and robust; each exposes
//
//	Solve(ctx, instance, Settings) (Result, error)
//
// where Settings embeds Limits, Result is Result[Solution, Stats] with the
// solver's own Solution and Stats, and Settings.OnImprove is a func(Solution).
// TimeLimit is applied once, at the top of Solve (Limits.Context); every loop
// below asks a Budget, which honours the context within 50 ms and says why it
// stopped.
package solvers
