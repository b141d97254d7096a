package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is a progress bar on a terminal and, elsewhere, a plain line every
// few seconds: a bar redraws itself with carriage returns, which a log file
// keeps as clutter.
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	what  string
	total int
	last  time.Time
	done  int
	note  string
}

// progressEvery is how often a non-terminal progress line is written.
const progressEvery = 5 * time.Second

func newProgress(w io.Writer, what string, total int) *progress {
	p := &progress{w: w, what: what, total: total, last: time.Now()}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what), progressbar.OptionShowCount())
	}
	return p
}

// set records that done of total are done; note is shown beside the count.
func (p *progress) set(done int, note string) {
	p.done, p.note = done, note
	if p.bar != nil {
		if note != "" {
			p.bar.Describe(p.what + " (" + note + ")")
		}
		_ = p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= progressEvery {
		p.line()
	}
}

func (p *progress) line() {
	fmt.Fprintf(p.w, "%s: %d/%d", p.what, p.done, p.total)
	if p.note != "" {
		fmt.Fprintf(p.w, " (%s)", p.note)
	}
	fmt.Fprintln(p.w)
	p.last = time.Now()
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		return
	}
	p.line()
}
