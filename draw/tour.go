package draw

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cosolve/cosolve/instances"
)

// ErrNoCoordinates is returned for an instance given only by its distances
// (EXPLICIT), which has nothing to draw.
var ErrNoCoordinates = errors.New("draw: the instance has no coordinates to draw")

// CanDrawTour reports whether Tour can draw p; the command line asks before
// solving rather than after.
func CanDrawTour(p *instances.TSP) error {
	if p == nil || !p.HasCoords() {
		return ErrNoCoordinates
	}
	return nil
}

// point is a node's place on the picture, in the instance's own units: x and y
// as given, or for GEO longitude and latitude in degrees (east and north).
func point(p *instances.TSP, i int) (x, y float64) {
	if p.Metric == instances.Geo {
		return geoDegrees(p.Y[i]), geoDegrees(p.X[i])
	}
	return p.X[i], p.Y[i]
}

// geoDegrees reads TSPLIB's DDD.MM (degrees, then minutes after the point) as
// degrees, truncating as TSPLIB's distance does.
func geoDegrees(v float64) float64 {
	deg := math.Trunc(v)
	return deg + (v-deg)*100/60
}

// Tour draws tour (0-based) over the points of p as an SVG picture with axes:
// thin strokes and no labels, so n = 10^5 stays readable; points are drawn up
// to 2000 nodes and fixed edges in red. GEO instances are drawn as a map,
// longitude across and latitude up, and an edge that is shorter across the
// antimeridian leaves the map on one side and comes back on the other.
func Tour(w io.Writer, p *instances.TSP, tour []int, l Labels) error {
	if err := CanDrawTour(p); err != nil {
		return err
	}
	if _, err := instances.CheckTour(p, tour); err != nil {
		return fmt.Errorf("draw: %w", err)
	}
	n := len(tour)
	geo := p.Metric == instances.Geo
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for i := 0; i < n; i++ {
		x, y := point(p, i)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	wraps := false
	if geo {
		for k := range tour {
			a, _ := point(p, tour[k])
			b, _ := point(p, tour[(k+1)%n])
			if math.Abs(b-a) > 180 {
				wraps = true
				break
			}
		}
		if wraps {
			minX, maxX = -180, 180
		}
	}
	if maxX == minX {
		minX, maxX = minX-1, maxX+1
	}
	if maxY == minY {
		minY, maxY = minY-1, maxY+1
	}
	const size, left, right, top, bottom = 1000.0, 80.0, 30.0, 64.0, 56.0
	scale := size / math.Max(maxX-minX, maxY-minY)
	plotW := math.Max((maxX-minX)*scale, 200)
	plotH := math.Max((maxY-minY)*scale, 200)
	px := func(x float64) float64 { return left + (x-minX)*scale }
	py := func(y float64) float64 { return top + plotH - (y-minY)*scale }
	width, height := left+plotW+right, top+plotH+bottom

	bw := bufio.NewWriter(w)
	var head strings.Builder
	fmt.Fprintf(&head, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&head, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	l.svg(&head, left)
	fmt.Fprintf(&head, `<clipPath id="area"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/></clipPath>`+"\n", left, top, plotW, plotH)
	bw.WriteString(head.String())
	xName, yName := "x", "y"
	if geo {
		xName, yName = "longitude (°)", "latitude (°)"
	}
	axes(bw, axisBox{left: left, top: top, w: plotW, h: plotH}, minX, minX+plotW/scale, minY, minY+plotH/scale, xName, yName)

	stroke := math.Max(0.2, math.Min(1.5, 60/math.Sqrt(float64(n))))
	fmt.Fprintf(bw, `<path clip-path="url(#area)" fill="none" stroke="#1f4e8c" stroke-width="%.2f" stroke-linejoin="round" d="`, stroke)
	x0, y0 := point(p, tour[0])
	fmt.Fprintf(bw, "M%.1f,%.1f", px(x0), py(y0))
	for k := 1; k <= n; k++ {
		ax, ay := point(p, tour[k-1])
		bx, by := point(p, tour[k%n])
		if geo && math.Abs(bx-ax) > 180 {
			// Leave the map towards the nearer side and come back from the other.
			shift := 360.0
			if bx > ax {
				shift = -360
			}
			fmt.Fprintf(bw, " L%.1f,%.1f M%.1f,%.1f", px(bx+shift), py(by), px(ax-shift), py(ay))
		}
		fmt.Fprintf(bw, " L%.1f,%.1f", px(bx), py(by))
	}
	bw.WriteString("\"/>\n")
	if len(p.Fixed) > 0 {
		fmt.Fprintf(bw, `<g stroke="#d00" stroke-width="%.2f">`+"\n", 3*stroke)
		for _, e := range p.Fixed {
			ax, ay := point(p, e[0])
			bx, by := point(p, e[1])
			fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"><title>fixed edge %d–%d</title></line>`+"\n", px(ax), py(ay), px(bx), py(by), e[0]+1, e[1]+1)
		}
		bw.WriteString("</g>\n")
	}
	if n <= 2000 {
		r := math.Max(1, 2*stroke)
		bw.WriteString(`<g fill="#c0392b">` + "\n")
		for i := 0; i < n; i++ {
			x, y := point(p, i)
			fmt.Fprintf(bw, `<circle cx="%.1f" cy="%.1f" r="%.1f"/>`+"\n", px(x), py(y), r)
		}
		bw.WriteString("</g>\n")
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// axisBox is the plotting area of a picture, in SVG units.
type axisBox struct{ left, top, w, h float64 }

// axes draws a frame, grid lines, tick labels and axis names for data ranges
// [x0, x1] × [y0, y1] mapped onto the box, y pointing up.
func axes(bw *bufio.Writer, b axisBox, x0, x1, y0, y1 float64, xName, yName string) {
	fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#888" stroke-width="0.8"/>`+"\n", b.left, b.top, b.w, b.h)
	bw.WriteString(`<g font-size="12" fill="#333">` + "\n")
	xs := ticks(x0, x1, 8)
	for _, v := range xs {
		x := b.left + (v-x0)/(x1-x0)*b.w
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd" stroke-width="0.5"/>`, x, b.top, x, b.top+b.h)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, b.top+b.h+16, tickLabel(v, step(xs)))
	}
	ys := ticks(y0, y1, 8)
	for _, v := range ys {
		y := b.top + b.h - (v-y0)/(y1-y0)*b.h
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd" stroke-width="0.5"/>`, b.left, y, b.left+b.w, y)
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", b.left-6, y, tickLabel(v, step(ys)))
	}
	fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="13">%s</text>`+"\n", b.left+b.w/2, b.top+b.h+40, xmlEscape(xName))
	fmt.Fprintf(bw, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle" font-size="13">%s</text>`+"\n", b.left-60, b.top+b.h/2, xmlEscape(yName))
	bw.WriteString("</g>\n")
}

func step(ts []float64) float64 {
	if len(ts) < 2 {
		return 1
	}
	return ts[1] - ts[0]
}
