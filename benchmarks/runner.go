package benchmarks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Executor runs one task and returns its envelope. RunInProcess and
// IsolatedExecutor are the two the harness offers.
type Executor func(ctx context.Context, t Task) (Envelope, error)

// RunInProcess runs the task in this process; max_rss_mb is then the process's peak,
// which only means something for the first run.
func RunInProcess(ctx context.Context, t Task) (Envelope, error) {
	out, err := Run(ctx, t)
	return out.Envelope, err
}

// IsolatedExecutor runs each task in a child process (argv + task JSON on stdin,
// envelope JSON on stdout), so a crash or a memory blow-up stays inside one run and
// cpu_s and max_rss_mb are the child's own. The child is killed after twice the
// time limit plus a minute.
func IsolatedExecutor(argv ...string) Executor {
	return func(ctx context.Context, t Task) (Envelope, error) {
		payload, err := json.Marshal(t)
		if err != nil {
			return Envelope{}, err
		}
		ctx, cancel := context.WithTimeout(ctx, 2*t.TimeLimit+time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(payload)
		var stdout, stderr bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Stderr = &stderr
		start := time.Now()
		runErr := cmd.Run()
		wall := time.Since(start).Seconds()
		if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded) && runErr != nil {
			return Envelope{}, fmt.Errorf("run killed after %.0fs (time limit %v)", wall, t.TimeLimit)
		}
		if runErr != nil {
			msg := bytes.TrimSpace(stderr.Bytes())
			return Envelope{}, fmt.Errorf("%v: %s", runErr, lastLine(msg))
		}
		var e Envelope
		if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
			return Envelope{}, fmt.Errorf("child printed no envelope: %v", err)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			e.CPUS = tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
			e.MaxRSSMB = float64(ru.Maxrss) / 1024
		}
		return e, nil
	}
}

func lastLine(b []byte) string {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return string(b[i+1:])
	}
	return string(b)
}

// Sweep runs tasks and appends one JSON line per run to Out, skipping runs already
// recorded there, so an interrupted sweep resumes where it stopped. Runs whose index
// in Tasks is not Shard modulo Shards belong to other machines.
type Sweep struct {
	Tasks  []Task
	Out    string
	Shard  int
	Shards int
	Exec   Executor
	// Progress, when set, is called after each run (including skipped ones).
	Progress func(done, total int, e Envelope, skipped bool)
}

// SweepSummary counts what a sweep did.
type SweepSummary struct {
	Ran, Skipped, Failed, OtherShards int
}

// Run executes the sweep. A cancelled context stops it between or during runs; the
// interrupted run is not recorded and will run again on resume.
func (s *Sweep) Run(ctx context.Context) (SweepSummary, error) {
	var sum SweepSummary
	shards := s.Shards
	if shards <= 0 {
		shards = 1
	}
	if s.Shard < 0 || s.Shard >= shards {
		return sum, fmt.Errorf("%w: shard %d/%d: want 0 ≤ i < n", ErrBadInput, s.Shard, shards)
	}
	done, err := recordedKeys(s.Out)
	if err != nil {
		return sum, err
	}
	f, err := os.OpenFile(s.Out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	exe := s.Exec
	if exe == nil {
		exe = RunInProcess
	}
	mine := 0
	for i := range s.Tasks {
		if i%shards == s.Shard {
			mine++
		}
	}
	count := 0
	for i, t := range s.Tasks {
		if i%shards != s.Shard {
			sum.OtherShards++
			continue
		}
		count++
		key := t.Key()
		if done[key] {
			sum.Skipped++
			if s.Progress != nil {
				s.Progress(count, mine, Envelope{}, true)
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		e, runErr := exe(ctx, t)
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if runErr != nil {
			sum.Failed++
			e = Envelope{Kind: t.Config.Solver, Instance: t.Source.Label(), Status: "error", Error: runErr.Error()}
		} else {
			sum.Ran++
		}
		e.Source = t.Source.Label()
		e.Config = t.Config.Name
		e.Seed = t.Seed
		line, err := json.Marshal(e)
		if err != nil {
			return sum, err
		}
		if _, err := f.Write(append(line, '\n')); err != nil {
			return sum, err
		}
		if err := f.Sync(); err != nil {
			return sum, err
		}
		done[key] = true
		if s.Progress != nil {
			s.Progress(count, mine, e, false)
		}
	}
	return sum, nil
}

// recordedKeys reads the successful runs already in path. A last line cut short by an
// interruption is removed so that appending continues on a clean line.
func recordedKeys(path string) (map[string]bool, error) {
	keys := map[string]bool{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return keys, nil
	}
	if err != nil {
		return nil, err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		if err := os.Truncate(path, int64(cut)); err != nil {
			return nil, err
		}
		data = data[:cut]
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e Envelope
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: not a benchmark line: %v", ErrBadInput, path, line, err)
		}
		// Failed runs are tried again: most failures (a killed child, a fixed
		// configuration) do not repeat.
		if e.Error == "" {
			keys[envelopeKey(e)] = true
		}
	}
	return keys, sc.Err()
}

// ReadLines reads every JSON line of a results file as a generic map, so reports can
// group by any field, standard or problem-specific. When a run (source, config,
// seed) appears more than once — a failure retried on resume — the last line wins.
func ReadLines(r io.Reader, name string) ([]map[string]any, error) {
	var rows []map[string]any
	latest := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: not a JSON object: %v", ErrBadInput, name, line, err)
		}
		if src, ok := m["source"].(string); ok {
			key := fmt.Sprintf("%s|%v|%v", src, m["config"], m["seed"])
			if at, seen := latest[key]; seen {
				rows[at] = m
				continue
			}
			latest[key] = len(rows)
		}
		rows = append(rows, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rows, nil
}
