//go:build race

package heatmap

// raceEnabled skips what the race detector would make too slow or too large to
// measure.
const raceEnabled = true
