//go:build unix

package benchmarks

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openLocked opens path for appending and takes an exclusive lock on it, so a
// second bench run on the same file — two shards given one --out, or a resubmitted
// task while the first still runs — stops with an error instead of mixing lines.
// Some cluster file systems do not lock (Lustre mounted without flock); the file is
// then opened unlocked and locked is false.
func openLocked(path string) (f *os.File, locked bool, err error) {
	f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return f, true, nil
	case errors.Is(err, syscall.ENOSYS), errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.ENOLCK):
		return f, false, nil
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, false, fmt.Errorf("%w: %s: another bench run is writing this file: each shard needs its own file "+
			"(without --out, the name includes the shard)", ErrBadInput, path)
	}
	return nil, false, fmt.Errorf("%s: lock: %w", path, err)
}
