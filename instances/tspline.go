package instances

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// The line format of the TSP-500/1000/10000 test sets (Fu et al. 2021, reused by
// DIMES, DIFUSCO and others): one instance per line,
//
//	x1 y1 x2 y2 … xn yn output t1 t2 … tn t1
//
// with coordinates in the unit square and a closed 1-based tour. Blank lines are
// skipped and do not count as instances.

// ReadTSPLine returns instance index (0-based, counting non-blank lines) of a
// line-format stream and its stored tour, 0-based without the closing repeat (nil
// when the line has no "output" part). Lines before the wanted one are skipped
// without being parsed or held in memory. The instance is named
// "<base of name without extension>#<index>" and uses the Euclidean metric.
// Errors read "name:line: what is wrong" and wrap ErrInvalidInstance.
func ReadTSPLine(r io.Reader, name string, index int) (*TSP, []int, error) {
	return readTSPLine(newTSPScanner(r, name, ErrInvalidInstance), index)
}

func tspLineInstanceName(name string, index int) string {
	base := filepath.Base(name)
	return strings.TrimSuffix(base, filepath.Ext(base)) + "#" + strconv.Itoa(index)
}

func readTSPLine(s *tspScanner, index int) (*TSP, []int, error) {
	if index < 0 {
		return nil, nil, s.errorf(0, "index %d out of range (must be ≥ 0)", index)
	}
	count := 0
	for {
		tok, err := s.inlineToken()
		if err != nil {
			return nil, nil, err
		}
		if tok == nil { // blank line or end of input
			if _, ok := s.peek(); !ok {
				if s.readErr != nil {
					return nil, nil, s.errorf(s.line, "")
				}
				if count == 0 {
					return nil, nil, s.errorf(s.line, "empty input")
				}
				return nil, nil, s.errorf(0, "index %d out of range 0…%d", index, count-1)
			}
			s.endLine()
			continue
		}
		if count < index {
			if err := s.skipLine(); err != nil {
				return nil, nil, err
			}
			count++
			continue
		}
		return parseTSPLine(s, tok, index)
	}
}

// parseTSPLine parses the rest of a line whose first token is first.
func parseTSPLine(s *tspScanner, first []byte, index int) (*TSP, []int, error) {
	line := s.line
	var x, y []float64
	tok := first
	pos := 1
	hasTour := false
	for tok != nil {
		if bytes.Equal(tok, []byte("output")) {
			hasTour = true
			break
		}
		v, ok := tspParseValue(tok)
		if !ok {
			return nil, nil, s.errorf(line, "token %d: %s is not a number within ±%g", pos, quoteBytes(tok), MaxTSPValue)
		}
		if len(x) == MaxTSPNodes && pos%2 == 1 {
			return nil, nil, s.errorf(line, "more than %d nodes", MaxTSPNodes)
		}
		if pos%2 == 1 {
			x = append(x, v)
		} else {
			y = append(y, v)
		}
		pos++
		var rerr error
		if tok, rerr = s.inlineToken(); rerr != nil {
			return nil, nil, rerr
		}
	}
	if len(x) != len(y) {
		return nil, nil, s.errorf(line, "odd number of coordinates (%d)", len(x)+len(y))
	}
	n := len(x)
	if n < 3 {
		return nil, nil, s.errorf(line, "%d nodes, need at least 3", n)
	}
	var tour []int
	if hasTour {
		tour = make([]int, 0, n+1)
		for {
			pos++
			tok, err := s.inlineToken()
			if err != nil {
				return nil, nil, err
			}
			if tok == nil {
				break
			}
			v, perr := strconv.ParseInt(string(tok), 10, 64)
			if perr != nil {
				return nil, nil, s.errorf(line, "token %d: tour node %s is not an integer", pos, quoteBytes(tok))
			}
			if v < 1 || v > int64(n) {
				return nil, nil, s.errorf(line, "token %d: tour node %d out of range 1…%d", pos, v, n)
			}
			if len(tour) == n+1 {
				return nil, nil, s.errorf(line, "tour has more than %d entries (n = %d, closed)", n+1, n)
			}
			tour = append(tour, int(v-1))
		}
		// The closing repeat of the first node is optional.
		if len(tour) == n+1 {
			if tour[n] != tour[0] {
				return nil, nil, s.errorf(line, "tour has %d entries but does not return to its first node", n+1)
			}
			tour = tour[:n]
		}
		if err := tspCheckPermutation(tour, n); err != nil {
			return nil, nil, s.errorf(line, "stored tour: %v", err)
		}
	}
	s.endLine()
	p, err := NewCoordTSP(tspLineInstanceName(s.name, index), Euclidean, x, y)
	if err != nil {
		return nil, nil, s.errorf(line, "%v", err)
	}
	return p, tour, nil
}

// CountTSPLines counts the instances (non-blank lines) of a line-format stream
// without parsing them.
func CountTSPLines(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	count := 0
	nonBlank := false
	for {
		chunk, err := br.ReadSlice('\n')
		for _, c := range chunk {
			if !tspIsSpace(c) {
				nonBlank = true
				break
			}
		}
		if err == nil || errors.Is(err, io.EOF) {
			if nonBlank {
				count++
			}
			nonBlank = false
			if err != nil {
				return count, nil
			}
			continue
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return count, err
		}
	}
}

// WriteTSPLine writes p as one line of the line format: coordinates in shortest
// round-trip form, then "output" and the closed 1-based tour. A nil tour writes
// the coordinates alone (which ReadTSPLine accepts; tools of the literature that
// split on "output" need a tour). Only Euclidean instances fit this format: the
// line has no place for another metric.
func WriteTSPLine(w io.Writer, p *TSP, tour []int) error {
	if p == nil || p.N() < 3 || !p.HasCoords() {
		return fmt.Errorf("%w: WriteTSPLine needs a coordinate instance with at least 3 nodes", ErrInvalidInstance)
	}
	if p.Metric != Euclidean {
		return fmt.Errorf("%w: %s: the line format holds only Euclidean instances, not %s", ErrInvalidInstance, p.Name, p.Metric)
	}
	if tour != nil {
		if err := tspCheckPermutation(tour, p.N()); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(w)
	var num []byte
	for i := 0; i < p.N(); i++ {
		if i > 0 {
			num = append(num[:0], ' ')
		} else {
			num = num[:0]
		}
		num = strconv.AppendFloat(num, p.X[i], 'g', -1, 64)
		num = append(num, ' ')
		num = strconv.AppendFloat(num, p.Y[i], 'g', -1, 64)
		bw.Write(num)
	}
	if tour != nil {
		bw.WriteString(" output")
		for _, v := range tour {
			num = append(num[:0], ' ')
			num = strconv.AppendInt(num, int64(v+1), 10)
			bw.Write(num)
		}
		num = append(num[:0], ' ')
		num = strconv.AppendInt(num, int64(tour[0]+1), 10)
		bw.Write(num)
	}
	bw.WriteByte('\n')
	return bw.Flush()
}
