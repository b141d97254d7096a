package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cosolve/cosolve/internal/datadir"
)

// readInput returns the bytes of path, or of stdin when path is "-", with the name
// error messages should use.
func readInput(stdin io.Reader, path string) ([]byte, string, error) {
	if path == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "stdin", badInput(fmt.Errorf("stdin: %w", err))
		}
		return data, "stdin", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, path, badInput(err)
	}
	return data, path, nil
}

// writeFileAtomic writes through a temporary file in the target's directory and
// renames it into place, so a failure never leaves a half-written file. "-" writes
// to stdout.
func writeFileAtomic(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return badInput(err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file private; a written result is an ordinary file.
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// dataDir locates the benchmark data: $COSOLVE_DATA, else ../shared/data beside the
// repository found upward from the working directory, from each of the given paths
// (an instance or spec file) and from the executable.
func dataDir(near ...string) string {
	starts := []string{"."}
	for _, p := range near {
		if p != "" && p != "-" {
			starts = append(starts, filepath.Dir(p))
		}
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		if dir, err := datadir.Find(s); err == nil {
			return dir
		}
	}
	return ""
}
