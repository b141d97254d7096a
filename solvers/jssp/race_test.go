//go:build race

package jssp

// raceEnabled: the race detector slows the forward pass about tenfold, so the
// largest reproduction cases are left to the normal test run.
const raceEnabled = true
