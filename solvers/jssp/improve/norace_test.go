//go:build !race

package improve

const raceEnabled = false
