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
	"strings"
	"syscall"
	"time"

	"github.com/cosolve/cosolve/solvers"
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
		cmd.SysProcAttr = childProcAttr()
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
		if runErr != nil && cmd.ProcessState != nil {
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() &&
				(ws.Signal() == syscall.SIGTERM || ws.Signal() == syscall.SIGINT) {
				return Envelope{}, fmt.Errorf("run stopped by %v: %w", ws.Signal(), context.Canceled)
			}
		}
		if runErr != nil {
			return Envelope{}, fmt.Errorf("%v: %s", runErr, childError(stderr.Bytes()))
		}
		var e Envelope
		if err := json.Unmarshal(stdout.Bytes(), &e); err != nil {
			return Envelope{}, fmt.Errorf("child printed no envelope: %v", err)
		}
		e.CPUS = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		e.MaxRSSMB = maxRSSMB(cmd.ProcessState)
		return e, nil
	}
}

// childError is the line of a failed child's stderr that says what went
// wrong: a Go crash's "panic:" or "fatal error:" line (its stack follows it),
// else the last line, where the command line prints its error.
func childError(stderr []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
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
	// Warn, when set, hears of what people should know but need not stop for.
	Warn func(msg string)
}

// SweepSummary counts what a sweep did.
type SweepSummary struct {
	Ran, Skipped, Failed, OtherShards int
}

// Run executes the sweep. A cancelled context stops it between or during runs; the
// interrupted run is not recorded and will run again on resume. Out is locked for
// the whole sweep, and a file holding another shard's runs is refused, so two
// shards can never interleave their lines in one file.
func (s *Sweep) Run(ctx context.Context) (SweepSummary, error) {
	var sum SweepSummary
	shards := s.Shards
	if shards <= 0 {
		shards = 1
	}
	if s.Shard < 0 || s.Shard >= shards {
		return sum, fmt.Errorf("%w: shard %d/%d: want 0 ≤ i < n", ErrBadInput, s.Shard, shards)
	}
	f, locked, err := openLocked(s.Out)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	if !locked && s.Warn != nil {
		s.Warn(fmt.Sprintf("%s: the file system cannot lock files, so nothing stops a second bench run from writing to it", s.Out))
	}
	moved, unknown, err := dropStale(f, s.Out, s.Tasks)
	if err != nil {
		return sum, err
	}
	for _, msg := range staleWarning(s.Out, moved, unknown) {
		if s.Warn != nil {
			s.Warn(msg)
		}
	}
	done, err := recordedKeys(f, s.Out)
	if err != nil {
		return sum, err
	}
	if shards > 1 {
		if err := s.checkOwnRuns(done, shards); err != nil {
			return sum, err
		}
	}
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
		if done[key].ok {
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
		// A signal meant for the whole sweep (Ctrl-C to the process group, the
		// SIGTERM Slurm sends to every process of a job) can stop or end the child
		// before this process hears of it. A result cut short depends on when the
		// signal came, so it is not recorded: the sweep stops as interrupted.
		if errors.Is(runErr, context.Canceled) {
			return sum, fmt.Errorf("%s: %w", runText(key), runErr)
		}
		if runErr == nil && e.StopReason == solvers.Canceled.String() {
			return sum, fmt.Errorf("%s: the run was cancelled from outside: %w", runText(key), context.Canceled)
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
		e.Settings, e.TimeLimitS = t.Settings(), t.TimeLimit.Seconds()
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
		done[key] = recorded{ok: runErr == nil}
		if s.Progress != nil {
			s.Progress(count, mine, e, false)
		}
	}
	return sum, nil
}

// checkOwnRuns refuses a file holding runs of other shards: two shards pointed at
// one --out, one after the other, or a file from a sweep split differently.
func (s *Sweep) checkOwnRuns(done map[string]recorded, shards int) error {
	for i, t := range s.Tasks {
		r, ok := done[t.Key()]
		if ok && i%shards != s.Shard {
			return fmt.Errorf("%w: %s:%d: run %s belongs to shard %d/%d, not %d/%d: each shard needs its own file "+
				"(without --out, the name includes the shard)", ErrBadInput, s.Out, r.line, runText(t.Key()), i%shards, shards, s.Shard, shards)
		}
	}
	return nil
}

// recorded is what a results file says about one run.
type recorded struct {
	ok   bool // a line without an error
	line int  // the run's last line
}

// recordedKeys reads the runs already in f (opened on path). A last line cut short
// by an interruption is removed so that appending continues on a clean line. The
// file is read through f rather than reopened: closing any other descriptor of it
// would drop the lock where locks are emulated with fcntl (NFS).
func recordedKeys(f *os.File, path string) (map[string]recorded, error) {
	keys := map[string]recorded{}
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return nil, err
	}
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		if err := f.Truncate(int64(cut)); err != nil {
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
		k := envelopeKey(e)
		keys[k] = recorded{ok: keys[k].ok || e.Error == "", line: line}
	}
	return keys, sc.Err()
}

// ReadLines reads every JSON line of a results file as a generic map, so reports can
// group by any field, standard or problem-specific. A run (source, config, seed)
// recorded more than once — a failure retried on resume — appears once, as Merge
// chooses.
func ReadLines(r io.Reader, name string) ([]map[string]any, error) {
	m, err := Merge([]Input{{Name: name, Reader: r}}, nil)
	if err != nil {
		return nil, err
	}
	return m.Rows(), nil
}
