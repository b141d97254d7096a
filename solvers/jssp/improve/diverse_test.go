package improve

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
)

// activeViolation names an operation that could start earlier in an idle gap of
// its machine without moving any other operation (the schedule is then not
// active), or returns -1.
func activeViolation(js *instances.JobShop, starts [][]int) (job, index int) {
	type slot struct{ start, end int }
	busy := make([][]slot, js.Machines)
	for j, ops := range js.Jobs {
		for k, op := range ops {
			busy[op.Machine] = append(busy[op.Machine], slot{starts[j][k], starts[j][k] + op.Duration})
		}
	}
	for m := range busy {
		slices.SortFunc(busy[m], func(a, b slot) int { return a.start - b.start })
	}
	for j, ops := range js.Jobs {
		for k, op := range ops {
			ready := 0
			if k > 0 {
				ready = starts[j][k-1] + ops[k-1].Duration
			}
			if op.Duration == 0 {
				continue
			}
			gapStart := 0
			for _, b := range busy[op.Machine] {
				if b.start >= starts[j][k] {
					break
				}
				if max(gapStart, ready)+op.Duration <= b.start {
					return j, k
				}
				gapStart = max(gapStart, b.end)
			}
		}
	}
	return -1, -1
}

func TestActiveSamplerGivesActiveSchedules(t *testing.T) {
	// The check itself must be able to fail: a serial schedule that appends
	// each operation at its machine's end leaves gaps an operation fits in.
	if j, _ := activeViolation(loadNamed(t, "ta01"), mwkrStart(loadNamed(t, "ta01"))); j < 0 {
		t.Fatal("the MWKR serial start of ta01 passes the activeness check")
	}
	cases := []struct {
		name string
		js   func(t *testing.T) *instances.JobShop
	}{
		{"tiny", func(*testing.T) *instances.JobShop { return tiny() }},
		{"ft06", func(t *testing.T) *instances.JobShop { return loadNamed(t, "ft06") }},
		{"ta01", func(t *testing.T) *instances.JobShop { return loadNamed(t, "ta01") }},
		{"la31", func(t *testing.T) *instances.JobShop { return loadNamed(t, "la31") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := c.js(t)
			g, err := NewGraph(js, mwkrStart(js))
			if err != nil {
				t.Fatal(err)
			}
			sampler := newActiveSampler(g)
			rng := rand.New(rand.NewPCG(7, 7))
			seen := map[int]bool{}
			for range 20 {
				sampler.sample(g, rng)
				starts := g.Starts()
				ms, err := instances.CheckSchedule(js, starts)
				if err != nil {
					t.Fatal(err)
				}
				if ms != g.Makespan() {
					t.Fatalf("checker says %d, graph %d", ms, g.Makespan())
				}
				if j, k := activeViolation(js, starts); j >= 0 {
					t.Fatalf("operation %d of job %d could start earlier: not active", k, j)
				}
				seen[ms] = true
			}
			if js.NumOperations() > 20 && len(seen) < 5 {
				t.Errorf("20 samples gave %d distinct makespans: not random enough", len(seen))
			}
		})
	}
}

func TestActiveSamplerRepeatsWithItsSeed(t *testing.T) {
	js := loadNamed(t, "ft10")
	draw := func() [][]int32 {
		g, err := NewGraph(js, mwkrStart(js))
		if err != nil {
			t.Fatal(err)
		}
		newActiveSampler(g).sample(g, rand.New(rand.NewPCG(3, 1)))
		seqs := make([][]int32, len(g.seq))
		for m, s := range g.seq {
			seqs[m] = slices.Clone(s)
		}
		return seqs
	}
	a, b := draw(), draw()
	for m := range a {
		if !slices.Equal(a[m], b[m]) {
			t.Fatalf("machine %d: %v then %v from the same seed", m, a[m], b[m])
		}
	}
}
