package improve

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
)

// loadNamed reads ft06/ft10/... from JSPLIB or taNN from ScheduleOpt's Taillard set.
func loadNamed(t testing.TB, name string) *instances.JobShop {
	t.Helper()
	var path string
	if len(name) == 4 && name[:2] == "ta" {
		path = datadirtest.Path(t, "jssp", "scheduleopt", "instances", "text", "Taillard1993", name+"js.txt")
	} else {
		path = datadirtest.Path(t, "jssp", "jsplib", "instances", name)
	}
	js, err := instances.LoadJobShop(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	js.Name = filepath.Base(name)
	return js
}

// mwkrStart is a serial schedule: repeatedly append the next operation of the
// job with most work remaining (ties to the lower id) at the end of its machine.
func mwkrStart(js *instances.JobShop) [][]int {
	return serialStart(js, func(j int, rem []int, _ *rand.Rand) int { return rem[j] }, nil)
}

// randomStart appends the next operation of a uniformly random unfinished job.
func randomStart(js *instances.JobShop, seed uint64) [][]int {
	rng := rand.New(rand.NewPCG(seed, 1))
	return serialStart(js, func(int, []int, *rand.Rand) int { return rng.IntN(1 << 20) }, rng)
}

func serialStart(js *instances.JobShop, score func(j int, rem []int, rng *rand.Rand) int, rng *rand.Rand) [][]int {
	n := len(js.Jobs)
	starts := make([][]int, n)
	rem := make([]int, n)
	for j, ops := range js.Jobs {
		starts[j] = make([]int, len(ops))
		for _, op := range ops {
			rem[j] += op.Duration
		}
	}
	next := make([]int, n)
	jobReady := make([]int, n)
	machReady := make([]int, js.Machines)
	for left := js.NumOperations(); left > 0; left-- {
		bj, bs := -1, -1
		for j := range js.Jobs {
			if next[j] == len(js.Jobs[j]) {
				continue
			}
			if s := score(j, rem, rng); s > bs {
				bj, bs = j, s
			}
		}
		op := js.Jobs[bj][next[bj]]
		st := max(jobReady[bj], machReady[op.Machine])
		starts[bj][next[bj]] = st
		jobReady[bj] = st + op.Duration
		machReady[op.Machine] = st + op.Duration
		rem[bj] -= op.Duration
		next[bj]++
	}
	return starts
}

func tiny() *instances.JobShop {
	op := func(m, d int) instances.Operation { return instances.Operation{Machine: m, Duration: d} }
	return &instances.JobShop{Name: "tiny", Machines: 3, Jobs: [][]instances.Operation{
		{op(0, 3), op(1, 2), op(2, 2)},
		{op(0, 2), op(2, 1), op(1, 4)},
		{op(1, 4), op(2, 3), op(0, 1)},
	}}
}
