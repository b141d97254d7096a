// Package cli implements the cosolve command line on urfave/cli v3. It is the only
// package besides benchmarks that touches flags, terminals and the environment.
//
// Exit codes: 0 success; 1 an invalid solution or a failed check; 2 bad usage or bad
// input (unreadable or malformed files, out-of-range flags).
package cli
