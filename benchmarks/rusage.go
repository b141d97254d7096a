package benchmarks

import "syscall"

// tvSeconds is a child's rusage time in seconds.
func tvSeconds(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
