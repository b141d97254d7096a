package benchmarks

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// Settings is a short fingerprint of what a run's result depends on besides
// its source, configuration name and seed: the time limit, the threads, the
// solver and its options. Sweep lines record it, so a resumed sweep whose spec
// changed a time limit or an option runs those runs again instead of keeping
// results made under other settings.
func (t Task) Settings() string {
	b, _ := json.Marshal(struct {
		TimeLimit time.Duration  `json:"time_limit"`
		Threads   int            `json:"threads"`
		Solver    string         `json:"solver"`
		TSP       *TSPOptions    `json:"tsp,omitempty"`
		JSSP      *JSSPOptions   `json:"jssp,omitempty"`
		Robust    *RobustOptions `json:"robust,omitempty"`
	}{t.TimeLimit, t.Threads, t.Config.Solver, t.Config.TSP, t.Config.JSSP, t.Config.Robust})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// dropStale moves the lines of f (opened on path, locked) that record one of
// tasks' runs under other settings into path + ".stale", and rewrites f
// without them; it returns how many it moved. Lines without settings (written
// before cosolve recorded them) cannot be compared and stay, counted in
// unknown.
func dropStale(f *os.File, path string, tasks []Task) (moved, unknown int, err error) {
	want := map[string]string{}
	for _, t := range tasks {
		want[t.Key()] = t.Settings()
	}
	// Read through f: closing another descriptor of the file would drop the
	// lock where locks are emulated with fcntl (NFS). An unterminated last line
	// is an interrupted run's, which recordedKeys removes anyway.
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return 0, 0, err
	}
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var keep, stale bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line := sc.Bytes()
		var e Envelope
		if json.Unmarshal(line, &e) == nil && e.Source != "" {
			w, inSpec := want[envelopeKey(e)]
			switch {
			case inSpec && e.Settings == "":
				unknown++
			case inSpec && e.Settings != w:
				stale.Write(line)
				stale.WriteByte('\n')
				moved++
				continue
			}
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if err := sc.Err(); err != nil || moved == 0 {
		return 0, unknown, err
	}
	sf, err := os.OpenFile(path+".stale", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, unknown, err
	}
	if _, err := sf.Write(stale.Bytes()); err != nil {
		sf.Close()
		return 0, unknown, err
	}
	if err := sf.Close(); err != nil {
		return 0, unknown, err
	}
	// f is opened for appending: truncating and writing puts the kept lines
	// back at the start.
	if err := f.Truncate(0); err != nil {
		return 0, unknown, err
	}
	if _, err := f.Write(keep.Bytes()); err != nil {
		return 0, unknown, err
	}
	return moved, unknown, f.Sync()
}

// staleWarning is what a sweep says about the lines dropStale looked at.
func staleWarning(path string, moved, unknown int) []string {
	var out []string
	if moved > 0 {
		out = append(out, fmt.Sprintf("%s: %d runs were recorded under other settings (time limit, threads or options changed): "+
			"their lines moved to %s.stale and they run again", path, moved, path))
	}
	if unknown > 0 {
		out = append(out, fmt.Sprintf("%s: %d runs were recorded without their settings (by an older cosolve): kept, "+
			"though the spec may have changed since", path, unknown))
	}
	return out
}
