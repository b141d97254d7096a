//go:build unix

package tsp

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cosolve/cosolve/internal/cpuclock"
)

// BenchmarkSampleKopt measures evaluating (not applying) one sampled
// sequential k-opt action of fixed depth on a fixed 2-opt-optimal tour. The
// segment list makes the cost independent of n: compare n = 500 with n = 10000.
func BenchmarkSampleKopt(b *testing.B) {
	for _, n := range []int{500, 10000} {
		p := uniform(b, n, 1)
		if n >= renumberMinN {
			// As Solve does: Hilbert order keeps neighbours close in memory.
			p, _ = renumbered(p, hilbertOrder(p))
		}
		s := testSearcher(b, p, Settings{Alpha: 1, MaxDepth: 50}, nil)
		s.initTour(greedyTour(s, s.nb))
		s.pushAll()
		s.descend(false, false)
		s.fullDepth = true
		for _, depth := range []int{10, 50} {
			b.Run(fmt.Sprintf("n=%d/depth=%d", n, depth), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(5, 5))
				steps := 0
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuclock.Process()
				for i := 0; i < b.N; i++ {
					s.sample(int32(rng.IntN(n)), depth)
					s.stats.M++
					steps += len(s.cur)
				}
				b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
				b.ReportMetric(float64(cpuclock.Process()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
