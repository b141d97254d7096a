package instances

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// tspGenStream is the PCG stream constant of the generators: fixed so that a seed
// alone determines the instance.
const tspGenStream = 0x636f736f6c7665 // "cosolve"

func tspGenRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, tspGenStream)) }

// GenerateUniform returns n points drawn uniformly from the unit square [0,1)²
// with the Euclidean metric, named "uniform-n<n>-s<seed>", the distribution of the
// TSP-500/1000/10000 test sets. The points depend only on n and seed (PCG from
// math/rand/v2, no floating-point operation beyond what Float64 does), so every
// machine produces the same instance. Time and memory are O(n).
func GenerateUniform(n int, seed uint64) (*TSP, error) {
	if n < 3 || n > MaxTSPNodes {
		return nil, fmt.Errorf("%w: GenerateUniform: %d nodes, need 3 to %d", ErrInvalidInstance, n, MaxTSPNodes)
	}
	r := tspGenRand(seed)
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = r.Float64()
		y[i] = r.Float64()
	}
	return NewCoordTSP(fmt.Sprintf("uniform-n%d-s%d", n, seed), Euclidean, x, y)
}

// Parameters of GenerateClustered: one cluster per 100 points on average, each a
// round Gaussian of standard deviation 0.02 around a uniform centre.
const (
	tspClusterSize  = 100
	tspClusterSigma = 0.02
)

// GenerateClustered returns n points in k = ceil(n/100) Gaussian clusters
// (standard deviation 0.02, centres uniform in the unit square, each point in a
// cluster chosen uniformly), clipped to [0,1]², with the Euclidean metric, named
// "clustered-n<n>-s<seed>". Points depend only on n and seed: the normal deviates
// come from math/rand/v2's ziggurat, exact arithmetic except for a rare
// math.Exp-based acceptance test whose result is compared at float32 precision.
func GenerateClustered(n int, seed uint64) (*TSP, error) {
	if n < 3 || n > MaxTSPNodes {
		return nil, fmt.Errorf("%w: GenerateClustered: %d nodes, need 3 to %d", ErrInvalidInstance, n, MaxTSPNodes)
	}
	x, y, _, _ := generateClustered(n, seed)
	return NewCoordTSP(fmt.Sprintf("clustered-n%d-s%d", n, seed), Euclidean, x, y)
}

// generateClustered also returns each point's cluster and the centres, for tests.
func generateClustered(n int, seed uint64) (x, y []float64, cluster []int32, centres [][2]float64) {
	r := tspGenRand(seed)
	k := (n + tspClusterSize - 1) / tspClusterSize
	centres = make([][2]float64, k)
	for c := range centres {
		centres[c] = [2]float64{r.Float64(), r.Float64()}
	}
	x, y = make([]float64, n), make([]float64, n)
	cluster = make([]int32, n)
	for i := range x {
		c := r.IntN(k)
		cluster[i] = int32(c)
		// The explicit float64 conversions forbid fusing into an FMA, which some
		// architectures would otherwise do, changing the last bit.
		x[i] = tspClip01(centres[c][0] + float64(tspClusterSigma*r.NormFloat64()))
		y[i] = tspClip01(centres[c][1] + float64(tspClusterSigma*r.NormFloat64()))
	}
	return x, y, cluster, centres
}

func tspClip01(v float64) float64 { return math.Min(1, math.Max(0, v)) }
