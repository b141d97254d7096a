//go:build !unix

package benchmarks

import "os"

// maxRSSMB is 0 (not measured) where the platform's process accounting has no
// peak resident memory.
func maxRSSMB(*os.ProcessState) float64 { return 0 }
