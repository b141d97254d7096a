package benchmarks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Input is the content of one results file and the name its errors use.
type Input struct {
	Name   string
	Reader io.Reader
}

// Line is one benchmark line kept by Merge: decoded for reports, verbatim for
// writing, and where it came from.
type Line struct {
	Row   map[string]any
	Raw   []byte
	Where string // file:line
}

// Duplicate is a run recorded successfully more than once: two shards ran it, or
// one file was written by two sweeps.
type Duplicate struct {
	Run   string // the run's key, source|config|seed
	Where []string
}

// Merged is a set of results files read as one.
type Merged struct {
	// Lines holds one line per run — its last successful line, else its last
	// failure — in the spec's order when Merge had the spec's tasks (runs outside
	// the spec follow), else in reading order. Lines without a source (a solve
	// command's --json) are kept as they are.
	Lines      []Line
	Duplicates []Duplicate
	// Against the spec's tasks only: how many runs it asks for, which have no line
	// at all, which have only failures, and which recorded runs it does not ask for.
	Runs    int
	Missing []string
	Failed  []string
	Foreign []string

	againstSpec bool
}

// Merge reads results files — the shards of a sweep, or a file and its resumed
// runs — and keeps one line per run. With the spec's tasks (nil for none) it also
// says which runs are missing, failed or outside the spec.
func Merge(inputs []Input, tasks []Task) (*Merged, error) {
	type entry struct {
		ok        []Line
		lastError *Line
	}
	entries := map[string]*entry{}
	var order []string // keys in reading order; "" stands for a line without a source
	var sourceless []Line
	files := make([][]Line, len(inputs))
	for i, in := range inputs {
		var err error
		if files[i], err = readLines(in); err != nil {
			return nil, err
		}
	}
	for _, l := range readingOrder(inputs, files) {
		if _, ok := l.Row["source"].(string); !ok {
			order = append(order, "")
			sourceless = append(sourceless, l)
			continue
		}
		// The key is read from the text so that large seeds keep every digit.
		var id struct {
			Source string      `json:"source"`
			Config string      `json:"config"`
			Seed   json.Number `json:"seed"`
		}
		if err := json.Unmarshal(l.Raw, &id); err != nil {
			return nil, fmt.Errorf("%w: %s: not a benchmark line: %v", ErrBadInput, l.Where, err)
		}
		key := fmt.Sprintf("%s|%s|%s", id.Source, id.Config, id.Seed)
		e := entries[key]
		if e == nil {
			e = &entry{}
			entries[key] = e
			order = append(order, key)
		}
		if msg, _ := l.Row["error"].(string); msg != "" {
			e.lastError = &l
		} else {
			e.ok = append(e.ok, l)
		}
	}
	m := &Merged{}
	chosen := func(key string) Line {
		e := entries[key]
		if len(e.ok) > 0 {
			return e.ok[len(e.ok)-1]
		}
		return *e.lastError
	}
	for _, key := range order {
		if e := entries[key]; e != nil && len(e.ok) > 1 {
			d := Duplicate{Run: key}
			for _, l := range e.ok {
				d.Where = append(d.Where, l.Where)
			}
			m.Duplicates = append(m.Duplicates, d)
		}
	}
	if tasks == nil {
		next := 0
		for _, key := range order {
			if key == "" {
				m.Lines = append(m.Lines, sourceless[next])
				next++
			} else {
				m.Lines = append(m.Lines, chosen(key))
			}
		}
		return m, nil
	}
	m.againstSpec = true
	inSpec := map[string]bool{}
	for _, t := range tasks {
		key := t.Key()
		if inSpec[key] {
			continue
		}
		inSpec[key] = true
		m.Runs++
		e := entries[key]
		switch {
		case e == nil:
			m.Missing = append(m.Missing, key)
			continue
		case len(e.ok) == 0:
			m.Failed = append(m.Failed, key)
		}
		m.Lines = append(m.Lines, chosen(key))
	}
	for _, key := range order {
		if key != "" && !inSpec[key] {
			m.Foreign = append(m.Foreign, key)
			m.Lines = append(m.Lines, chosen(key))
		}
	}
	m.Lines = append(m.Lines, sourceless...)
	return m, nil
}

func readLines(in Input) ([]Line, error) {
	var lines []Line
	sc := bufio.NewScanner(in.Reader)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: not a JSON object: %v", ErrBadInput, in.Name, n, err)
		}
		lines = append(lines, Line{Row: row, Raw: append([]byte(nil), b...), Where: fmt.Sprintf("%s:%d", in.Name, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	return lines, nil
}

// shardName matches the default file names of Shard.FileName.
var shardName = regexp.MustCompile(`^(.*)\.shard-(\d+)-of-(\d+)\.jsonl$`)

// readingOrder lists the lines of all files, reading the shard files of one sweep
// (default names, same name and shard count) in turn, a line from each, as one
// machine would have written them: shard i holds runs i, i+n, i+2n… so reports
// over the shards list groups in the spec's order, as over a single machine's
// file. Other files are read one after the other.
func readingOrder(inputs []Input, files [][]Line) []Line {
	type member struct{ index, file int }
	groups := map[string][]member{}
	groupOf := make([]string, len(inputs))
	for i, in := range inputs {
		if m := shardName.FindStringSubmatch(in.Name); m != nil {
			idx, _ := strconv.Atoi(m[2])
			groupOf[i] = m[1] + "\x00" + m[3]
			groups[groupOf[i]] = append(groups[groupOf[i]], member{idx, i})
		}
	}
	var out []Line
	done := map[string]bool{}
	for i := range inputs {
		g := groupOf[i]
		if g == "" {
			out = append(out, files[i]...)
			continue
		}
		if done[g] {
			continue
		}
		done[g] = true
		members := groups[g]
		sort.SliceStable(members, func(a, b int) bool { return members[a].index < members[b].index })
		for k := 0; ; k++ {
			more := false
			for _, mb := range members {
				if k < len(files[mb.file]) {
					out = append(out, files[mb.file][k])
					more = true
				}
			}
			if !more {
				break
			}
		}
	}
	return out
}

// Rows returns the kept lines decoded, for Summarise.
func (m *Merged) Rows() []map[string]any {
	rows := make([]map[string]any, len(m.Lines))
	for i, l := range m.Lines {
		rows[i] = l.Row
	}
	return rows
}

// WriteTo writes the kept lines as JSON lines, each as it was read.
func (m *Merged) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	for _, l := range m.Lines {
		k, err := bw.Write(append(l.Raw, '\n'))
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// Complete reports whether every run of the spec has exactly one successful line
// (a failed run has no result either); without a spec, whether no run is
// duplicated.
func (m *Merged) Complete() bool {
	return len(m.Missing) == 0 && len(m.Failed) == 0 && len(m.Duplicates) == 0
}

// WriteCheck tells people which runs are missing, failed, duplicated or outside
// the spec, listing at most limit runs of each kind.
func (m *Merged) WriteCheck(w io.Writer, limit int) {
	list := func(what string, keys []string) {
		if len(keys) == 0 {
			return
		}
		fmt.Fprintf(w, "%d %s:\n", len(keys), what)
		for i, k := range keys {
			if i == limit {
				fmt.Fprintf(w, "  … and %d more\n", len(keys)-limit)
				break
			}
			fmt.Fprintf(w, "  %s\n", runText(k))
		}
	}
	if m.againstSpec {
		fmt.Fprintf(w, "%d of %d runs of the spec recorded successfully\n", m.Runs-len(m.Missing)-len(m.Failed), m.Runs)
	}
	list("runs missing (run their shards again: finished runs are skipped)", m.Missing)
	list("runs failed (running their shards again retries them)", m.Failed)
	if len(m.Duplicates) > 0 {
		fmt.Fprintf(w, "%d runs recorded more than once (kept the last):\n", len(m.Duplicates))
		for i, d := range m.Duplicates {
			if i == limit {
				fmt.Fprintf(w, "  … and %d more\n", len(m.Duplicates)-limit)
				break
			}
			fmt.Fprintf(w, "  %s at %s\n", runText(d.Run), strings.Join(d.Where, ", "))
		}
	}
	list("runs not in the spec (kept)", m.Foreign)
}

// runText shows a run key source|config|seed as people read it.
func runText(key string) string {
	i := strings.LastIndexByte(key, '|')
	j := strings.LastIndexByte(key[:max(i, 0)], '|')
	if i < 0 || j < 0 {
		return key
	}
	return fmt.Sprintf("%s config %s seed %s", key[:j], key[j+1:i], key[i+1:])
}
