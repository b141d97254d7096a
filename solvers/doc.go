// Package solvers holds what every solver shares: the Status and StopReason enums
// that a Result carries. The algorithms live in the sub-packages tsp, jssp and robust.
package solvers
