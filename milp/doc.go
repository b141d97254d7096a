// Package milp is a small, solver-neutral mixed-integer linear programming model
// (variables with bounds and integrality, sparse rows with lower and upper bounds, an
// objective with a constant offset, an optional MIP start) and a Solver interface
// with interchangeable backends.
//
// Backends:
//   - "simplex" (always built, pure Go): continuous models only, through a dense
//     two-phase tableau simplex; meant for small LPs (a few hundred rows at most).
//   - "cbc" (build tag cbc, cgo): COIN-OR CBC 2.10 through a thin wrapper over
//     Cbc_C_Interface.h, for LPs and MILPs of any size. Install the library with
//     `apt-get install coinor-libcbc-dev pkg-config` and build with `-tags cbc`.
//
// Default returns CBC when it is built in and the pure-Go backend otherwise.
//
// Time limits: neither backend can be interrupted once running. Solve sets the
// backend's own limit from the remaining time (the earlier of Limits.TimeLimit and
// the context deadline) and enforces the wall clock from Go: when the backend has not
// returned by the deadline plus Limits.Grace, Solve returns with TimedOut set and no
// solution, and the abandoned call finishes (and frees its memory) in the background.
// CBC honours its own limit only between nodes and cut rounds: on market-split models
// it cannot finish (TestCBCOvershoot) CBC 2.10.8 returned 0.05–0.18 s after a 0.7 s
// limit on an idle machine but 5.8–8.6 s after it on a heavily loaded one, while
// Solve returned at most the 0.1 s grace after it (up to 0.9 s under that load). An
// abandoned solve keeps a core busy until CBC stops on its own; one that comes back
// right at the end of the grace period is returned with its incumbent.
package milp
