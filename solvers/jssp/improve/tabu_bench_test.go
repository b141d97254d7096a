package improve

import (
	"testing"
	"time"
)

func TestTabuQuick(t *testing.T) {
	for _, name := range []string{"ft10", "ta01"} {
		js := loadNamed(t, name)
		g, err := NewGraph(js, mwkrStart(js))
		if err != nil {
			t.Fatal(err)
		}
		start := g.Makespan()
		ts := NewTabu(g, N7, 1)
		begin := time.Now()
		stall := 0
		for time.Since(begin) < 3*time.Second {
			for i := 0; i < 100; i++ {
				imp, ok := ts.Step()
				if imp {
					stall = 0
				} else {
					stall++
				}
				if !ok || stall > 10000 {
					ts.Perturb(ts.Best(), 3)
					stall = 0
				}
			}
		}
		el := time.Since(begin).Seconds()
		t.Logf("%s: start %d best %d iters %d (%.0f/s) evals %.0f/s restarts %d reverted %d", name, start, ts.Best().Makespan(), ts.Iterations, float64(ts.Iterations)/el, float64(ts.Evaluated)/el, ts.Restarts, ts.Reverted)
	}
}
