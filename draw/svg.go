package draw

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Labels are the two lines above a picture: what it shows, and how it was
// obtained (method, objective, gap, time). Either may be empty.
type Labels struct {
	Title   string
	Caption string
}

// Caption writes the second line the command line puts on its pictures:
// "<method>: <what> <objective>, gap <g> % to <reference>, <seconds> s".
// gapPct and reference may be nil; method may be empty.
func Caption(method, what string, objective float64, gapPct, reference *float64, referenceKind string, seconds float64) string {
	var b strings.Builder
	if method != "" {
		b.WriteString(method + ": ")
	}
	fmt.Fprintf(&b, "%s %s", what, Number(objective))
	if gapPct != nil && reference != nil {
		fmt.Fprintf(&b, ", gap %+.3f %% to %s", *gapPct, Number(*reference))
		if referenceKind != "" {
			fmt.Fprintf(&b, " (%s)", referenceKind)
		}
	}
	if seconds > 0 {
		fmt.Fprintf(&b, ", %.1f s", seconds)
	}
	return b.String()
}

// Number writes objectives as people read them: integers in full (tour
// lengths of 10^8 included), other values with nine significant digits, never
// in exponent form.
func Number(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	decimals := 8 - int(math.Floor(math.Log10(math.Abs(v))))
	s := strconv.FormatFloat(v, 'f', min(max(decimals, 0), 12), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;").Replace(s)
}

// niceStep rounds a raw tick spacing up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= raw {
			return f * p
		}
	}
	return 10 * p
}

// ticks are the multiples of a nice step in [lo, hi], about n of them.
func ticks(lo, hi float64, n int) []float64 {
	step := niceStep((hi - lo) / float64(n))
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// tickLabel writes a tick value with no more decimals than its step needs.
func tickLabel(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if math.Abs(v) < step*1e-9 {
		v = 0
	}
	return fmt.Sprintf("%.*f", decimals, v)
}

// labels writes the title and caption lines at the top of a picture.
func (l Labels) svg(b *strings.Builder, x float64) {
	if l.Title != "" {
		fmt.Fprintf(b, `<text x="%.0f" y="24" font-size="18" font-weight="bold">%s</text>`+"\n", x, xmlEscape(l.Title))
	}
	if l.Caption != "" {
		fmt.Fprintf(b, `<text x="%.0f" y="46" font-size="14" fill="#333">%s</text>`+"\n", x, xmlEscape(l.Caption))
	}
}
