//go:build unix && !darwin

package benchmarks

import (
	"os"
	"syscall"
)

// maxRSSMB is a finished child's peak resident memory; these kernels count
// ru_maxrss in KiB.
func maxRSSMB(ps *os.ProcessState) float64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return float64(ru.Maxrss) / 1024
	}
	return 0
}
