package instances

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// ReadTour reads the first tour of a TSPLIB 95 .tour file and returns it 0-based.
// The TOUR_SECTION lists 1-based nodes and ends with -1, the EOF keyword or the end
// of the input; anything after the first tour's -1 is ignored.
//
// When n > 0 (the tour of an instance of n nodes), a DIMENSION, if given, must
// equal n, and the reader checks only the syntax: whether the tour visits every
// node once is CheckTour's verdict, so a wrong tour is told apart from a malformed
// file. Nodes outside 1…n are returned as they are (0-based) for CheckTour to
// reject, and a tour is cut after n+1 nodes, being wrong whatever follows. When n
// is 0 there is no instance to check against, and the tour must be a permutation
// of its DIMENSION, if given, or of its own length.
//
// Errors read "name:line: what is wrong" and wrap ErrInvalidSolution, since a
// tour file is a solution.
func ReadTour(r io.Reader, name string, n int) ([]int, error) {
	s := newTSPScanner(r, name, ErrInvalidSolution)
	dim := int64(-1)
	seen := map[string]int{}
	for {
		key, line, err := s.key()
		if errors.Is(err, io.EOF) {
			if len(seen) == 0 {
				return nil, s.errorf(s.line, "empty input")
			}
			return nil, s.errorf(s.line, "no TOUR_SECTION")
		}
		if err != nil {
			return nil, err
		}
		k := strings.ToUpper(key)
		if first, dup := seen[k]; dup && k != "COMMENT" {
			return nil, s.errorf(line, "%s given twice (first at line %d)", k, first)
		}
		seen[k] = line
		switch k {
		case "NAME", "COMMENT":
			if _, err := s.value(); err != nil {
				return nil, err
			}
		case "TYPE":
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			if f := strings.Fields(v); len(f) == 0 || !strings.EqualFold(f[0], "TOUR") {
				return nil, s.errorf(line, "TYPE %s is not a tour (want TOUR)", quote(v))
			}
		case "DIMENSION":
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			d, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || d < 1 {
				return nil, s.errorf(line, "DIMENSION %s is not a positive integer", quote(v))
			}
			if d > MaxTSPNodes {
				return nil, s.errorf(line, "DIMENSION %d is beyond any instance (at most %d nodes)", d, MaxTSPNodes)
			}
			if n > 0 && d != int64(n) {
				return nil, s.errorf(line, "DIMENSION %d but the instance has %d nodes", d, n)
			}
			dim = d
		case "TOUR_SECTION":
			s.skipColon()
			return readTourSection(s, n, dim)
		case "EOF":
			return nil, s.errorf(line, "no TOUR_SECTION")
		default:
			return nil, s.errorf(line, "unknown keyword %s", quote(key))
		}
	}
}

func readTourSection(s *tspScanner, n int, dim int64) ([]int, error) {
	check := n == 0
	limit := int64(n) // the most nodes the tour may list; 0 = no instance to bound it
	if check && dim > 0 {
		limit = dim
	}
	tour := make([]int, 0, min(max(limit, 0), 1<<16))
	var lines []int
	for {
		tok, line, err := s.token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(tok), "EOF") {
			break
		}
		v, perr := strconv.ParseInt(string(tok), 10, 64)
		if perr != nil {
			return nil, s.errorf(line, "tour node %s is not an integer", quoteBytes(tok))
		}
		if v == -1 {
			break
		}
		if v < -MaxTSPNodes || v > MaxTSPNodes {
			return nil, s.errorf(line, "tour node %d is beyond any instance (at most %d nodes)", v, MaxTSPNodes)
		}
		if !check {
			tour = append(tour, int(v-1))
			if len(tour) > n {
				break
			}
			continue
		}
		if v < 1 || limit > 0 && v > limit {
			if limit > 0 {
				return nil, s.errorf(line, "tour node %d out of range 1…%d", v, limit)
			}
			return nil, s.errorf(line, "tour node %d out of range (nodes are numbered from 1)", v)
		}
		if limit > 0 && int64(len(tour)) == limit || len(tour) == MaxTSPNodes {
			return nil, s.errorf(line, "tour lists more than %d nodes", max(limit, int64(len(tour))))
		}
		tour = append(tour, int(v-1))
		lines = append(lines, line)
	}
	if !check {
		return tour, nil
	}
	want := len(tour)
	if limit > 0 {
		want = int(limit)
	}
	// Duplicates are reported before missing nodes: they name the offending line.
	// A DIMENSION far above the nodes present must not size the bookkeeping.
	var firstLine func(v int) *int
	if want <= 4*len(tour)+1024 {
		first := make([]int, max(want, len(tour)))
		firstLine = func(v int) *int { return &first[v] }
	} else {
		first := make(map[int]*int, len(tour))
		firstLine = func(v int) *int {
			if first[v] == nil {
				first[v] = new(int)
			}
			return first[v]
		}
	}
	for k, v := range tour {
		if v >= max(want, len(tour)) {
			return nil, s.errorf(lines[k], "tour node %d out of range 1…%d", v+1, len(tour))
		}
		f := firstLine(v)
		if *f != 0 {
			return nil, s.errorf(lines[k], "tour node %d listed twice (first at line %d)", v+1, *f)
		}
		*f = lines[k]
	}
	if len(tour) < want {
		// Some node in 1…len(tour)+1 is missing; name the smallest.
		present := make([]bool, len(tour)+1)
		for _, v := range tour {
			if v < len(present) {
				present[v] = true
			}
		}
		missing := slices.Index(present, false)
		return nil, s.errorf(s.line, "tour has %d of %d nodes: node %d is missing", len(tour), want, missing+1)
	}
	return tour, nil
}

// WriteTour writes a 0-based tour as a TSPLIB 95 .tour file (1-based nodes, -1,
// EOF). The tour must be a permutation of 0…len(tour)-1.
func WriteTour(w io.Writer, name string, tour []int) error {
	if err := tspCheckPermutation(tour, len(tour)); err != nil {
		return err
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = "unnamed"
	}
	head := fmt.Appendf(nil, "NAME : %s\nTYPE : TOUR\nDIMENSION : %d\nTOUR_SECTION\n", name, len(tour))
	if _, err := w.Write(head); err != nil {
		return err
	}
	if err := writeNodeLines(w, tour); err != nil {
		return err
	}
	_, err := io.WriteString(w, "-1\nEOF\n")
	return err
}

// tourPiece is how many nodes one buffer of writeNodeLines holds (about
// 500 KB of text at n = 10^6).
const tourPiece = 1 << 16

// writeNodeLines writes tour's nodes 1-based, a line each. Large tours are
// formatted piece by piece on up to four goroutines while the pieces before
// are written, in order: a million-node tour is written as a deadline's last
// milliseconds run, and formatting alone took 9 ms on one core.
func writeNodeLines(w io.Writer, tour []int) error {
	pieces := (len(tour) + tourPiece - 1) / tourPiece
	lineBytes := len(strconv.Itoa(len(tour))) + 1
	format := func(buf []byte, k int) []byte {
		if buf == nil {
			buf = make([]byte, 0, tourPiece*lineBytes)
		}
		for _, v := range tour[k*tourPiece : min((k+1)*tourPiece, len(tour))] {
			buf = appendDecimal(buf, uint64(v+1))
			buf = append(buf, '\n')
		}
		return buf
	}
	workers := min(runtime.GOMAXPROCS(0), 4, pieces-1)
	if workers < 2 {
		var buf []byte
		for k := range pieces {
			buf = format(buf[:0], k)
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	}
	// Piece k is formatted into a buffer taken from free and handed over on
	// done[k]; at most 2·workers buffers exist, so memory stays bounded
	// whatever the size, and a failed write stops the formatters.
	done := make([]chan []byte, pieces)
	for k := range done {
		done[k] = make(chan []byte, 1)
	}
	free := make(chan []byte, 2*workers)
	for range 2 * workers {
		free <- nil
	}
	stop := make(chan struct{})
	defer close(stop)
	var next atomic.Int64
	for range workers {
		go func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= pieces {
					return
				}
				select {
				case buf := <-free:
					done[k] <- format(buf[:0], k)
				case <-stop:
					return
				}
			}
		}()
	}
	for k := range pieces {
		buf := <-done[k]
		if _, err := w.Write(buf); err != nil {
			return err
		}
		free <- buf
	}
	return nil
}

// fourDigits holds 0000 to 9999, four ASCII digits each.
var fourDigits = func() (t [40000]byte) {
	for v := range 10000 {
		t[4*v], t[4*v+1], t[4*v+2], t[4*v+3] = byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10)
	}
	return t
}()

// appendDecimal appends v in decimal, four digits at a time from a table: a
// million-node tour file spent 17 ms in strconv.AppendInt, and a tour is
// written while a deadline's last milliseconds run.
func appendDecimal(buf []byte, v uint64) []byte {
	switch {
	case v >= 100_000_000:
		buf = appendDecimal(buf, v/100_000_000)
		v %= 100_000_000
		hi, lo := 4*(v/10000), 4*(v%10000)
		return append(buf, fourDigits[hi], fourDigits[hi+1], fourDigits[hi+2], fourDigits[hi+3],
			fourDigits[lo], fourDigits[lo+1], fourDigits[lo+2], fourDigits[lo+3])
	case v >= 10000:
		buf = appendShort(buf, v/10000)
		lo := 4 * (v % 10000)
		return append(buf, fourDigits[lo], fourDigits[lo+1], fourDigits[lo+2], fourDigits[lo+3])
	}
	return appendShort(buf, v)
}

// appendShort appends v < 10000 without leading zeros.
func appendShort(buf []byte, v uint64) []byte {
	d := fourDigits[4*v : 4*v+4]
	switch {
	case v < 10:
		return append(buf, d[3])
	case v < 100:
		return append(buf, d[2], d[3])
	case v < 1000:
		return append(buf, d[1], d[2], d[3])
	}
	return append(buf, d[0], d[1], d[2], d[3])
}
