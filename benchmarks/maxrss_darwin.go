package benchmarks

import (
	"os"
	"syscall"
)

// maxRSSMB is a finished child's peak resident memory; macOS counts ru_maxrss
// in bytes, not KiB.
func maxRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / (1 << 20)
	}
	return 0
}
