package instances

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LoadTSPLIB reads a TSPLIB 95 file; errors name the path and line.
func LoadTSPLIB(path string) (*TSP, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadTSPLIB(f, path)
}

// ReadTSPLIB reads a symmetric TSP in the TSPLIB 95 format. name is used in error
// messages and, when the file has no NAME, for the instance name.
//
// Supported: NODE_COORD_SECTION with EDGE_WEIGHT_TYPE EUC_2D, CEIL_2D, ATT, GEO,
// MAN_2D, MAX_2D and EUCLIDEAN (this package's unrounded metric, see WriteTSPLIB);
// EXPLICIT with EDGE_WEIGHT_FORMAT FULL_MATRIX, UPPER_ROW, LOWER_ROW, UPPER_DIAG_ROW,
// LOWER_DIAG_ROW and their column-wise twins UPPER_COL, LOWER_COL, UPPER_DIAG_COL,
// LOWER_DIAG_COL. Matrix entries may be spread over lines in any way. Diagonal
// entries are read and ignored. A FULL_MATRIX must be symmetric: an asymmetric one
// is rejected rather than silently symmetrised, because solving half of it would
// be solving a different problem. DISPLAY_DATA_SECTION is read and ignored, as is
// a NODE_COORD_SECTION beside an explicit matrix. A FIXED_EDGES_SECTION is kept in
// TSP.Fixed; the edges must be able to lie on one tour. Keywords are
// case-insensitive, with or without spaces around ':'; the EOF line is optional.
// Anything that is not a symmetric TSP (ATSP, CVRP, 3-D coordinates) is rejected.
// A gzip-compressed file (how TSPLIB is distributed) is read decompressed.
//
// Every error wraps ErrInvalidInstance (or the read error) and reads
// "name:line: what is wrong". Memory grows with the data actually present, never
// with a DIMENSION the data does not back.
func ReadTSPLIB(r io.Reader, name string) (*TSP, error) {
	r, err := gunzipped(r, name)
	if err != nil {
		return nil, err
	}
	return readTSPLIB(newTSPScanner(r, name, ErrInvalidInstance))
}

// Header keywords whose value is the rest of the line.
var tsplibValueKeys = map[string]bool{
	"NAME": true, "TYPE": true, "COMMENT": true, "DIMENSION": true, "EDGE_WEIGHT_TYPE": true,
	"EDGE_WEIGHT_FORMAT": true, "NODE_COORD_TYPE": true, "DISPLAY_DATA_TYPE": true,
}

// Entries of an explicit matrix, per format, in terms of the row-wise twin: a
// column-wise listing of one triangle is the row-wise listing of the other.
var tsplibFormatAlias = map[string]string{
	"FULL_MATRIX": "FULL_MATRIX", "LOWER_ROW": "LOWER_ROW", "UPPER_ROW": "UPPER_ROW",
	"LOWER_DIAG_ROW": "LOWER_DIAG_ROW", "UPPER_DIAG_ROW": "UPPER_DIAG_ROW",
	"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
	"UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW",
}

// tsplibEuclideanNote is the COMMENT WriteTSPLIB adds to an EUCLIDEAN file; the
// reader drops it again so that a round trip keeps the comment as it was.
const tsplibEuclideanNote = "EDGE_WEIGHT_TYPE EUCLIDEAN is non-standard: unrounded Euclidean distances"

type tsplibHeader struct {
	name, comment      string
	dim                int64
	weightType, format string
	seen               map[string]int // keyword -> line
}

func readTSPLIB(s *tspScanner) (*TSP, error) {
	h := tsplibHeader{dim: -1, seen: map[string]int{}}
	var (
		x, y        []float64
		lower       []float64
		coordLine   int
		matrixLine  int
		fixed       [][2]int
		fixedLine   int
		anyKeywords bool
	)
loop:
	for {
		key, line, err := s.key()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		anyKeywords = true
		k := strings.ToUpper(key)
		if first, dup := h.seen[k]; dup && k != "COMMENT" {
			return nil, s.errorf(line, "%s given twice (first at line %d)", k, first)
		}
		h.seen[k] = line
		if tsplibValueKeys[k] {
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			if err := h.set(s, k, v, line); err != nil {
				return nil, err
			}
			continue
		}
		switch k {
		case "EOF":
			break loop
		case "NODE_COORD_SECTION", "DISPLAY_DATA_SECTION":
			s.skipColon()
			if h.dim < 0 {
				return nil, s.errorf(line, "%s before DIMENSION", k)
			}
			xs, ys, err := readTSPLIBCoords(s, h.dim, k)
			if err != nil {
				return nil, err
			}
			if k == "NODE_COORD_SECTION" {
				x, y, coordLine = xs, ys, line
			}
		case "EDGE_WEIGHT_SECTION":
			s.skipColon()
			if h.dim < 0 {
				return nil, s.errorf(line, "EDGE_WEIGHT_SECTION before DIMENSION")
			}
			if h.weightType != "EXPLICIT" {
				if h.weightType == "" {
					return nil, s.errorf(line, "EDGE_WEIGHT_SECTION before EDGE_WEIGHT_TYPE")
				}
				return nil, s.errorf(line, "EDGE_WEIGHT_SECTION with EDGE_WEIGHT_TYPE %s (want EXPLICIT)", h.weightType)
			}
			if h.format == "" {
				return nil, s.errorf(line, "EDGE_WEIGHT_SECTION before EDGE_WEIGHT_FORMAT")
			}
			lower, err = readTSPLIBMatrix(s, h.dim, h.format, line)
			if err != nil {
				return nil, err
			}
			matrixLine = line
		case "FIXED_EDGES_SECTION":
			s.skipColon()
			if h.dim < 0 {
				return nil, s.errorf(line, "FIXED_EDGES_SECTION before DIMENSION")
			}
			if fixed, err = readTSPLIBFixed(s, h.dim); err != nil {
				return nil, err
			}
			fixedLine = line
		case "DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION", "TOUR_SECTION":
			return nil, s.errorf(line, "%s is not supported: this reader takes plain symmetric TSPs", k)
		case "CAPACITY", "EDGE_DATA_FORMAT":
			return nil, s.errorf(line, "%s is not supported: this reader takes plain symmetric TSPs", k)
		default:
			if _, err := strconv.ParseFloat(key, 64); err == nil && h.dim >= 0 {
				return nil, s.errorf(line, "unexpected number %s: more data than DIMENSION %d?", quote(key), h.dim)
			}
			return nil, s.errorf(line, "unknown keyword %s", quote(key))
		}
	}
	if !anyKeywords {
		return nil, s.errorf(s.line, "empty input")
	}
	end := s.line
	if h.dim < 0 {
		return nil, s.errorf(end, "no DIMENSION")
	}
	if h.weightType == "" {
		return nil, s.errorf(end, "no EDGE_WEIGHT_TYPE")
	}
	name := h.name
	if name == "" {
		base := strings.TrimSuffix(filepath.Base(s.name), ".gz")
		name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	var p *TSP
	var err error
	if h.weightType == "EXPLICIT" {
		if lower == nil {
			return nil, s.errorf(end, "EDGE_WEIGHT_TYPE EXPLICIT but no EDGE_WEIGHT_SECTION")
		}
		p, err = NewExplicitTSP(name, int(h.dim), lower)
		if err != nil {
			return nil, s.errorf(matrixLine, "%v", err)
		}
	} else {
		if x == nil {
			return nil, s.errorf(end, "EDGE_WEIGHT_TYPE %s but no NODE_COORD_SECTION", h.weightType)
		}
		m, _ := ParseMetric(h.weightType)
		p, err = NewCoordTSP(name, m, x, y)
		if err != nil {
			return nil, s.errorf(coordLine, "%v", err)
		}
	}
	p.Comment = h.comment
	if len(fixed) > 0 {
		if err := checkFixedEdges(p.N(), fixed); err != nil {
			return nil, s.errorf(fixedLine, "%v", err)
		}
		p.Fixed = fixed
	}
	return p, nil
}

func (h *tsplibHeader) set(s *tspScanner, key, v string, line int) error {
	switch key {
	case "NAME":
		h.name = strings.TrimSuffix(v, ".tsp")
	case "COMMENT":
		if v == tsplibEuclideanNote { // written by WriteTSPLIB, not part of the data
			return nil
		}
		if h.comment != "" {
			h.comment += "\n"
		}
		h.comment += v
	case "TYPE":
		// Some TSPLIB files append an attribution: "TSP (M.~Hofmeister)".
		if f := strings.Fields(v); len(f) == 0 || !strings.EqualFold(f[0], "TSP") {
			return s.errorf(line, "TYPE %s is not supported (want TSP)", quote(v))
		}
	case "DIMENSION":
		d, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.errorf(line, "DIMENSION %s is not an integer", quote(v))
		}
		if d < 3 || d > MaxTSPNodes {
			return s.errorf(line, "DIMENSION %d: need 3 to %d nodes", d, MaxTSPNodes)
		}
		h.dim = d
	case "EDGE_WEIGHT_TYPE":
		t := strings.ToUpper(v)
		if _, ok := ParseMetric(t); !ok {
			return s.errorf(line, "unknown or unsupported EDGE_WEIGHT_TYPE %s", quote(v))
		}
		h.weightType = t
	case "EDGE_WEIGHT_FORMAT":
		f := strings.ToUpper(v)
		if f == "FUNCTION" {
			return nil
		}
		if _, ok := tsplibFormatAlias[f]; !ok {
			return s.errorf(line, "unknown or unsupported EDGE_WEIGHT_FORMAT %s", quote(v))
		}
		h.format = f
	case "NODE_COORD_TYPE":
		if t := strings.ToUpper(v); t != "TWOD_COORDS" && t != "NO_COORDS" {
			return s.errorf(line, "NODE_COORD_TYPE %s is not supported (want TWOD_COORDS)", quote(v))
		}
	case "DISPLAY_DATA_TYPE":
		// Only matters for drawing; any value is accepted.
	}
	return nil
}

// readTSPLIBCoords reads n records "id x y" with ids 1…n in any order. Records are
// appended as they arrive, so a DIMENSION the data does not back costs nothing.
func readTSPLIBCoords(s *tspScanner, n int64, section string) (x, y []float64, err error) {
	start := min(n, 1<<12)
	xs := make([]float64, 0, start)
	ys := make([]float64, 0, start)
	ids := make([]int64, 0, start)
	lines := make([]int, 0, start)
	inOrder := true
	for k := int64(0); k < n; k++ {
		tok, line, err := s.token()
		if errors.Is(err, io.EOF) {
			return nil, nil, s.errorf(line, "%s ends after %d of %d nodes (DIMENSION %d)", section, k, n, n)
		}
		if err != nil {
			return nil, nil, err
		}
		id, perr := strconv.ParseInt(string(tok), 10, 64)
		if perr != nil {
			if isTSPLIBKeyword(tok) {
				return nil, nil, s.errorf(line, "%s has %d nodes but DIMENSION is %d", section, k, n)
			}
			return nil, nil, s.errorf(line, "node id %s is not an integer", quoteBytes(tok))
		}
		if id < 1 || id > n {
			return nil, nil, s.errorf(line, "node id %d out of range 1…%d", id, n)
		}
		var xy [2]float64
		for c, what := range [2]string{"x", "y"} {
			tok, tline, err := s.token()
			if errors.Is(err, io.EOF) {
				return nil, nil, s.errorf(tline, "node %d: missing %s coordinate", id, what)
			}
			if err != nil {
				return nil, nil, err
			}
			var ok bool
			if xy[c], ok = tspParseValue(tok); !ok {
				return nil, nil, s.errorf(tline, "node %d: %s coordinate: %s is not a number within ±%g", id, what, quoteBytes(tok), MaxTSPValue)
			}
		}
		inOrder = inOrder && id == k+1
		xs, ys = append(xs, xy[0]), append(ys, xy[1])
		ids, lines = append(ids, id), append(lines, line)
	}
	if inOrder {
		return xs, ys, nil
	}
	// n records arrived, so n is backed by data and may be allocated.
	first := make([]int, n)
	x, y = make([]float64, n), make([]float64, n)
	for k, id := range ids {
		if f := first[id-1]; f != 0 {
			return nil, nil, s.errorf(lines[k], "node %d listed twice (first at line %d)", id, f)
		}
		first[id-1] = lines[k]
		x[id-1], y[id-1] = xs[k], ys[k]
	}
	return x, y, nil
}

// isTSPLIBKeyword reports whether a token is a TSPLIB keyword (possibly with its
// ':'), the sign that a section ended early rather than held a malformed number.
func isTSPLIBKeyword(tok []byte) bool {
	k := strings.ToUpper(string(tok))
	if i := strings.IndexByte(k, ':'); i >= 0 {
		k = k[:i]
	}
	return tsplibValueKeys[k] || tsplibOtherKeys[k]
}

var tsplibOtherKeys = map[string]bool{
	"EOF": true, "NODE_COORD_SECTION": true, "DISPLAY_DATA_SECTION": true, "EDGE_WEIGHT_SECTION": true,
	"FIXED_EDGES_SECTION": true, "DEPOT_SECTION": true, "DEMAND_SECTION": true, "EDGE_DATA_SECTION": true,
	"TOUR_SECTION": true, "CAPACITY": true, "EDGE_DATA_FORMAT": true,
}

// tsplibEntries is the number of matrix entries a format lists for n nodes.
func tsplibEntries(format string, n int64) int64 {
	switch tsplibFormatAlias[format] {
	case "FULL_MATRIX":
		return n * n
	case "LOWER_ROW", "UPPER_ROW":
		return n * (n - 1) / 2
	default:
		return n * (n + 1) / 2
	}
}

// readTSPLIBMatrix reads an explicit matrix and returns it as the packed lower
// triangle NewExplicitTSP takes.
func readTSPLIBMatrix(s *tspScanner, n int64, format string, sectionLine int) ([]float64, error) {
	count := tsplibEntries(format, n)
	entries := make([]float64, 0, min(count, 1<<12))
	for k := int64(0); k < count; k++ {
		tok, line, err := s.token()
		if errors.Is(err, io.EOF) || err == nil && isTSPLIBKeyword(tok) {
			return nil, s.errorf(line, "EDGE_WEIGHT_SECTION ends after %d of the %d entries %s needs for DIMENSION %d", k, count, format, n)
		}
		if err != nil {
			return nil, err
		}
		v, ok := tspParseValue(tok)
		if !ok {
			return nil, s.errorf(line, "matrix entry: %s is not a number within ±%g", quoteBytes(tok), MaxTSPValue)
		}
		if v < 0 {
			return nil, s.errorf(line, "matrix entry %v is negative", v)
		}
		entries = append(entries, v)
	}
	nn := int(n)
	lower := make([]float64, nn*(nn-1)/2)
	k := 0
	switch tsplibFormatAlias[format] {
	case "FULL_MATRIX":
		for i := 1; i < nn; i++ {
			for j := 0; j < i; j++ {
				a, b := entries[i*nn+j], entries[j*nn+i]
				if a != b {
					return nil, s.errorf(sectionLine, "FULL_MATRIX is not symmetric: d(%d,%d) = %v but d(%d,%d) = %v (asymmetric TSPs are not supported)", j+1, i+1, b, i+1, j+1, a)
				}
				lower[i*(i-1)/2+j] = a
			}
		}
	case "LOWER_ROW":
		copy(lower, entries)
	case "LOWER_DIAG_ROW":
		for i := 0; i < nn; i++ {
			for j := 0; j <= i; j++ {
				if j < i {
					lower[i*(i-1)/2+j] = entries[k]
				}
				k++
			}
		}
	case "UPPER_ROW", "UPPER_DIAG_ROW":
		diag := tsplibFormatAlias[format] == "UPPER_DIAG_ROW"
		for i := 0; i < nn; i++ {
			if diag {
				k++
			}
			for j := i + 1; j < nn; j++ {
				lower[j*(j-1)/2+i] = entries[k]
				k++
			}
		}
	}
	return lower, nil
}

// WriteTSPLIB writes p in the TSPLIB 95 format: coordinates with full float64
// precision (shortest round-trip form) under their metric, and explicit matrices
// as LOWER_DIAG_ROW, one row per line.
//
// The unrounded Euclidean metric of generated and TSP-500/1000/10000 instances has
// no TSPLIB name: EUC_2D would silently round every distance to an integer, which
// on the unit square is a different (degenerate) instance. So it is written as the
// non-standard EDGE_WEIGHT_TYPE EUCLIDEAN, with a COMMENT saying so; ReadTSPLIB
// reads it back exactly. Tools that only know TSPLIB 95 reject such a file instead
// of solving the wrong problem; for them, scale and round the coordinates into an
// EUC_2D instance deliberately.
func WriteTSPLIB(w io.Writer, p *TSP) error {
	if p == nil || p.N() < 3 {
		return fmt.Errorf("%w: WriteTSPLIB needs an instance with at least 3 nodes", ErrInvalidInstance)
	}
	bw := bufio.NewWriter(w)
	oneLine := func(v string) string { return strings.Join(strings.Fields(v), " ") }
	name := oneLine(p.Name)
	if name == "" {
		name = "unnamed"
	}
	fmt.Fprintf(bw, "NAME : %s\n", name)
	fmt.Fprintf(bw, "TYPE : TSP\n")
	if p.Comment != "" {
		for _, c := range strings.Split(p.Comment, "\n") {
			fmt.Fprintf(bw, "COMMENT : %s\n", oneLine(c))
		}
	}
	if p.Metric == Euclidean {
		fmt.Fprintf(bw, "COMMENT : %s\n", tsplibEuclideanNote)
	}
	fmt.Fprintf(bw, "DIMENSION : %d\n", p.N())
	fmt.Fprintf(bw, "EDGE_WEIGHT_TYPE : %s\n", p.Metric)
	var num []byte
	if p.Metric == Explicit {
		fmt.Fprintf(bw, "EDGE_WEIGHT_FORMAT : LOWER_DIAG_ROW\nEDGE_WEIGHT_SECTION\n")
		for i := 0; i < p.N(); i++ {
			for j := 0; j <= i; j++ {
				if j > 0 {
					bw.WriteByte(' ')
				}
				num = strconv.AppendFloat(num[:0], p.Dist(i, j), 'g', -1, 64)
				bw.Write(num)
			}
			bw.WriteByte('\n')
		}
	} else {
		fmt.Fprintf(bw, "NODE_COORD_SECTION\n")
		for i := 0; i < p.N(); i++ {
			num = strconv.AppendInt(num[:0], int64(i+1), 10)
			num = append(num, ' ')
			num = strconv.AppendFloat(num, p.X[i], 'g', -1, 64)
			num = append(num, ' ')
			num = strconv.AppendFloat(num, p.Y[i], 'g', -1, 64)
			num = append(num, '\n')
			bw.Write(num)
		}
	}
	if len(p.Fixed) > 0 {
		bw.WriteString("FIXED_EDGES_SECTION\n")
		for _, e := range p.Fixed {
			fmt.Fprintf(bw, "%d %d\n", e[0]+1, e[1]+1)
		}
		bw.WriteString("-1\n")
	}
	bw.WriteString("EOF\n")
	return bw.Flush()
}

// tspSyntaxError is the "file:line: what is wrong" error of the TSP readers. It
// wraps ErrInvalidInstance (instance files), ErrInvalidSolution (tour files) or the
// underlying read error.
type tspSyntaxError struct {
	name string
	line int
	msg  string
	err  error
}

func (e *tspSyntaxError) Error() string {
	if e.line == 0 { // about the file as a whole
		return e.name + ": " + e.msg
	}
	return fmt.Sprintf("%s:%d: %s", e.name, e.line, e.msg)
}
func (e *tspSyntaxError) Unwrap() error { return e.err }

// Bounds that keep a hostile file from making the reader buffer without limit: no
// number or keyword in any TSP format comes near them.
const (
	tspMaxToken = 1 << 12
	tspMaxLine  = 1 << 16
)

// tspScanner reads keywords, values and whitespace-separated tokens from a stream
// while counting lines, holding at most one buffer, token or header line in
// memory. It scans its own buffer rather than calling bufio byte by byte: the
// pla85900 and TSP-10000 files are megabytes, and the tight loops keep parsing
// them fast even under the race detector.
type tspScanner struct {
	rd       io.Reader
	name     string
	sentinel error // wrapped by every syntax error
	line     int   // line of the next unread byte, 1-based
	buf      []byte
	pos, end int  // unread bytes are buf[pos:end]
	atEOF    bool // rd has nothing more to give
	tok      []byte
	readErr  error // first read error other than io.EOF
}

func newTSPScanner(r io.Reader, name string, sentinel error) *tspScanner {
	return &tspScanner{rd: skipBOM(r), name: name, sentinel: sentinel, line: 1, buf: make([]byte, 1<<16)}
}

// errorf builds a syntax error at line; a pending read error takes precedence,
// since the data that looked wrong may simply be cut short by it.
func (s *tspScanner) errorf(line int, format string, args ...any) error {
	if s.readErr != nil {
		return &tspSyntaxError{name: s.name, line: line, msg: "read: " + s.readErr.Error(), err: s.readErr}
	}
	return &tspSyntaxError{name: s.name, line: line, msg: fmt.Sprintf(format, args...), err: s.sentinel}
}

func tspIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// fill makes sure an unread byte is buffered and reports whether one is.
func (s *tspScanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	for empty := 0; !s.atEOF; empty++ {
		n, err := s.rd.Read(s.buf)
		s.pos, s.end = 0, n
		if err != nil {
			s.atEOF = true
			if !errors.Is(err, io.EOF) {
				s.readErr = err
			}
		} else if n == 0 && empty == 100 {
			s.atEOF, s.readErr = true, io.ErrNoProgress
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// peek returns the next byte without consuming it.
func (s *tspScanner) peek() (byte, bool) {
	if !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

// skipSpace skips whitespace across lines and reports whether a byte follows.
func (s *tspScanner) skipSpace() bool {
	for s.fill() {
		for ; s.pos < s.end; s.pos++ {
			c := s.buf[s.pos]
			if c == '\n' {
				s.line++
			} else if !tspIsSpace(c) {
				return true
			}
		}
	}
	return false
}

// skipInline skips blanks up to, not including, the next newline and reports
// whether a non-blank byte follows on the same line.
func (s *tspScanner) skipInline() bool {
	for s.fill() {
		for ; s.pos < s.end; s.pos++ {
			c := s.buf[s.pos]
			if c == '\n' {
				return false
			}
			if !tspIsSpace(c) {
				return true
			}
		}
	}
	return false
}

// word reads bytes up to whitespace (or also ':' when colon is set); the caller has
// skipped leading space. The result aliases an internal buffer.
func (s *tspScanner) word(colon bool) ([]byte, error) {
	s.tok = s.tok[:0]
	line := s.line
	for s.fill() {
		start := s.pos
		for s.pos < s.end {
			c := s.buf[s.pos]
			if tspIsSpace(c) || colon && c == ':' {
				break
			}
			s.pos++
		}
		s.tok = append(s.tok, s.buf[start:s.pos]...)
		if len(s.tok) > tspMaxToken {
			return nil, s.errorf(line, "token %s longer than %d bytes", quoteBytes(s.tok), tspMaxToken)
		}
		if s.pos < s.end {
			break
		}
	}
	return s.tok, nil
}

// token returns the next whitespace-separated token and its line, or io.EOF.
func (s *tspScanner) token() ([]byte, int, error) {
	if !s.skipSpace() {
		if s.readErr != nil {
			return nil, s.line, s.errorf(s.line, "")
		}
		return nil, s.line, io.EOF
	}
	line := s.line
	tok, err := s.word(false)
	return tok, line, err
}

// inlineToken returns the next token on the current line, or nil at its end.
func (s *tspScanner) inlineToken() ([]byte, error) {
	if !s.skipInline() {
		if s.readErr != nil {
			return nil, s.errorf(s.line, "")
		}
		return nil, nil
	}
	return s.word(false)
}

// key returns the next keyword (up to whitespace or ':') and its line, or io.EOF.
func (s *tspScanner) key() (string, int, error) {
	if !s.skipSpace() {
		if s.readErr != nil {
			return "", s.line, s.errorf(s.line, "")
		}
		return "", s.line, io.EOF
	}
	line := s.line
	w, err := s.word(true)
	if err != nil {
		return "", line, err
	}
	if len(w) == 0 { // a line that starts with ':'
		return "", line, s.errorf(line, "':' without a keyword")
	}
	return string(w), line, nil
}

// skipColon consumes blanks and one optional ':' after a keyword.
func (s *tspScanner) skipColon() {
	if s.skipInline() && s.buf[s.pos] == ':' {
		s.pos++
	}
}

// value returns the rest of the current line after an optional ':', trimmed, and
// consumes the newline.
func (s *tspScanner) value() (string, error) {
	s.skipColon()
	s.skipInline()
	line := s.line
	s.tok = s.tok[:0]
	for s.fill() {
		start := s.pos
		for s.pos < s.end && s.buf[s.pos] != '\n' {
			s.pos++
		}
		s.tok = append(s.tok, s.buf[start:s.pos]...)
		if len(s.tok) > tspMaxLine {
			return "", s.errorf(line, "line longer than %d bytes", tspMaxLine)
		}
		if s.pos < s.end { // at the newline
			s.pos++
			s.line++
			break
		}
	}
	return string(bytes.TrimRight(s.tok, " \t\r\v\f")), nil
}

// skipLine discards the rest of the current line, newline included, without
// holding it in memory.
func (s *tspScanner) skipLine() error {
	for s.fill() {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			s.pos += i + 1
			s.line++
			return nil
		}
		s.pos = s.end
	}
	if s.readErr != nil {
		return s.errorf(s.line, "")
	}
	return nil
}

// endLine consumes the newline that ends the current line, if any.
func (s *tspScanner) endLine() {
	if c, ok := s.peek(); ok && c == '\n' {
		s.pos++
		s.line++
	}
}

// tspParseValue parses a coordinate or distance within ±MaxTSPValue. The
// conversion to string does not allocate: strconv does not keep its argument.
func tspParseValue(tok []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(tok), 64)
	return v, err == nil && tspValueOK(v)
}
