// Package datadirtest gives tests the benchmark data directory, or skips them
// with a clear message when it is absent. Only tests import it, so the
// cosolve binary does not link package testing.
package datadirtest

import (
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/internal/datadir"
)

// ForTest returns the data directory for a test running in its package directory, or
// skips the test with a clear message when the data is absent.
func ForTest(tb testing.TB) string {
	tb.Helper()
	dir, err := datadir.Find(".")
	if err != nil {
		tb.Skipf("skipping: %v", err)
	}
	return dir
}

// Path joins elements onto the data directory for a test, skipping when absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{ForTest(tb)}, elem...)...)
}
