//go:build race

package solvers_test

// lateSlack scales the 50 ms promise under the race detector, which slows the
// searches between two budget checks about tenfold.
const lateSlack = 5
