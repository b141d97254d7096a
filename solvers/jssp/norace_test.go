//go:build !race

package jssp

const raceEnabled = false
