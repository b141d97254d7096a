package instances

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestGeneratorsDeterministic(t *testing.T) {
	for _, gen := range []struct {
		name string
		f    func(int, uint64) (*TSP, error)
	}{{"uniform", GenerateUniform}, {"clustered", GenerateClustered}} {
		a, err := gen.f(1000, 7)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := gen.f(1000, 7)
		c, _ := gen.f(1000, 8)
		if a.Name != gen.name+"-n1000-s7" || a.N() != 1000 || a.Metric != Euclidean {
			t.Fatalf("%s n=%d %v", a.Name, a.N(), a.Metric)
		}
		if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
			t.Fatalf("%s: same seed, different points", gen.name)
		}
		if slices.Equal(a.X, c.X) {
			t.Fatalf("%s: seeds 7 and 8 give the same points", gen.name)
		}
		for i := range a.X {
			if a.X[i] < 0 || a.X[i] > 1 || a.Y[i] < 0 || a.Y[i] > 1 {
				t.Fatalf("%s: point %d = (%v,%v) outside the unit square", gen.name, i, a.X[i], a.Y[i])
			}
		}
		if _, err := gen.f(2, 1); !errors.Is(err, ErrInvalidInstance) {
			t.Fatalf("%s: n = 2 accepted: %v", gen.name, err)
		}
	}
}

// TestGeneratorsGolden pins the exact points of a seed, so that a change of
// platform, Go release or code that alters generated instances is noticed.
func TestGeneratorsGolden(t *testing.T) {
	u, _ := GenerateUniform(5, 1)
	c, _ := GenerateClustered(5, 1)
	got := [][4]float64{{u.X[0], u.Y[0], u.X[4], u.Y[4]}, {c.X[0], c.Y[0], c.X[4], c.Y[4]}}
	want := [][4]float64{
		{0.4873713841298615, 0.8028643075471315, 0.9019090449852634, 0.6427784136096646},
		{0.47579417836366567, 0.7637977953486746, 0.5089923636940182, 0.7962112468180814},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestGenerateUniformDistribution(t *testing.T) {
	const n = 200000
	p, err := GenerateUniform(n, 42)
	if err != nil {
		t.Fatal(err)
	}
	var sum, sumSq float64
	var quadrant [4]int
	for i := range p.X {
		sum += p.X[i] + p.Y[i]
		sumSq += p.X[i]*p.X[i] + p.Y[i]*p.Y[i]
		q := 0
		if p.X[i] >= 0.5 {
			q++
		}
		if p.Y[i] >= 0.5 {
			q += 2
		}
		quadrant[q]++
	}
	mean := sum / (2 * n)
	variance := sumSq/(2*n) - mean*mean
	// Standard errors: mean 0.0005, variance 0.00005, quadrant share 0.001.
	if math.Abs(mean-0.5) > 0.003 || math.Abs(variance-1.0/12) > 0.0005 {
		t.Errorf("mean %v variance %v, want 0.5 and %v", mean, variance, 1.0/12)
	}
	for q, c := range quadrant {
		if share := float64(c) / n; math.Abs(share-0.25) > 0.006 {
			t.Errorf("quadrant %d holds %.4f of the points", q, share)
		}
	}
}

func TestGenerateClusteredDistribution(t *testing.T) {
	const n = 100001
	x, y, cluster, centres := generateClustered(n, 5)
	if len(centres) != 1001 { // ceil(100001/100)
		t.Fatalf("%d clusters", len(centres))
	}
	var sumSq float64
	var count int
	sizes := make([]int, len(centres))
	for i := range x {
		c := centres[cluster[i]]
		sizes[cluster[i]]++
		dx, dy := x[i]-c[0], y[i]-c[1]
		if x[i] == 0 || x[i] == 1 || y[i] == 0 || y[i] == 1 {
			continue // clipped: the offset is no longer Gaussian
		}
		sumSq += dx*dx + dy*dy
		count += 2
	}
	if sigma := math.Sqrt(sumSq / float64(count)); math.Abs(sigma-0.02) > 0.0005 {
		t.Errorf("per-coordinate standard deviation %v, want 0.02", sigma)
	}
	// Cluster sizes are binomial(n, 1/k): mean ≈ 100, sd ≈ 10.
	slices.Sort(sizes)
	if sizes[0] < 50 || sizes[len(sizes)-1] > 160 {
		t.Errorf("cluster sizes from %d to %d", sizes[0], sizes[len(sizes)-1])
	}
	// A coordinate leaves [0,1] with probability about 2σ·E[Z⁺] ≈ 1.6 %, so
	// roughly 3 % of the points are clipped.
	if unclipped := count / 2; unclipped < n*9/10 || unclipped == n {
		t.Errorf("%d of %d points unclipped", unclipped, n)
	}
}

// TestGeneratorsLinearMemory: the coordinates (16 bytes a point) are all that is
// kept, plus 4 bytes a point of cluster labels while clustering. Speed is
// measured by the benchmarks (a million points in well under a second).
func TestGeneratorsLinearMemory(t *testing.T) {
	const n = 200_000
	for _, gen := range []func(int, uint64) (*TSP, error){GenerateUniform, GenerateClustered} {
		var err error
		alloc := tspAllocBytes(func() { _, err = gen(n, 1) })
		if err != nil {
			t.Fatal(err)
		}
		if alloc > 24*n+1<<16 {
			t.Errorf("allocated %d bytes for %d points", alloc, n)
		}
	}
}

func BenchmarkGenerateUniform1M(b *testing.B) {
	for b.Loop() {
		if _, err := GenerateUniform(1_000_000, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateClustered1M(b *testing.B) {
	for b.Loop() {
		if _, err := GenerateClustered(1_000_000, 1); err != nil {
			b.Fatal(err)
		}
	}
}
