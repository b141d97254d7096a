package draw

import (
	"bytes"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// circles returns the centres of the node markers, in node order.
func circles(t *testing.T, svg string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, m := range regexp.MustCompile(`<circle cx="([-0-9.]+)" cy="([-0-9.]+)"`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		out = append(out, [2]float64{x, y})
	}
	return out
}

// TestTourGeoIsAMap: GEO coordinates are (latitude, longitude) in TSPLIB's
// DDD.MM; the picture puts longitude across and latitude up (it used to draw
// latitude across), and an edge shorter across the antimeridian leaves the map
// and comes back on the other side instead of crossing the whole map.
func TestTourGeoIsAMap(t *testing.T) {
	// lat, lon: Quito-ish, Oslo-ish, Fiji (east of 179°), Samoa (west of -171°).
	lat := []float64{0, 59.55, -18.08, -13.5}
	lon := []float64{-78.3, 10.45, 179.3, -171.45}
	p, err := instances.NewCoordTSP("geo4", instances.Geo, lat, lon)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Tour(&buf, p, []int{0, 1, 2, 3}, Labels{Title: "geo4", Caption: "test"}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	c := circles(t, svg)
	if len(c) != 4 {
		t.Fatalf("%d node markers, want 4", len(c))
	}
	if !(c[1][0] > c[0][0]) || !(c[1][1] < c[0][1]) {
		t.Errorf("Oslo (east and north of Quito) drawn at %v, Quito at %v: want it to the right and higher", c[1], c[0])
	}
	if !(c[2][0] > c[1][0] && c[3][0] < c[0][0]) {
		t.Errorf("Fiji %v and Samoa %v must sit at the map's right and left edges", c[2], c[3])
	}
	// Fiji–Samoa (2→3) is shorter across the antimeridian: the path moves
	// (M) once besides its start, and no segment spans most of the map.
	path := regexp.MustCompile(` d="([^"]*)"`).FindStringSubmatch(svg)[1]
	if moves := strings.Count(path, "M"); moves != 2 {
		t.Errorf("path %q has %d moves, want 2 (start, re-entry)", path, moves)
	}
	for _, want := range []string{"longitude (°)", "latitude (°)", "geo4", "test"} {
		if !strings.Contains(svg, want) {
			t.Errorf("picture lacks %q", want)
		}
	}
}

func TestTourRefusesWhatItCannotDraw(t *testing.T) {
	p, err := instances.NewExplicitTSP("m3", 3, []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := CanDrawTour(p); !errors.Is(err, ErrNoCoordinates) {
		t.Errorf("explicit instance: %v", err)
	}
	q, _ := instances.NewCoordTSP("sq", instances.Euc2D, []float64{0, 0, 1, 1}, []float64{0, 1, 1, 0})
	if err := Tour(&bytes.Buffer{}, q, []int{0, 1, 1, 2}, Labels{}); !errors.Is(err, instances.ErrInvalidSolution) {
		t.Errorf("invalid tour: %v", err)
	}
}

func TestGanttHasAxesAndCaption(t *testing.T) {
	js := &instances.JobShop{Name: "tiny", Machines: 2, Jobs: [][]instances.Operation{{{Machine: 0, Duration: 3}, {Machine: 1, Duration: 2}}, {{Machine: 1, Duration: 4}, {Machine: 0, Duration: 1}}}}
	var buf bytes.Buffer
	if err := Gantt(&buf, js, [][]int{{0, 4}, {0, 4}}, Labels{Title: "tiny", Caption: "tabu: makespan 6"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"makespan 6", "tabu: makespan 6", ">time<", ">machine<", "job 1, operation 0: 0–4 on M1"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("Gantt lacks %q", want)
		}
	}
	if err := Gantt(&bytes.Buffer{}, js, [][]int{{0, 2}, {0, 4}}, Labels{}); !errors.Is(err, instances.ErrInvalidSolution) {
		t.Errorf("infeasible schedule: %v", err)
	}
}

// TestNumber: objectives print as people read them, never 6.77671e+07.
func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{67767123, "67767123"},
		{142382641, "142382641"},
		{16.259207123456, "16.2592071"},
		{0.5, "0.5"},
		{-3.25, "-3.25"},
		{123456789.5, "123456790"},
		{0, "0"},
		{math.NaN(), "NaN"},
	} {
		if got := Number(tc.v); got != tc.want {
			t.Errorf("Number(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	c := Caption("kick", "length", 299536, ptr(1.759), ptr(294358), "optimal", 2.04)
	if c != "kick: length 299536, gap +1.759 % to 294358 (optimal), 2.0 s" {
		t.Errorf("caption %q", c)
	}
}

func ptr(v float64) *float64 { return &v }

func TestSweepCharts(t *testing.T) {
	series := []Series{
		{Name: "cosolve", Points: [][2]float64{{0.01, 5}, {0.5, 1}, {5, 0.2}}},
		{Name: "pan", Points: [][2]float64{{0.02, 8}, {5, 1.5}}},
	}
	bars := Bars{ClassName: "n", Classes: []string{"500", "1000"}, Configs: []string{"cosolve", "pan"},
		Gap: [][]float64{{0.2, 0.4}, {1.5, math.NaN()}}}
	var buf bytes.Buffer
	if err := SweepCharts(&buf, "tsp-500-5s", series, bars); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"<svg", "tsp-500-5s", "cosolve", "pan", "final gap per n", "time (s, log scale)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if err := SweepCharts(&bytes.Buffer{}, "x", []Series{{Name: "a"}}, Bars{}); !errors.Is(err, ErrNothingToPlot) {
		t.Errorf("empty: %v", err)
	}
}
