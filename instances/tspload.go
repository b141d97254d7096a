package instances

import (
	"io"
	"os"
)

// LoadTSP reads instance index of a TSP file in either supported format, told
// apart by content: TSPLIB 95 (index must be 0) or the one-instance-per-line format
// of the TSP-500/1000/10000 sets (index counts non-blank lines from 0). The tour is
// the one stored in a line-format file, or nil.
func LoadTSP(path string, index int) (*TSP, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ReadTSP(f, path, index)
}

// ReadTSP is LoadTSP on a stream; name is used in errors and instance names.
func ReadTSP(r io.Reader, name string, index int) (*TSP, []int, error) {
	r, err := gunzipped(r, name)
	if err != nil {
		return nil, nil, err
	}
	s := newTSPScanner(r, name, ErrInvalidInstance)
	if !s.skipSpace() {
		if s.readErr != nil {
			return nil, nil, s.errorf(s.line, "")
		}
		return nil, nil, s.errorf(s.line, "empty input")
	}
	// A line-format file starts with a coordinate, a TSPLIB file with a keyword.
	c, _ := s.peek()
	if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
		return readTSPLine(s, index)
	}
	if index != 0 {
		return nil, nil, s.errorf(s.line, "index %d: a TSPLIB file holds one instance (index must be 0)", index)
	}
	p, err := readTSPLIB(s)
	return p, nil, err
}
