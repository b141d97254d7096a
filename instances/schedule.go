package instances

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// scheduleFile has pointer fields so that missing keys can be told from zeros.
type scheduleFile struct {
	Instance  *string  `json:"instance"`
	Objective *int     `json:"objective"`
	Starts    *[][]int `json:"starts"`
}

// MaxScheduleBytes bounds a schedule file, which ReadSchedule refuses past it:
// a million operations with ten-digit starts take some 12 MB.
const MaxScheduleBytes = 256 << 20

// ReadSchedule reads a job-shop solution file:
//
//	{"instance": "ta01", "objective": 1231, "starts": [[0, 94, …], …]}
//
// "objective" and "starts" are required integers; other keys (such as those of
// the JSON result envelope) are ignored. Whether the starts and the objective
// make a feasible schedule — none negative, the right shape, no overlap, the
// stated makespan — is the verdict of CheckSchedule or Schedule.Check, so a wrong
// schedule is told apart from a malformed file. Errors name the input and, for
// JSON errors, the line; they wrap ErrInvalidSolution.
func ReadSchedule(r io.Reader, name string) (*Schedule, error) {
	data, err := io.ReadAll(io.LimitReader(skipBOM(r), MaxScheduleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxScheduleBytes {
		return nil, fmt.Errorf("%s: %w: larger than %d MB", name, ErrInvalidSolution, MaxScheduleBytes>>20)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrInvalidSolution, fmt.Sprintf(format, args...))
	}
	atOffset := func(off int64, format string, args ...any) error {
		line := 1 + bytes.Count(data[:min(max(off, 0), int64(len(data)))], []byte{'\n'})
		return fmt.Errorf("%s:%d: %w: %s", name, line, ErrInvalidSolution, fmt.Sprintf(format, args...))
	}
	var f scheduleFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, atOffset(syn.Offset, "malformed JSON: %v", err)
		case errors.As(err, &typ):
			what := typ.Field
			if what == "" {
				what = "the document"
			}
			return nil, atOffset(typ.Offset, "%s: %s is not a %s", what, typ.Value, typ.Type)
		case errors.Is(err, io.EOF):
			return nil, bad("empty input, want a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, atOffset(int64(len(data)), "truncated JSON")
		}
		return nil, bad("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, atOffset(dec.InputOffset(), "extra data after the JSON object")
	}
	if f.Objective == nil {
		return nil, bad("no \"objective\"")
	}
	if f.Starts == nil || *f.Starts == nil {
		return nil, bad("no \"starts\"")
	}
	s := &Schedule{Objective: *f.Objective, Starts: *f.Starts}
	if f.Instance != nil {
		s.Instance = *f.Instance
	}
	return s, nil
}

// LoadSchedule reads the schedule file at path (see ReadSchedule).
func LoadSchedule(path string) (*Schedule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSchedule(f, path)
}

// WriteSchedule writes s as JSON that ReadSchedule reads back, one job's start times
// per line.
func WriteSchedule(w io.Writer, s *Schedule) error {
	name, err := json.Marshal(s.Instance)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"instance\": %s,\n  \"objective\": %d,\n  \"starts\": [", name, s.Objective)
	var buf []byte
	for j, row := range s.Starts {
		buf = append(buf[:0], "\n    ["...)
		for k, v := range row {
			if k > 0 {
				buf = append(buf, ", "...)
			}
			buf = strconv.AppendInt(buf, int64(v), 10)
		}
		buf = append(buf, ']')
		if j < len(s.Starts)-1 {
			buf = append(buf, ',')
		}
		bw.Write(buf)
	}
	if len(s.Starts) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
