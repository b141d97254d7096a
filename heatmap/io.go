package heatmap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// keepMin is the smallest dense entry ReadDense stores. The reference candidate
// rule cuts at 1e-4 after symmetrisation, so dropping entries below 1e-9 moves
// no symmetrised value by more than 5e-10.
const keepMin = 1e-9

// Bounds that keep a hostile file from making a reader allocate without limit.
// Readers hold one token at a time, never a line (a dense row of n = 10^5
// numbers is megabytes), and store entries only as the data arrives, never
// sized by the node count a header claims.
const (
	maxToken   = 1 << 10
	maxNodes   = 100_000_000
	maxEntries = math.MaxInt32 / 2 // Start is int32, and symmetrising doubles the entries
)

// ReadDense reads the dense text format of the heatmap + MCTS literature — the
// node count n, then n rows of n non-negative numbers — and returns the
// symmetrised heatmap (H + Hᵀ)/2 as Fu et al.'s and Pan et al.'s codes build
// on load, storing entries ≥ 1e-9. name prefixes error messages (file:line).
// Numbers may be laid out over lines in any way; n is at most 10^7.
func ReadDense(r io.Reader, name string) (*Heatmap, error) {
	return readDense(newTokenScanner(r, name))
}

func readDense(s *tokenScanner) (*Heatmap, error) {
	n := -1
	var rows [][]entry
	var rowSum, colSum []float64
	count, stored := 0, 0 // numbers read after n, entries kept
	for {
		tok, line, err := s.next()
		if err != nil {
			return nil, err
		}
		if tok == nil {
			break
		}
		v, perr := strconv.ParseFloat(string(tok), 64)
		if perr != nil {
			return nil, s.errorf(line, "%s is not a number", quote(tok))
		}
		if n < 0 {
			if v != math.Trunc(v) || v < 3 || v > 1e7 {
				return nil, s.errorf(line, "node count %s must be an integer ≥ 3 and at most 10^7", quote(tok))
			}
			n = int(v)
			continue
		}
		if count >= n*n {
			return nil, s.errorf(line, "more than %d×%d numbers", n, n)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, s.errorf(line, "entry %s must be finite and non-negative", quote(tok))
		}
		i, j := count/n, count%n
		count++
		// Rows and column sums grow with the numbers read, not with n.
		if j == 0 {
			rows, rowSum = append(rows, nil), append(rowSum, 0)
		}
		if i == 0 {
			colSum = append(colSum, 0)
		}
		if i == j {
			continue
		}
		rowSum[i] += v
		colSum[j] += v
		if v >= keepMin {
			if stored++; stored > maxEntries {
				return nil, s.errorf(line, "more than %d entries of at least %g", maxEntries, keepMin)
			}
			rows[i] = append(rows[i], entry{int32(j), v})
		}
	}
	if n < 0 {
		return nil, s.errorf(0, "empty file, want the node count then an n×n matrix")
	}
	if count != n*n {
		return nil, s.errorf(s.line, "%d numbers after the node count, want %d×%d = %d", count, n, n, n*n)
	}
	h := fromRows(rows, rowSum).Symmetrize()
	for i := range h.RowSum {
		h.RowSum[i] = (rowSum[i] + colSum[i]) / 2
	}
	return h, nil
}

// WriteDense writes h in the dense text format (unstored entries as 0). It is
// O(n²) output: ~0.6 MB at n = 500 but ~1 GB at n = 10000.
func WriteDense(w io.Writer, h *Heatmap) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, "%d\n", h.N)
	var buf []byte
	for i := 0; i < h.N; i++ {
		cols, vals := h.Row(i)
		k := 0
		buf = buf[:0]
		for j := 0; j < h.N; j++ {
			if j > 0 {
				buf = append(buf, ' ')
			}
			if k < len(cols) && int(cols[k]) == j {
				buf = strconv.AppendFloat(buf, vals[k], 'g', -1, 64)
				k++
			} else {
				buf = append(buf, '0')
			}
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// sparseMagic starts our sparse format:
//
//	cosolve-heatmap-sparse 1 <n>
//	<row sum> <j> <value> <j> <value> …     (n lines, 0-based columns)
const sparseMagic = "cosolve-heatmap-sparse"

// WriteSparse writes h in the sparse text format, O(stored entries).
func WriteSparse(w io.Writer, h *Heatmap) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, "%s 1 %d\n", sparseMagic, h.N)
	var buf []byte
	for i := 0; i < h.N; i++ {
		cols, vals := h.Row(i)
		buf = strconv.AppendFloat(buf[:0], h.RowSum[i], 'g', -1, 64)
		for k, j := range cols {
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(j), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, vals[k], 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadSparse reads the sparse format as written (no symmetrisation: it stores
// whatever heatmap was written). Rows are the non-blank lines after the header.
func ReadSparse(r io.Reader, name string) (*Heatmap, error) {
	return readSparse(newTokenScanner(r, name))
}

func readSparse(s *tokenScanner) (*Heatmap, error) {
	var head [3][]byte
	headLine := 0
	for k := range head {
		tok, line, err := s.next()
		if err != nil {
			return nil, err
		}
		if k == 0 {
			headLine = line
		}
		if tok == nil || line != headLine {
			return nil, s.errorf(headLine, "want %q, the format version 1 and the node count", sparseMagic)
		}
		head[k] = append([]byte(nil), tok...)
	}
	if string(head[0]) != sparseMagic || string(head[1]) != "1" {
		return nil, s.errorf(headLine, "want %q, the format version 1 and the node count", sparseMagic)
	}
	n, perr := strconv.Atoi(string(head[2]))
	if perr != nil || n < 3 || n > maxNodes {
		return nil, s.errorf(headLine, "node count %s must be an integer ≥ 3 and at most %d", quote(head[2]), maxNodes)
	}
	// Rows grow with the data read, not with the node count the header claims.
	var rows [][]entry
	var sums []float64
	stored := 0
	tok, line, err := s.next()
	if err == nil && tok != nil && line == headLine {
		return nil, s.errorf(line, "unexpected %s after the node count", quote(tok))
	}
	for err == nil && tok != nil { // tok is the first of a row, read ahead
		if len(rows) == n {
			return nil, s.errorf(line, "more than %d rows", n)
		}
		i, rowLine := len(rows), line
		sum, ok := parseNonNegative(tok)
		if !ok {
			return nil, s.errorf(line, "row sum %s must be a finite non-negative number", quote(tok))
		}
		var row []entry
		for {
			tok, line, err = s.next()
			if err != nil || tok == nil || line != rowLine {
				break
			}
			j, perr := strconv.Atoi(string(tok))
			if perr != nil || j < 0 || j >= n || j == i {
				return nil, s.errorf(line, "column %s out of range 0…%d or on the diagonal", quote(tok), n-1)
			}
			if len(row) > 0 && int32(j) <= row[len(row)-1].j {
				return nil, s.errorf(line, "columns must ascend")
			}
			tok, line, err = s.next()
			if err != nil {
				return nil, err
			}
			if tok == nil || line != rowLine {
				return nil, s.errorf(rowLine, "column %d has no value: want a row sum then column/value pairs", j)
			}
			v, ok := parseNonNegative(tok)
			if !ok {
				return nil, s.errorf(line, "value %s must be a finite non-negative number", quote(tok))
			}
			if stored++; stored > maxEntries {
				return nil, s.errorf(line, "more than %d entries", maxEntries)
			}
			row = append(row, entry{int32(j), v})
		}
		rows, sums = append(rows, row), append(sums, sum)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) < n {
		return nil, s.errorf(s.line, "%d rows, want %d", len(rows), n)
	}
	return fromRows(rows, sums), nil
}

func parseNonNegative(tok []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(tok), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0
}

// Read reads a heatmap in either format, told apart by the first word (after a
// UTF-8 byte-order mark, if any): the sparse format's magic word, else the dense
// format. Dense files are symmetrised (the reference behaviour); sparse files
// are taken as written.
func Read(r io.Reader, name string) (*Heatmap, error) {
	s := newTokenScanner(r, name)
	if s.startsWith(sparseMagic) {
		return readSparse(s)
	}
	return readDense(s)
}

// Load reads a heatmap file in either format (see Read).
func Load(path string) (*Heatmap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// quote shows a token from the input in an error message: escaped, so binary
// garbage prints as text, and cut to a few dozen bytes.
func quote(tok []byte) string {
	const show = 32
	if len(tok) > show {
		return strconv.Quote(string(tok[:show])) + "…"
	}
	return strconv.Quote(string(tok))
}

// tokenScanner yields the whitespace-separated tokens of a stream with their
// lines, holding one buffer and one token in memory. A leading UTF-8 byte-order
// mark is skipped.
type tokenScanner struct {
	rd       io.Reader
	name     string
	buf      []byte
	pos, end int
	atEOF    bool
	readErr  error // first read error other than io.EOF
	line     int   // line of the next unread byte, 1-based
	tok      []byte
}

func newTokenScanner(r io.Reader, name string) *tokenScanner {
	s := &tokenScanner{rd: r, name: name, buf: make([]byte, 1<<16), line: 1}
	if s.fillAtLeast(len(bom)) && string(s.buf[s.pos:s.pos+len(bom)]) == bom {
		s.pos += len(bom)
	}
	return s
}

const bom = "\ufeff"

func (s *tokenScanner) errorf(line int, format string, args ...any) error {
	if line == 0 {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, s.name, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%w: %s:%d: %s", ErrInvalid, s.name, line, fmt.Sprintf(format, args...))
}

// fill makes sure an unread byte is buffered and reports whether one is.
func (s *tokenScanner) fill() bool {
	return s.fillAtLeast(1)
}

// fillAtLeast buffers k unread bytes when the input has them (k ≤ the buffer
// size) and reports whether it does.
func (s *tokenScanner) fillAtLeast(k int) bool {
	for empty := 0; s.end-s.pos < k && !s.atEOF; {
		if s.pos > 0 {
			s.end = copy(s.buf, s.buf[s.pos:s.end])
			s.pos = 0
		}
		n, err := s.rd.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.atEOF = true
			if !errors.Is(err, io.EOF) {
				s.readErr = err
			}
		} else if n == 0 {
			if empty++; empty == 100 {
				s.atEOF, s.readErr = true, io.ErrNoProgress
			}
		}
	}
	return s.end-s.pos >= k
}

// startsWith reports whether the unread input begins with word.
func (s *tokenScanner) startsWith(word string) bool {
	return s.fillAtLeast(len(word)) && string(s.buf[s.pos:s.pos+len(word)]) == word
}

// next returns the next token and its line, or a nil token at the end of the
// input. The token aliases an internal buffer until the next call.
func (s *tokenScanner) next() ([]byte, int, error) {
	for {
		if !s.fill() {
			if s.readErr != nil {
				return nil, s.line, fmt.Errorf("%s:%d: %w", s.name, s.line, s.readErr)
			}
			return nil, s.line, nil
		}
		c := s.buf[s.pos]
		if c == '\n' {
			s.line++
		} else if !isSpace(c) {
			break
		}
		s.pos++
	}
	line := s.line
	s.tok = s.tok[:0]
	for s.fill() {
		start := s.pos
		for s.pos < s.end && !isSpace(s.buf[s.pos]) {
			s.pos++
		}
		s.tok = append(s.tok, s.buf[start:s.pos]...)
		if len(s.tok) > maxToken {
			return nil, line, s.errorf(line, "token %s longer than %d bytes", quote(s.tok), maxToken)
		}
		if s.pos < s.end {
			break
		}
	}
	if s.readErr != nil {
		return nil, line, fmt.Errorf("%s:%d: %w", s.name, line, s.readErr)
	}
	return s.tok, line, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
