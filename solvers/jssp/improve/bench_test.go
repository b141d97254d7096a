package improve

import (
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// BenchmarkTabuStep is one tabu iteration (neighbourhood, estimates, move,
// incremental update) on ta01 and on a Da Col & Teppan 100×100 instance;
// moves/s is the number of move estimates per second.
func BenchmarkTabuStep(b *testing.B) {
	large := func(tb testing.TB) *instances.JobShop {
		js, err := instances.LoadJobShop(datadirtest.Path(tb, "jssp", "tassel_e2e", "instances_run", "tai_j100_m100_1.data"), 0)
		if err != nil {
			tb.Fatal(err)
		}
		return js
	}
	for _, c := range []struct {
		name string
		load func(testing.TB) *instances.JobShop
	}{
		{"ta01", func(tb testing.TB) *instances.JobShop { return loadNamed(tb, "ta01") }},
		{"tai_j100_m100_1", large},
	} {
		b.Run(c.name, func(b *testing.B) {
			js := c.load(b)
			g, err := NewGraph(js, mwkrStart(js))
			if err != nil {
				b.Fatal(err)
			}
			ts := NewTabu(g, N7, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ts.Step()
			}
			b.ReportMetric(float64(ts.Evaluated)/b.Elapsed().Seconds(), "moves/s")
		})
	}
}
