//go:build race

package improve

// raceEnabled trims the search budgets of tests that the race detector slows tenfold.
const raceEnabled = true
