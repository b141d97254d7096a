package instances

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxLine bounds one input line: 4 MB hold a job of 250,000 operations, where
// those of the largest published instances need a few tens of kilobytes.
const maxLine = 4 << 20

// lineReader yields the fields of successive lines, counting line numbers for
// error messages. Blank lines and lines starting with '#' are skipped when asked.
type lineReader struct {
	sc   *bufio.Scanner
	name string
	line int
}

func newLineReader(r io.Reader, name string) *lineReader {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &lineReader{sc: sc, name: name}
}

// next returns the fields of the next line that is neither blank nor a '#' comment;
// ok is false at the end of the input.
func (lr *lineReader) next() (fields []string, ok bool, err error) {
	for lr.sc.Scan() {
		lr.line++
		text := lr.sc.Bytes()
		trimmed := bytes.TrimLeft(text, " \t\r\v\f")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		return strings.Fields(string(text)), true, nil
	}
	if err := lr.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, false, lr.errorf("line longer than %d bytes", maxLine)
		}
		return nil, false, fmt.Errorf("%s:%d: %w", lr.name, lr.line+1, err)
	}
	return nil, false, nil
}

// errorf formats "name:line: what" wrapping ErrInvalidInstance.
func (lr *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: %s", lr.name, lr.line, ErrInvalidInstance, fmt.Sprintf(format, args...))
}

// atLine is errorf for a line other than the current one.
func (lr *lineReader) atLine(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %w: %s", lr.name, line, ErrInvalidInstance, fmt.Sprintf(format, args...))
}

func (lr *lineReader) integer(tok, what string) (int, error) {
	v, err := strconv.Atoi(tok)
	if err != nil {
		return 0, lr.errorf("%s %s is not an integer", what, quote(tok))
	}
	return v, nil
}

// instanceName is the base name of a path without its extension: "ta01js.txt" → "ta01js".
func instanceName(name string) string {
	base := filepath.Base(name)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// ReadJobShop reads an instance in the standard (OR-Library) format:
//
//	n m
//	machine duration machine duration …   (one line per job, operations in order)
//
// Machines are 0-based. Lines starting with '#' (JSPLIB's header) and blank lines may
// appear anywhere; fields are separated by spaces or tabs.
//
// Each job is one line. In the classic format every job visits every machine once;
// when the first job is such a permutation of the m machines, every job must have
// exactly m operations, which catches truncated lines. Otherwise jobs may have any
// number of operations and revisit machines (the Boveroux et al. "bel" instances).
// Da Col & Teppan's reentrant variant, which ends each job line with "-1 -1", is read
// the same way with the terminator dropped.
//
// name is used in error messages ("name:line: what is wrong") and, without its
// directory and extension, as the instance name. The header alone never causes a
// large allocation: storage grows with the data actually read.
func ReadJobShop(r io.Reader, name string) (*JobShop, error) {
	lr := newLineReader(r, name)
	fields, ok, err := lr.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s:%d: %w: empty input, want a header \"jobs machines\"", name, lr.line+1, ErrInvalidInstance)
	}
	return readJobShopBody(lr, fields)
}

func readJobShopBody(lr *lineReader, header []string) (*JobShop, error) {
	if len(header) != 2 {
		return nil, lr.errorf("header has %d fields, want \"jobs machines\"", len(header))
	}
	n, err := lr.integer(header[0], "job count")
	if err != nil {
		return nil, err
	}
	m, err := lr.integer(header[1], "machine count")
	if err != nil {
		return nil, err
	}
	if n <= 0 || m <= 0 || n > MaxOperations || m > MaxOperations {
		return nil, lr.errorf("%d jobs and %d machines, want 1 to %d of each", n, m, MaxOperations)
	}
	headerLine := lr.line
	js := &JobShop{Name: instanceName(lr.name), Machines: m, Jobs: make([][]Operation, 0, min(n, 1024))}
	classic := false
	firstLine := 0
	total, work := 0, 0 // operations, and the sum of their durations
	for len(js.Jobs) < n {
		fields, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s:%d: %w: truncated: %d of %d jobs", lr.name, lr.line, ErrInvalidInstance, len(js.Jobs), n)
		}
		j := len(js.Jobs)
		terminated := false
		if k := len(fields); k >= 2 && fields[k-2] == "-1" && fields[k-1] == "-1" {
			fields = fields[:k-2]
			terminated = true
		}
		if len(fields)%2 != 0 {
			return nil, lr.errorf("job %d: %d numbers, want machine/duration pairs", j, len(fields))
		}
		if len(fields) == 0 {
			return nil, lr.errorf("job %d has no operations", j)
		}
		if total+len(fields)/2 > MaxOperations {
			return nil, lr.errorf("job %d: more than %d operations in all", j, MaxOperations)
		}
		ops := make([]Operation, len(fields)/2)
		for k := range ops {
			mach, err := strconv.Atoi(fields[2*k])
			if err != nil {
				return nil, lr.errorf("job %d operation %d: machine %s is not an integer", j, k, quote(fields[2*k]))
			}
			if mach < 0 || mach >= m {
				return nil, lr.errorf("job %d operation %d: machine %d out of range 0…%d", j, k, mach, m-1)
			}
			dur, err := strconv.Atoi(fields[2*k+1])
			if err != nil {
				return nil, lr.errorf("job %d operation %d: duration %s is not an integer", j, k, quote(fields[2*k+1]))
			}
			if dur < 0 {
				return nil, lr.errorf("job %d operation %d: negative duration %d", j, k, dur)
			}
			if work += dur; dur > MaxTotalDuration || work > MaxTotalDuration {
				return nil, lr.errorf("job %d operation %d: durations sum past %d, more than the solvers can schedule", j, k, MaxTotalDuration)
			}
			ops[k] = Operation{Machine: mach, Duration: dur}
		}
		if j == 0 {
			firstLine = lr.line
			classic = !terminated && isPermutation(ops, m)
		} else if classic && len(ops) != m {
			return nil, lr.errorf("job %d has %d operations, want %d: job 0 (line %d) visits every machine once, so every job must", j, len(ops), m, firstLine)
		}
		total += len(ops)
		js.Jobs = append(js.Jobs, ops)
	}
	if fields, ok, err := lr.next(); err != nil {
		return nil, err
	} else if ok {
		return nil, lr.errorf("extra data after %d jobs: %s", n, quote(strings.Join(fields[:min(len(fields), 4)], " ")))
	}
	if m > total {
		return nil, lr.atLine(headerLine, "%d machines but the jobs have only %d operations", m, total)
	}
	return js, nil
}

// WriteJobShop writes js in the standard format that ReadJobShop reads back. Jobs
// that do not all have one operation per machine get Da Col & Teppan's "-1 -1"
// terminators when needed for the reader to tell them from a truncated classic file.
func WriteJobShop(w io.Writer, js *JobShop) error {
	if err := js.Validate(); err != nil {
		return err
	}
	uniform := true
	for _, ops := range js.Jobs {
		uniform = uniform && len(ops) == js.Machines
	}
	terminate := !uniform && isPermutation(js.Jobs[0], js.Machines)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d %d\n", len(js.Jobs), js.Machines)
	var buf []byte
	for _, ops := range js.Jobs {
		buf = buf[:0]
		for k, op := range ops {
			if k > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(op.Machine), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(op.Duration), 10)
		}
		if terminate {
			buf = append(buf, " -1 -1"...)
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// isPermutation reports whether ops visits each of the m machines exactly once.
func isPermutation(ops []Operation, m int) bool {
	if len(ops) != m {
		return false
	}
	seen := make([]bool, m)
	for _, op := range ops {
		if seen[op.Machine] {
			return false
		}
		seen[op.Machine] = true
	}
	return true
}

// TaillardHeader is the header of an instance in Taillard's specification format.
// The bounds are those printed in 1993; use LoadBKS for current ones.
type TaillardHeader struct {
	Jobs, Machines        int
	TimeSeed, MachineSeed int32
	UpperBound            int
	LowerBound            int
}

const taillardTitle = "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound"

// ReadTaillard reads instance index (0-based) of a file in Taillard's specification
// format, which holds one or more instances, each:
//
//	Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound
//	n m timeSeed machineSeed UB LB
//	Times
//	n lines of m durations
//	Machines
//	n lines of m machine ids, 1-based
//
// Machines are converted to 0-based. The whole input is checked, not only the wanted
// instance. The instance is named ta01…ta80 when its size and seeds are those of one
// of Taillard's instances, else "<base name>#<index>".
func ReadTaillard(r io.Reader, name string, index int) (*JobShop, TaillardHeader, error) {
	all, hdrs, err := ReadTaillardAll(r, name)
	if err != nil {
		return nil, TaillardHeader{}, err
	}
	return pickTaillard(all, hdrs, name, index)
}

// ReadTaillardAll reads every instance of a file in Taillard's specification format
// (see ReadTaillard), in file order, with their headers.
func ReadTaillardAll(r io.Reader, name string) ([]*JobShop, []TaillardHeader, error) {
	return readTaillardFrom(newLineReader(r, name), nil, name)
}

// readTaillardFrom parses all instances, starting with first as the fields of an
// already read title line when not nil.
func readTaillardFrom(lr *lineReader, first []string, name string) ([]*JobShop, []TaillardHeader, error) {
	var (
		all  []*JobShop
		hdrs []TaillardHeader
	)
	fields := first
	for {
		if fields == nil {
			var ok bool
			var err error
			fields, ok, err = lr.next()
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				break
			}
		}
		if !isTaillardTitle(fields) {
			if len(all) == 0 {
				return nil, nil, lr.errorf("want the title line %q", taillardTitle)
			}
			return nil, nil, lr.errorf("extra data after instance %d, want another title line %q", len(all)-1, taillardTitle)
		}
		js, hdr, err := readTaillardInstance(lr, len(all))
		if err != nil {
			return nil, nil, err
		}
		if k := taillardIndex(hdr); k >= 0 {
			js.Name = fmt.Sprintf("ta%02d", k+1)
		} else {
			js.Name = fmt.Sprintf("%s#%d", instanceName(name), len(all))
		}
		all, hdrs = append(all, js), append(hdrs, hdr)
		fields = nil
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s:%d: %w: empty input, want the title line %q", name, lr.line+1, ErrInvalidInstance, taillardTitle)
	}
	return all, hdrs, nil
}

// pickTaillard selects instance index of a parsed file.
func pickTaillard(all []*JobShop, hdrs []TaillardHeader, name string, index int) (*JobShop, TaillardHeader, error) {
	if index < 0 || index >= len(all) {
		return nil, TaillardHeader{}, fmt.Errorf("%s: %w: index %d out of range 0…%d", name, ErrInvalidInstance, index, len(all)-1)
	}
	return all[index], hdrs[index], nil
}

// isTaillardTitle accepts the title line with any spacing or letter case.
func isTaillardTitle(fields []string) bool {
	return len(fields) >= 3 && strings.EqualFold(fields[0], "Nb") && strings.EqualFold(fields[1], "of")
}

func readTaillardInstance(lr *lineReader, number int) (*JobShop, TaillardHeader, error) {
	var hdr TaillardHeader
	fields, ok, err := lr.next()
	if err != nil {
		return nil, hdr, err
	}
	if !ok {
		return nil, hdr, lr.errorf("instance %d: truncated after the title line", number)
	}
	if len(fields) != 6 {
		return nil, hdr, lr.errorf("instance %d: header has %d numbers, want 6 (jobs, machines, time seed, machine seed, upper bound, lower bound)", number, len(fields))
	}
	var v [6]int
	for i, what := range [6]string{"job count", "machine count", "time seed", "machine seed", "upper bound", "lower bound"} {
		if v[i], err = lr.integer(fields[i], what); err != nil {
			return nil, hdr, err
		}
	}
	n, m := v[0], v[1]
	if n <= 0 || m <= 0 || n > MaxOperations/m {
		return nil, hdr, lr.errorf("instance %d: %d jobs and %d machines, want at least one of each and at most %d operations", number, n, m, MaxOperations)
	}
	for i := 2; i < 4; i++ {
		if v[i] < math.MinInt32 || v[i] > math.MaxInt32 {
			return nil, hdr, lr.errorf("instance %d: seed %d does not fit 32 bits", number, v[i])
		}
	}
	hdr = TaillardHeader{Jobs: n, Machines: m, TimeSeed: int32(v[2]), MachineSeed: int32(v[3]), UpperBound: v[4], LowerBound: v[5]}

	// matrix reads a section of n rows of m integers in lo…hi; maxSum > 0 also
	// bounds their sum.
	matrix := func(section string, lo, hi, maxSum int) ([][]int, error) {
		fields, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, lr.errorf("instance %d: truncated, want %q", number, section)
		}
		if len(fields) != 1 || !strings.EqualFold(fields[0], section) {
			return nil, lr.errorf("instance %d: want %q, got %s", number, section, quote(strings.Join(fields[:min(len(fields), 4)], " ")))
		}
		rows := make([][]int, 0, min(n, 1024))
		sum := 0
		for len(rows) < n {
			fields, ok, err := lr.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, lr.errorf("instance %d: truncated: %d of %d rows of %s", number, len(rows), n, section)
			}
			if len(fields) != m {
				return nil, lr.errorf("instance %d: %s row %d has %d numbers, want %d", number, section, len(rows), len(fields), m)
			}
			row := make([]int, m)
			for k, tok := range fields {
				x, err := strconv.Atoi(tok)
				if err != nil {
					return nil, lr.errorf("instance %d: %s row %d column %d: %s is not an integer", number, section, len(rows), k, quote(tok))
				}
				if x < lo || x > hi {
					return nil, lr.errorf("instance %d: %s row %d column %d: %d out of range %d…%d", number, section, len(rows), k, x, lo, hi)
				}
				if sum += x; maxSum > 0 && sum > maxSum {
					return nil, lr.errorf("instance %d: %s row %d column %d: the %s sum past %d, more than the solvers can schedule", number, section, len(rows), k, strings.ToLower(section), maxSum)
				}
				row[k] = x
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	times, err := matrix("Times", 0, MaxTotalDuration, MaxTotalDuration)
	if err != nil {
		return nil, hdr, err
	}
	machines, err := matrix("Machines", 1, m, 0)
	if err != nil {
		return nil, hdr, err
	}
	js := &JobShop{Machines: m, Jobs: make([][]Operation, n)}
	for j := range js.Jobs {
		ops := make([]Operation, m)
		for k := range ops {
			ops[k] = Operation{Machine: machines[j][k] - 1, Duration: times[j][k]}
		}
		js.Jobs[j] = ops
	}
	return js, hdr, nil
}

// WriteTaillard writes js in Taillard's specification format with the header's seeds
// and bounds; the header's sizes are taken from js. Every job must have exactly one
// operation per machine slot (m operations), as the format is a pair of n×m matrices.
func WriteTaillard(w io.Writer, js *JobShop, hdr TaillardHeader) error {
	if err := js.Validate(); err != nil {
		return err
	}
	for j, ops := range js.Jobs {
		if len(ops) != js.Machines {
			return fmt.Errorf("%w: %s: job %d has %d operations; the Taillard format needs %d per job", ErrInvalidInstance, js.Name, j, len(ops), js.Machines)
		}
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\n %9d %9d %10d %10d %9d %9d\nTimes\n", taillardTitle, len(js.Jobs), js.Machines, hdr.TimeSeed, hdr.MachineSeed, hdr.UpperBound, hdr.LowerBound)
	for _, ops := range js.Jobs {
		for _, op := range ops {
			fmt.Fprintf(bw, " %2d", op.Duration)
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("Machines\n")
	for _, ops := range js.Jobs {
		for _, op := range ops {
			fmt.Fprintf(bw, " %2d", op.Machine+1)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadJobShopAuto reads either format, recognising Taillard's by its title line.
// index selects an instance of a multi-instance Taillard file and must be 0 for a
// standard file.
func ReadJobShopAuto(r io.Reader, name string, index int) (*JobShop, error) {
	lr := newLineReader(r, name)
	fields, ok, err := lr.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s:%d: %w: empty input", name, lr.line+1, ErrInvalidInstance)
	}
	if isTaillardTitle(fields) {
		all, hdrs, err := readTaillardFrom(lr, fields, name)
		if err != nil {
			return nil, err
		}
		js, _, err := pickTaillard(all, hdrs, name, index)
		return js, err
	}
	if index != 0 {
		return nil, fmt.Errorf("%s: %w: index %d out of range 0…0", name, ErrInvalidInstance, index)
	}
	return readJobShopBody(lr, fields)
}

// LoadJobShop reads instance index of the file at path in either format (see
// ReadJobShopAuto).
func LoadJobShop(path string, index int) (*JobShop, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadJobShopAuto(f, path, index)
}
