package benchmarks

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/cosolve/cosolve/draw"
)

// ClassFields are the fields PlotData tries, in order, to split the bars:
// job-shop size, TSP node count, robust correlation type, then the kind.
var ClassFields = []string{"size", "n", "corr", "kind"}

// PlotData turns sweep lines into the curves and bars of draw.SweepCharts:
// per configuration, the mean gap to the reference over time (from each run's
// trace; a line without one counts from its time_s) and the mean final gap per
// class. class names the field that splits the bars ("" = the first of
// ClassFields the lines have). Lines without a reference or that failed are
// left out.
func PlotData(rows []map[string]any, class string) ([]draw.Series, draw.Bars) {
	if class == "" {
		class = "kind"
		for _, f := range ClassFields {
			if hasField(rows, f) {
				class = f
				break
			}
		}
	}
	type run struct {
		steps [][2]float64 // (t, gap), by time
		end   float64
	}
	runs := map[string][]run{}
	var configs []string
	finals := map[string]map[string][]float64{}
	var classes []string
	for _, r := range rows {
		if e, _ := r["error"].(string); e != "" {
			continue
		}
		obj, ok1 := r["objective"].(float64)
		ref, ok2 := r["reference"].(float64)
		gap, ok3 := r["gap_pct"].(float64)
		if !ok1 || !ok2 || !ok3 || ref == 0 {
			continue
		}
		// The sign that makes the stored gap: positive is worse either way.
		sign := 1.0
		if math.Abs(gap+100*(obj-ref)/math.Abs(ref)) < math.Abs(gap-100*(obj-ref)/math.Abs(ref)) {
			sign = -1
		}
		cfg := fieldText(r["config"])
		if _, seen := runs[cfg]; !seen {
			configs = append(configs, cfg)
			runs[cfg] = nil
			finals[cfg] = map[string][]float64{}
		}
		end, _ := r["time_s"].(float64)
		var steps [][2]float64
		if tr, ok := r["trace"].([]any); ok {
			for _, p := range tr {
				pt, ok := p.([]any)
				if !ok || len(pt) != 2 {
					continue
				}
				t, _ := pt[0].(float64)
				v, _ := pt[1].(float64)
				steps = append(steps, [2]float64{t, sign * 100 * (v - ref) / math.Abs(ref)})
			}
		}
		if len(steps) == 0 {
			steps = [][2]float64{{end, gap}}
		}
		runs[cfg] = append(runs[cfg], run{steps: steps, end: math.Max(end, steps[len(steps)-1][0])})
		c := fieldText(r[class])
		if !slices.Contains(classes, c) {
			classes = append(classes, c)
		}
		finals[cfg][c] = append(finals[cfg][c], gap)
	}
	sortClasses(classes)
	var series []draw.Series
	for _, cfg := range configs {
		rs := runs[cfg]
		// The mean is defined once every run has a solution, and drawn to the
		// end of the longest run, each run holding its last value.
		start, end := 0.0, 0.0
		for _, r := range rs {
			start = math.Max(start, r.steps[0][0])
			end = math.Max(end, r.end)
		}
		start = math.Max(start, 1e-3)
		end = math.Max(end, start)
		s := draw.Series{Name: cfg}
		const points = 120
		for i := 0; i <= points; i++ {
			t := start * math.Pow(end/start, float64(i)/points)
			sum := 0.0
			for _, r := range rs {
				k := sort.Search(len(r.steps), func(k int) bool { return r.steps[k][0] > t }) - 1
				sum += r.steps[max(k, 0)][1]
			}
			s.Points = append(s.Points, [2]float64{t, sum / float64(len(rs))})
		}
		series = append(series, s)
	}
	bars := draw.Bars{ClassName: class, Classes: classes, Configs: configs}
	for _, cfg := range configs {
		row := make([]float64, len(classes))
		for k, c := range classes {
			row[k] = math.NaN()
			if v := finals[cfg][c]; len(v) > 0 {
				sum := 0.0
				for _, x := range v {
					sum += x
				}
				row[k] = sum / float64(len(v))
			}
		}
		bars.Gap = append(bars.Gap, row)
	}
	return series, bars
}

func hasField(rows []map[string]any, f string) bool {
	for _, r := range rows {
		if _, ok := r[f]; ok {
			return true
		}
	}
	return false
}

// MissingFields lists the fields of by that no line has; a report grouped by
// one of them would put every line under "-".
func MissingFields(rows []map[string]any, by []string) []string {
	var out []string
	for _, f := range by {
		if !hasField(rows, f) {
			out = append(out, f)
		}
	}
	return out
}

// Fields lists the top-level fields the lines have, sorted.
func Fields(rows []map[string]any) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortClasses orders numeric classes by value ("500" before "1000") and the
// others as text.
func sortClasses(c []string) {
	num := func(s string) (float64, bool) {
		s = strings.SplitN(s, "x", 2)[0]
		var v float64
		for _, ch := range s {
			if ch < '0' || ch > '9' {
				return 0, false
			}
			v = 10*v + float64(ch-'0')
		}
		return v, s != ""
	}
	sort.SliceStable(c, func(i, j int) bool {
		a, okA := num(c[i])
		b, okB := num(c[j])
		if okA && okB && a != b {
			return a < b
		}
		return c[i] < c[j]
	})
}
