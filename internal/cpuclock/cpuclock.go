// Package cpuclock reads this process's CPU time (user + system, every
// thread, the garbage collector included). On a shared machine it measures
// the work a run did where the wall clock also measures the neighbours: the
// benchmarks and the long comparisons give their runs equal CPU time with it.
package cpuclock

import "time"

// Since returns a clock of the CPU time used from now on.
func Since() func() time.Duration {
	base := Process()
	return func() time.Duration { return Process() - base }
}
