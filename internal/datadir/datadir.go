// Package datadir finds the shared benchmark data: $COSOLVE_DATA when set, else
// ../shared/data beside the directory that holds go.mod, searched upward from a
// starting directory.
package datadir

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNotFound is returned when no data directory can be located.
var ErrNotFound = errors.New("benchmark data not found: set COSOLVE_DATA or place shared/data beside the repository")

// Find returns the data directory, searching upward from start for go.mod when
// $COSOLVE_DATA is unset; a start inside the data directory itself (an instance
// file's folder) finds it too.
func Find(start string) (string, error) {
	if env := os.Getenv("COSOLVE_DATA"); env != "" {
		if isDir(env) {
			return env, nil
		}
		return "", ErrNotFound
	}
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if looksLikeData(dir) {
			return dir, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			candidate := filepath.Join(filepath.Dir(dir), "shared", "data")
			if isDir(candidate) {
				return candidate, nil
			}
			return "", ErrNotFound
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}

// looksLikeData recognises the benchmark data directory by its problem folders.
func looksLikeData(dir string) bool {
	for _, sub := range []string{"tsp", "tsplib", "jssp", "robust"} {
		if !isDir(filepath.Join(dir, sub)) {
			return false
		}
	}
	return true
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
