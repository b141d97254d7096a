//go:build !race

package solvers_test

const lateSlack = 1
