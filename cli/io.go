package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cosolve/cosolve/internal/datadir"
)

// openInput opens path, or stdin when path is "-", for streaming, with the name
// error messages should use. The instance readers take it as it is (they
// decompress gzip themselves); peekHead shows its start for telling the kind.
// Nothing is read ahead of the parser, so an endless input (/dev/zero) fails at
// its first malformed line instead of filling memory.
func openInput(stdin io.Reader, path string) (*bufio.Reader, string, func(), error) {
	name := inputName(path)
	if path == "-" {
		return bufio.NewReaderSize(stdin, headSize), name, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, name, nil, badInput(err)
	}
	return bufio.NewReaderSize(f, headSize), name, func() { f.Close() }, nil
}

// peekHead returns the first bytes of r without consuming them, decompressed
// when they are gzip, for telling the file's kind.
func peekHead(r *bufio.Reader, name string) ([]byte, error) {
	head, err := r.Peek(headSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, badInput(fmt.Errorf("%s: %w", name, err))
	}
	return gunzipHead(head), nil
}

// readInput returns the bytes of path, or of stdin when path is "-", with the
// name error messages should use; gzip-compressed input is returned
// decompressed. It is for inputs a parser needs whole (JSON, ONNX, a first
// stage); limit is the most bytes any valid one of them can take, so a huge or
// endless input is refused after reading limit bytes rather than read into
// memory until the process is killed.
func readInput(stdin io.Reader, path string, limit int64, what string) ([]byte, string, error) {
	r, name, closeInput, err := openInput(stdin, path)
	if err != nil {
		return nil, name, err
	}
	defer closeInput()
	src, err := decompressed(r, name)
	if err != nil {
		return nil, name, err
	}
	data, err := readAtMost(src, limit)
	if errors.Is(err, errTooLong) {
		return nil, name, badInput(fmt.Errorf("%s: longer than %d MB, more than any %s can be", name, limit>>20, what))
	}
	if err != nil {
		return nil, name, badInput(fmt.Errorf("%s: %w", name, err))
	}
	return data, name, nil
}

var errTooLong = errors.New("input too long")

// readAtMost reads r to its end in pieces of 1 MiB and joins them, or gives
// errTooLong past limit bytes. io.ReadAll's growing buffer, copied at each
// growth, held 604 MB when an endless input (/dev/zero) reached a 256 MB
// limit; the pieces hold the limit itself.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	const piece = 1 << 20
	var pieces [][]byte
	var total int64
	for {
		buf := make([]byte, piece)
		n, err := io.ReadFull(r, buf)
		total += int64(n)
		if total > limit {
			return nil, errTooLong
		}
		pieces = append(pieces, buf[:n])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(pieces) == 1 {
		return pieces[0], nil
	}
	return bytes.Join(pieces, nil), nil
}

// Limits for readInput: generous for every valid input, small enough that a
// refused one costs well under a second and little memory.
const (
	maxModelBytes     = 256 << 20 // ONNX models, state dicts and model inputs
	solutionSlack     = 16 << 20  // a JSON envelope's other fields around a solution
	solutionUnitBytes = 64        // per node, operation or item: a number and its separator, many times over
)

// solutionLimit is the most bytes a solution of l's instance can take.
func solutionLimit(l *loaded) int64 {
	units := 0
	switch {
	case l.tsp != nil:
		units = l.tsp.N()
	case l.jssp != nil:
		units = l.jssp.NumOperations()
	case l.robust != nil:
		units = l.robust.N()
	case l.cb != nil:
		units = l.cb.N()
	}
	return solutionSlack + solutionUnitBytes*int64(units)
}

// decompressed returns r's content, gunzipped when it starts like gzip.
func decompressed(r *bufio.Reader, name string) (io.Reader, error) {
	if magic, _ := r.Peek(2); !isGzip(magic) {
		return r, nil
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: gzip: %w", name, err))
	}
	return zr, nil
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// headSize is how much of a file tells its kind.
const headSize = 1 << 16

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
	filepath.Join("robust", "Neur2RO", "cb_eval_instances"),
	filepath.Join("jssp", "tassel_e2e", "pretrained"),
}

// writeFileAtomic writes the output at path so that a failure never leaves a
// half-written file: streamed into a temporary file beside the target (never
// held in memory: a heatmap can be gigabytes), synced, then renamed over it. A symbolic link is followed, so its target is replaced and
// the link kept. A path that exists and is not a regular file (/dev/null,
// /dev/stdout, a pipe) is written directly: renaming over it would replace the
// device with a file. "-" writes to stdout.
func writeFileAtomic(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	target, err := followLinks(path)
	if err != nil {
		return badInput(err)
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		switch {
		case st.IsDir():
			return badInput(fmt.Errorf("--out %s: is a directory", path))
		case !st.Mode().IsRegular():
			return writeInPlace(target, write)
		}
		mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	removeStaleTemps(dir, base)
	tmp, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return badInput(err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file private; a written result is an ordinary file.
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := writeBuffered(tmp, write); err != nil {
		tmp.Close()
		return err
	}
	// Without the sync, a crash soon after the rename can leave an empty file
	// where the old one was.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		// Makes the rename itself durable; a file system that cannot sync a
		// directory has nothing to lose here.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// followLinks resolves path through symbolic links, dangling ones included
// (writing creates the file they point to), refusing a loop.
func followLinks(path string) (string, error) {
	for range 40 {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("--out %s: too many levels of symbolic links", path)
}

// writeInPlace writes to an existing file that is not a regular file.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return badInput(err)
	}
	if err := writeBuffered(f, write); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeBuffered(f *os.File, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// tempPrefix names the temporary files of writes to base.
func tempPrefix(base string) string { return "." + base + ".tmp" }

// staleTempAge is how old a temporary file must be to be another write's
// leftover: a write holds its temporary file only while copying a buffer.
const staleTempAge = time.Minute

// removeStaleTemps deletes the temporary files that killed writes to base left
// in dir (a SIGKILL runs no cleanup).
func removeStaleTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(base)
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) || !isDigits(e.Name()[len(prefix):]) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
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
