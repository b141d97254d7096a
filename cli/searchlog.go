package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/draw"
)

// searchLog is the search log of a solve on stderr, in the manner of LKH's
// "* 1: Cost = …" lines and CP-SAT's log_search_progress: a header naming the
// instance, its size and the settings, one line per new best, a heartbeat
// during long plateaus, and closing statistics. It is fed by the run's
// Observer (the solvers' OnImprove), never by prints inside the solvers.
type searchLog struct {
	w        io.Writer
	limits   string        // the task's limits in words, for the header
	interval time.Duration // heartbeat period; 0 = none
	t0       time.Time

	mu        sync.Mutex
	info      benchmarks.RunInfo
	started   bool
	have      bool
	best      benchmarks.Improvement
	pending   bool          // a new best not printed yet
	lastLine  time.Duration // when the last line was printed
	lastBest  time.Duration // when the best was found
	improved  int
	stop      chan struct{}
	stoppedWG sync.WaitGroup
}

// logTick is how often pending lines and heartbeats are looked at.
const logTick = 100 * time.Millisecond

func newSearchLog(w io.Writer, limits string, interval time.Duration) *searchLog {
	return &searchLog{w: w, limits: limits, interval: interval, t0: time.Now(), stop: make(chan struct{})}
}

// minGap is the least time between two improvement lines: a tenth of the time
// so far, between 0.1 s and 1 s, so that a fast start does not flood the
// terminal and a long run still shows a line per second while it improves.
// Improvements in between are merged into the next line.
func minGap(elapsed time.Duration) time.Duration {
	return min(max(elapsed/10, 100*time.Millisecond), time.Second)
}

func (l *searchLog) observer(start func(benchmarks.RunInfo) error) *benchmarks.Observer {
	return &benchmarks.Observer{
		Start: func(info benchmarks.RunInfo) error {
			if start != nil {
				if err := start(info); err != nil {
					return err
				}
			}
			l.header(info)
			return nil
		},
		Improve: l.improve,
	}
}

func (l *searchLog) header(info benchmarks.RunInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.info, l.started = info, true
	fmt.Fprintf(l.w, "%s (%s): %s", info.Instance, info.Kind, info.Size)
	if r := info.Reference; r != nil {
		fmt.Fprintf(l.w, "; reference %s (%s)", draw.Number(r.Value), r.Kind)
	}
	if !math.IsNaN(info.Bound) {
		fmt.Fprintf(l.w, "; bound %s", draw.Number(info.Bound))
	}
	fmt.Fprintf(l.w, "\n%s; %s\n", info.Settings, l.limits)
	fmt.Fprintf(l.w, "  %9s  %14s  %9s  %9s  %-9s  %s\n", "time", "objective", "gap", "bound gap", "found by", "iteration")
	l.stoppedWG.Add(1)
	go l.tick()
}

func (l *searchLog) improve(im benchmarks.Improvement) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.best, l.have, l.lastBest = im, true, im.Elapsed
	l.improved++
	if im.Elapsed-l.lastLine >= minGap(im.Elapsed) || l.improved == 1 {
		l.line('*', im)
		return
	}
	l.pending = true
}

// tick prints merged improvements once their gap has passed, and heartbeats.
func (l *searchLog) tick() {
	defer l.stoppedWG.Done()
	t := time.NewTicker(logTick)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		now := time.Since(l.t0)
		l.mu.Lock()
		switch {
		case l.pending && now-l.lastLine >= minGap(now):
			l.line('*', l.best)
		case l.interval > 0 && now-l.lastLine >= l.interval:
			l.heartbeat(now)
		}
		l.mu.Unlock()
	}
}

// line prints an improvement; the caller holds mu.
func (l *searchLog) line(mark byte, im benchmarks.Improvement) {
	fmt.Fprintf(l.w, "%c %9s  %14s  %9s  %9s  %-9s  %d\n", mark, seconds(im.Elapsed), draw.Number(im.Objective),
		l.gap(im.Objective, l.refValue()), l.gap(im.Objective, l.bound(im)), im.Phase, im.Iteration)
	l.pending = false
	l.lastLine = im.Elapsed
}

// heartbeat says the search is alive on a plateau; the caller holds mu.
func (l *searchLog) heartbeat(now time.Duration) {
	if !l.have {
		fmt.Fprintf(l.w, "  %9s  %14s  (no solution yet)\n", seconds(now), "-")
	} else {
		fmt.Fprintf(l.w, "  %9s  %14s  %9s  %9s  (no better for %s)\n", seconds(now), draw.Number(l.best.Objective),
			l.gap(l.best.Objective, l.refValue()), l.gap(l.best.Objective, l.bound(l.best)), seconds(now-l.lastBest))
	}
	l.lastLine = now
}

// bound is the best lower bound known at im: the one the solver proved during
// the search (TSP's α bound, the job shop's root bound) when it beats the one
// known at the start.
func (l *searchLog) bound(im benchmarks.Improvement) float64 {
	if im.Bound > 0 && !l.info.Maximize && (math.IsNaN(l.info.Bound) || im.Bound > l.info.Bound) {
		return im.Bound
	}
	return l.info.Bound
}

func (l *searchLog) refValue() float64 {
	if l.info.Reference == nil {
		return math.NaN()
	}
	return l.info.Reference.Value
}

// gap is the relative gap of objective to ref in percent, positive = worse,
// or "-" when ref is unknown.
func (l *searchLog) gap(objective, ref float64) string {
	if math.IsNaN(ref) || ref == 0 {
		return "-"
	}
	g := 100 * (objective - ref) / math.Abs(ref)
	if l.info.Maximize {
		g = -g
	}
	return fmt.Sprintf("%+.3f%%", g)
}

// finish stops the ticker and prints the last merged line and the closing
// statistics; e is nil when the run failed.
func (l *searchLog) finish(e *benchmarks.Envelope) {
	close(l.stop)
	l.stoppedWG.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending {
		l.line('*', l.best)
	}
	if e == nil || !l.started {
		return
	}
	fmt.Fprintf(l.w, "%s; stats: %s\n", plural(l.improved, "improvement"), statsLine(e.Stats))
}

// statsLine is the solver's statistics in one line, in the order of their JSON
// keys; durations (…_ns) are shown in seconds.
func statsLine(stats any) string {
	b, err := json.Marshal(stats)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	flat := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case map[string]any:
				walk(prefix+k+".", x)
			case float64:
				if name, ok := strings.CutSuffix(k, "_ns"); ok {
					flat[prefix+name] = seconds(time.Duration(x))
				} else {
					flat[prefix+k] = draw.Number(x)
				}
			case string:
				if x != "" {
					flat[prefix+k] = x
				}
			}
		}
	}
	walk("", m)
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + flat[k]
	}
	return strings.Join(parts, ", ")
}

func seconds(d time.Duration) string {
	s := d.Seconds()
	if s < 10 {
		return fmt.Sprintf("%.2fs", s)
	}
	return fmt.Sprintf("%.1fs", s)
}

// isTerminal reports whether w is a terminal; only then is the log on by
// default, so pipes and files get the summary alone.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
