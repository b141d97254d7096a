//go:build !unix

package benchmarks

import (
	"fmt"
	"os"
)

// openLocked opens path for appending. Without flock on this platform the file
// is not locked (locked is false, as on a cluster file system that does not
// lock), so two shards given one --out would mix their lines.
func openLocked(path string) (f *os.File, locked bool, err error) {
	f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return f, false, nil
}
