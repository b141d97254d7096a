//go:build race

package tsp

// raceEnabled skips what the race detector would make too slow or too large to
// measure.
const raceEnabled = true
