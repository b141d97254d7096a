package instances

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ReadTour reads the first tour of a TSPLIB 95 .tour file and returns it 0-based.
// The TOUR_SECTION lists 1-based nodes and ends with -1, the EOF keyword or the end
// of the input; anything after the first tour's -1 is ignored. When n > 0 the tour
// must be a permutation of the n nodes and a DIMENSION, if given, must equal n; when
// n is 0 it must be a permutation of its own length. Errors read "name:line: what
// is wrong" and wrap ErrInvalidSolution, since a tour file is a solution.
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
				return nil, s.errorf(line, "TYPE %q is not a tour (want TOUR)", v)
			}
		case "DIMENSION":
			v, err := s.value()
			if err != nil {
				return nil, err
			}
			d, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || d < 1 {
				return nil, s.errorf(line, "DIMENSION %q is not a positive integer", v)
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
			return nil, s.errorf(line, "unknown keyword %q", key)
		}
	}
}

func readTourSection(s *tspScanner, n int, dim int64) ([]int, error) {
	limit := int64(n) // the most nodes the tour may list; 0 = no instance to bound it
	if n == 0 && dim > 0 {
		limit = dim
	}
	tour := make([]int, 0, min(max(limit, 0), 1<<16))
	lines := make([]int, 0, cap(tour))
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
			return nil, s.errorf(line, "tour node %q is not an integer", tok)
		}
		if v == -1 {
			break
		}
		if v < 1 || limit > 0 && v > limit {
			if limit > 0 {
				return nil, s.errorf(line, "tour node %d out of range 1…%d", v, limit)
			}
			return nil, s.errorf(line, "tour node %d out of range (nodes are numbered from 1)", v)
		}
		if limit > 0 && int64(len(tour)) == limit {
			return nil, s.errorf(line, "tour lists more than %d nodes", limit)
		}
		tour = append(tour, int(v-1))
		lines = append(lines, line)
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
	bw := bufio.NewWriter(w)
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = "unnamed"
	}
	fmt.Fprintf(bw, "NAME : %s\nTYPE : TOUR\nDIMENSION : %d\nTOUR_SECTION\n", name, len(tour))
	var num []byte
	for _, v := range tour {
		num = strconv.AppendInt(num[:0], int64(v+1), 10)
		num = append(num, '\n')
		bw.Write(num)
	}
	bw.WriteString("-1\nEOF\n")
	return bw.Flush()
}
