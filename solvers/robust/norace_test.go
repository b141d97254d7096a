//go:build !race

package robust

const raceEnabled = false
