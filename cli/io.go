package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosolve/cosolve/internal/datadir"
)

// readInput returns the bytes of path, or of stdin when path is "-", with the name
// error messages should use. Gzip-compressed input (TSPLIB's .tsp.gz) is
// returned decompressed.
func readInput(stdin io.Reader, path string) ([]byte, string, error) {
	name := inputName(path)
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		if path == "-" {
			err = fmt.Errorf("stdin: %w", err)
		}
		return nil, name, badInput(err)
	}
	if isGzip(data) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(zr)
		}
		if err != nil {
			return nil, name, badInput(fmt.Errorf("%s: gzip: %w", name, err))
		}
	}
	return data, name, nil
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// headSize is how much of a file tells its kind.
const headSize = 1 << 16

// readHead returns the first bytes of the file at path.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, headSize)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:n], err
}

// gunzipHead decompresses what a compressed head holds, for telling the kind.
func gunzipHead(head []byte) []byte {
	if !isGzip(head) {
		return head
	}
	zr, err := gzip.NewReader(bytes.NewReader(head))
	if err != nil {
		return head
	}
	out, _ := io.ReadAll(io.LimitReader(zr, headSize))
	return out
}

// resolveInstance lets an example name a benchmark instance as its papers do
// ("gr666.tsp", "ta01", "RKP_UN_n40_…"): a bare name that is not a file here is
// looked up in the benchmark data directory. Anything else is returned as it is.
func resolveInstance(path string) string {
	if path == "-" || strings.ContainsRune(path, filepath.Separator) {
		return path
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	dir := dataDir()
	if dir == "" {
		return path
	}
	for _, sub := range dataInstanceDirs {
		for _, ext := range []string{"", ".tsp", ".txt"} {
			p := filepath.Join(dir, sub, path+ext)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
	}
	return path
}

// dataInstanceDirs are where resolveInstance looks, in order.
var dataInstanceDirs = []string{
	"tsplib", "tsp",
	filepath.Join("jssp", "jsplib", "instances"), filepath.Join("jssp", "tassel_e2e", "instances_run"),
	filepath.Join("robust", "RobustDecomposition", "TwoStageRobustKnapsack", "TwoStageRobustKnapsackInstances"),
	filepath.Join("jssp", "tassel_e2e", "pretrained"),
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
