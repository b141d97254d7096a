package benchmarks

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Group is one row of a report: the runs sharing the values of the --by fields.
type Group struct {
	Key        []string
	Count      int
	Failed     int
	WithGap    int
	MeanGap    float64
	MedianGap  float64
	MeanTime   float64
	MeanObj    float64
	MeanCPU    float64
	MaxRSSMB   float64
	Objectives int
}

// Summarise groups rows by the given fields (in order of first appearance).
func Summarise(rows []map[string]any, by []string) []Group {
	index := map[string]int{}
	var groups []Group
	gaps := map[int][]float64{}
	for _, r := range rows {
		key := make([]string, len(by))
		for i, f := range by {
			key[i] = fieldText(r[f])
		}
		k := strings.Join(key, "\x00")
		gi, ok := index[k]
		if !ok {
			gi = len(groups)
			index[k] = gi
			groups = append(groups, Group{Key: key})
		}
		g := &groups[gi]
		g.Count++
		if e, _ := r["error"].(string); e != "" {
			g.Failed++
			continue
		}
		if v, ok := r["gap_pct"].(float64); ok {
			gaps[gi] = append(gaps[gi], v)
		}
		if v, ok := r["objective"].(float64); ok {
			g.MeanObj += v
			g.Objectives++
		}
		if v, ok := r["time_s"].(float64); ok {
			g.MeanTime += v
		}
		if v, ok := r["cpu_s"].(float64); ok {
			g.MeanCPU += v
		}
		if v, ok := r["max_rss_mb"].(float64); ok && v > g.MaxRSSMB {
			g.MaxRSSMB = v
		}
	}
	for gi := range groups {
		g := &groups[gi]
		ok := g.Count - g.Failed
		if ok > 0 {
			g.MeanTime /= float64(ok)
			g.MeanCPU /= float64(ok)
		}
		if g.Objectives > 0 {
			g.MeanObj /= float64(g.Objectives)
		}
		v := gaps[gi]
		g.WithGap = len(v)
		if len(v) > 0 {
			sort.Float64s(v)
			sum := 0.0
			for _, x := range v {
				sum += x
			}
			g.MeanGap = sum / float64(len(v))
			if len(v)%2 == 1 {
				g.MedianGap = v[len(v)/2]
			} else {
				g.MedianGap = (v[len(v)/2-1] + v[len(v)/2]) / 2
			}
		}
	}
	return groups
}

func fieldText(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// WriteMarkdown prints the groups as a markdown table.
func WriteMarkdown(w io.Writer, by []string, groups []Group) error {
	head := append(append([]string{}, by...), "runs", "failed", "mean obj", "mean gap %", "median gap %", "mean time s", "mean cpu s", "max RSS MB")
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, g := range groups {
		cells := append([]string{}, g.Key...)
		cells = append(cells, strconv.Itoa(g.Count), strconv.Itoa(g.Failed), num(g.MeanObj, g.Objectives > 0, 4),
			num(g.MeanGap, g.WithGap > 0, 3), num(g.MedianGap, g.WithGap > 0, 3),
			num(g.MeanTime, true, 2), num(g.MeanCPU, true, 2), num(g.MaxRSSMB, g.MaxRSSMB > 0, 0))
		if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV prints the groups as CSV.
func WriteCSV(w io.Writer, by []string, groups []Group) error {
	cw := csv.NewWriter(w)
	head := append(append([]string{}, by...), "runs", "failed", "mean_objective", "mean_gap_pct", "median_gap_pct", "mean_time_s", "mean_cpu_s", "max_rss_mb")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, g := range groups {
		rec := append([]string{}, g.Key...)
		rec = append(rec, strconv.Itoa(g.Count), strconv.Itoa(g.Failed), num(g.MeanObj, g.Objectives > 0, 6),
			num(g.MeanGap, g.WithGap > 0, 4), num(g.MedianGap, g.WithGap > 0, 4),
			num(g.MeanTime, true, 3), num(g.MeanCPU, true, 3), num(g.MaxRSSMB, g.MaxRSSMB > 0, 1))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64, ok bool, prec int) string {
	if !ok || math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}
