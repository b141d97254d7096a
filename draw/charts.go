package draw

import (
	"errors"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one configuration's gap to the reference over time, in percent
// (positive = worse), as a step function: each point holds until the next.
type Series struct {
	Name   string
	Points [][2]float64 // (seconds > 0, gap %), by increasing time
}

// Bars are final gaps in percent per class (instance size, correlation type,
// …) and configuration; Gap[c][k] is configuration c on class k, NaN where it
// has no run.
type Bars struct {
	ClassName string
	Classes   []string
	Configs   []string
	Gap       [][]float64
}

// ErrNothingToPlot is returned when no series has a point and no bar a value.
var ErrNothingToPlot = errors.New("draw: nothing to plot (no run has a reference gap)")

// SweepCharts draws a sweep as one SVG picture of two charts side by side:
// the gap against time on a log axis, one line per configuration, and the
// final gap per class as grouped bars.
func SweepCharts(w io.Writer, title string, series []Series, bars Bars) error {
	left, err := gapVsTime(series)
	if err != nil {
		return err
	}
	right := gapBars(bars)
	left.Title.Text = title
	const width, height = 30 * vg.Centimeter, 12 * vg.Centimeter
	c := vgsvg.New(width, height)
	dc := vgdraw.New(c)
	tiles := vgdraw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{{left, right}}, tiles, dc)
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])
	_, err = c.WriteTo(w)
	return err
}

func gapVsTime(series []Series) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = "time (s, log scale)"
	p.Y.Label.Text = "mean gap to the reference (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, s := range series {
		var xys plotter.XYs
		for _, pt := range s.Points {
			if pt[0] > 0 && !math.IsNaN(pt[1]) && !math.IsInf(pt[1], 0) {
				xys = append(xys, plotter.XY{X: pt[0], Y: pt[1]})
			}
		}
		if len(xys) == 0 {
			continue
		}
		if len(xys) == 1 {
			// A lone final value still shows as a point.
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			sc.Color = plotutil.Color(i)
			p.Add(sc)
			p.Legend.Add(s.Name, sc)
			drawn++
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.StepStyle = plotter.PostStep
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		line.Dashes = plotutil.Dashes(i)
		p.Add(line)
		p.Legend.Add(s.Name, line)
		drawn++
	}
	if drawn == 0 {
		return nil, ErrNothingToPlot
	}
	return p, nil
}

func gapBars(b Bars) *plot.Plot {
	p := plot.New()
	p.Title.Text = "final gap per " + b.ClassName
	p.Y.Label.Text = "mean final gap (%)"
	p.X.Label.Text = b.ClassName
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	k := len(b.Configs)
	if k == 0 || len(b.Classes) == 0 {
		return p
	}
	barW := vg.Points(math.Max(4, math.Min(30, 360/float64(k*len(b.Classes)))))
	for c, name := range b.Configs {
		vals := make(plotter.Values, len(b.Classes))
		for j := range b.Classes {
			v := b.Gap[c][j]
			if math.IsNaN(v) {
				v = 0 // no run: an empty slot
			}
			vals[j] = v
		}
		bc, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			continue
		}
		bc.Color = plotutil.Color(c)
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(float64(c)-float64(k-1)/2) * barW
		p.Add(bc)
		p.Legend.Add(name, bc)
	}
	p.NominalX(b.Classes...)
	// Room above the bars for the legend.
	p.Y.Max += 0.3 * (p.Y.Max - math.Min(p.Y.Min, 0))
	return p
}
