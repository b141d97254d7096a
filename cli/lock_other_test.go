//go:build !unix

package cli

import "testing"

// holdLock skips: bench runs lock their results file only where flock exists.
func holdLock(t *testing.T, _ string) {
	t.Skip("files cannot be locked here")
}
