package draw

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cosolve/cosolve/instances"
)

// Gantt draws a schedule (starts[j][k] is the start of operation k of job j)
// as an SVG Gantt chart: one row per machine, each operation a bar coloured by
// its job (hues spread by the golden angle, three lightness levels, so
// neighbouring job ids differ clearly even at 100 jobs), the job id inside bars
// wide enough to hold it and in a tooltip on every bar, a time axis, and the
// makespan as a red line.
func Gantt(w io.Writer, js *instances.JobShop, starts [][]int, l Labels) error {
	if _, err := instances.CheckSchedule(js, starts); err != nil {
		return fmt.Errorf("draw: %w", err)
	}
	makespan := 0
	for j, ops := range js.Jobs {
		for k, op := range ops {
			makespan = max(makespan, starts[j][k]+op.Duration)
		}
	}
	M := js.Machines
	const left, right, top, bottom, plotW = 70.0, 30.0, 72.0, 48.0, 1400.0
	rowH := math.Max(8, math.Min(28, 900/float64(M)))
	plotH := rowH * float64(M)
	width, height := left+plotW+right, top+plotH+bottom
	scale := plotW / math.Max(1, float64(makespan))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	l.svg(&b, left)
	for m := 0; m < M; m++ {
		y := top + float64(m)*rowH
		if m%2 == 1 {
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.0f" height="%.1f" fill="#f3f3f3"/>`+"\n", left, y, plotW, rowH)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" font-size="%.0f" text-anchor="end" dominant-baseline="middle">M%d</text>`+"\n", left-6, y+rowH/2, math.Min(12, rowH-1), m)
	}
	step := niceStep(float64(makespan) / 10)
	for x := 0.0; x <= float64(makespan); x += step {
		px := left + x*scale
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#ccc" stroke-width="0.5"/>`+"\n", px, top, px, top+plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%.0f</text>`+"\n", px, top+plotH+14, x)
	}
	fontSize := math.Min(11, rowH-3)
	for j, ops := range js.Jobs {
		fill := jobColour(j)
		for k, op := range ops {
			if op.Duration == 0 {
				continue
			}
			x := left + float64(starts[j][k])*scale
			y := top + float64(op.Machine)*rowH + 1
			bw := float64(op.Duration) * scale
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s" stroke="white" stroke-width="0.4"><title>job %d, operation %d: %d–%d on M%d</title></rect>`+"\n",
				x, y, bw, rowH-2, fill, j, k, starts[j][k], starts[j][k]+op.Duration, op.Machine)
			label := fmt.Sprint(j)
			if fontSize >= 6 && bw >= float64(len(label))*fontSize*0.62+2 {
				fmt.Fprintf(&b, `<text x="%.2f" y="%.1f" font-size="%.0f" text-anchor="middle" dominant-baseline="middle" fill="black" pointer-events="none">%s</text>`+"\n",
					x+bw/2, y+(rowH-2)/2, fontSize, label)
			}
		}
	}
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.1f" fill="none" stroke="#888" stroke-width="0.8"/>`+"\n", left, top, plotW, plotH)
	mx := left + float64(makespan)*scale
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.1f" stroke="#d00" stroke-width="2" stroke-dasharray="6 3"/>`+"\n", mx, top-6, mx, top+plotH+4)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="#d00" text-anchor="end">makespan %d</text>`+"\n", mx, top-8, makespan)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13" text-anchor="middle">time</text>`+"\n", left+plotW/2, height-8)
	fmt.Fprintf(&b, `<text transform="translate(%.0f %.1f) rotate(-90)" font-size="13" text-anchor="middle">machine</text>`+"\n", left-46, top+plotH/2)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// jobColour spreads hues by the golden angle and cycles lightness, so that jobs
// with nearby ids never share a colour.
func jobColour(j int) string {
	hue := math.Mod(float64(j)*137.508, 360)
	light := [...]int{62, 48, 74}[j%3]
	return fmt.Sprintf("hsl(%.1f,70%%,%d%%)", hue, light)
}
