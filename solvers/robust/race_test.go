//go:build race

package robust

// raceEnabled narrows the data-reproduction tests, which the race detector
// makes six times slower; the cbc build's pass in test.sh runs them whole.
const raceEnabled = true
