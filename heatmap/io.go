package heatmap

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// keepMin is the smallest dense entry ReadDense stores. The reference candidate
// rule cuts at 1e-4 after symmetrisation, so dropping entries below 1e-9 moves
// no symmetrised value by more than 5e-10.
const keepMin = 1e-9

// maxLine bounds one line of a heatmap file (a dense row of n = 10^5 floats).
const maxLine = 64 << 20

// ReadDense reads the dense text format of the heatmap + MCTS literature — the
// node count n, then n rows of n non-negative numbers — and returns the
// symmetrised heatmap (H + Hᵀ)/2 as Fu et al.'s and Pan et al.'s codes build
// on load, storing entries ≥ 1e-9. name prefixes error messages (file:line).
func ReadDense(r io.Reader, name string) (*Heatmap, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	line := 0
	n := -1
	var rows [][]entry
	var rowSum, colSum []float64
	count := 0 // numbers read after n
	for {
		text, err := br.ReadString('\n')
		if len(text) > maxLine {
			return nil, fmt.Errorf("%w: %s:%d: line longer than %d bytes", ErrInvalid, name, line+1, maxLine)
		}
		if len(text) > 0 {
			line++
			for _, f := range strings.Fields(text) {
				v, perr := strconv.ParseFloat(f, 64)
				if perr != nil {
					return nil, fmt.Errorf("%w: %s:%d: %q is not a number", ErrInvalid, name, line, f)
				}
				if n < 0 {
					if v != math.Trunc(v) || v < 3 || v > 1e7 {
						return nil, fmt.Errorf("%w: %s:%d: node count %q must be an integer ≥ 3", ErrInvalid, name, line, f)
					}
					n = int(v)
					rows = make([][]entry, n)
					rowSum = make([]float64, n)
					colSum = make([]float64, n)
					continue
				}
				if count >= n*n {
					return nil, fmt.Errorf("%w: %s:%d: more than %d×%d numbers", ErrInvalid, name, line, n, n)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return nil, fmt.Errorf("%w: %s:%d: entry %q must be finite and non-negative", ErrInvalid, name, line, f)
				}
				i, j := count/n, count%n
				count++
				if i == j {
					continue
				}
				rowSum[i] += v
				colSum[j] += v
				if v >= keepMin {
					rows[i] = append(rows[i], entry{int32(j), v})
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if n < 0 {
		return nil, fmt.Errorf("%w: %s: empty file, want the node count then an n×n matrix", ErrInvalid, name)
	}
	if count != n*n {
		return nil, fmt.Errorf("%w: %s:%d: %d numbers after the node count, want %d×%d = %d", ErrInvalid, name, line, count, n, n, n*n)
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
// whatever heatmap was written).
func ReadSparse(r io.Reader, name string) (*Heatmap, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.ReadString('\n')
	f := strings.Fields(head)
	if len(f) != 3 || f[0] != sparseMagic || f[1] != "1" {
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%w: %s:1: want %q, the format version 1 and the node count", ErrInvalid, name, sparseMagic)
	}
	n, perr := strconv.Atoi(f[2])
	if perr != nil || n < 3 || n > 1e8 {
		return nil, fmt.Errorf("%w: %s:1: node count %q must be an integer ≥ 3", ErrInvalid, name, f[2])
	}
	rows := make([][]entry, 0, min(n, 1<<20))
	sums := make([]float64, 0, min(n, 1<<20))
	line := 1
	for len(rows) < n {
		text, err := br.ReadString('\n')
		if len(text) == 0 && err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %d rows, want %d", ErrInvalid, name, line, len(rows), n)
		}
		line++
		fs := strings.Fields(text)
		if len(fs)%2 != 1 {
			return nil, fmt.Errorf("%w: %s:%d: want a row sum then column/value pairs", ErrInvalid, name, line)
		}
		nums := make([]float64, len(fs))
		for k, s := range fs {
			v, perr := strconv.ParseFloat(s, 64)
			if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("%w: %s:%d: %q must be a finite non-negative number", ErrInvalid, name, line, s)
			}
			nums[k] = v
		}
		var row []entry
		for k := 1; k < len(nums); k += 2 {
			j := nums[k]
			if j != math.Trunc(j) || j >= float64(n) || int(j) == len(rows) {
				return nil, fmt.Errorf("%w: %s:%d: column %q out of range 0…%d or on the diagonal", ErrInvalid, name, line, fs[k], n-1)
			}
			if len(row) > 0 && int32(j) <= row[len(row)-1].j {
				return nil, fmt.Errorf("%w: %s:%d: columns must ascend", ErrInvalid, name, line)
			}
			row = append(row, entry{int32(j), nums[k+1]})
		}
		rows = append(rows, row)
		sums = append(sums, nums[0])
	}
	return fromRows(rows, sums), nil
}

// Load reads a heatmap file, sparse or dense by its first word. Dense files are
// symmetrised (the reference behaviour); sparse files are taken as written.
func Load(path string) (*Heatmap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	peek, _ := br.Peek(len(sparseMagic))
	if string(peek) == sparseMagic {
		return ReadSparse(br, path)
	}
	return ReadDense(br, path)
}
