//go:build !race

package tsp

const raceEnabled = false
