package improve

import "math/rand/v2"

// activeSampler draws random active schedules (Giffler & Thompson with a
// uniform choice in each conflict set). Tabu runs from them reach basins that
// runs from one dispatch and its relinked descendants never visit: on ta05 every
// seed converged to the same local optimum from the MWKR start.
type activeSampler struct {
	next      []int32 // next operation of each job, none when the job is done
	jobReady  []int32
	machReady []int32
	conflict  []int32
}

func newActiveSampler(g *Graph) *activeSampler {
	nj := len(g.js.Jobs)
	return &activeSampler{
		next:      make([]int32, nj),
		jobReady:  make([]int32, nj),
		machReady: make([]int32, g.js.Machines),
		conflict:  make([]int32, 0, nj),
	}
}

// sample rewrites g's machine sequences as a random active schedule and updates
// it. g must have nothing frozen: the sampler schedules every operation.
func (a *activeSampler) sample(g *Graph, rng *rand.Rand) {
	for j := range a.next {
		a.next[j] = g.offset[j]
		if g.offset[j] == g.offset[j+1] {
			a.next[j] = none
		}
		a.jobReady[j] = 0
	}
	clear(a.machReady)
	for m := range g.seq {
		g.seq[m] = g.seq[m][:0]
	}
	for scheduled := 0; scheduled < g.n; scheduled++ {
		// The operation that can end first fixes the machine; every operation
		// on it that can start before that end competes for it.
		bestEnd, bestMach := int32(1<<31-1), int32(0)
		for j, op := range a.next {
			if op == none {
				continue
			}
			m := g.mach[op]
			if end := max(a.jobReady[j], a.machReady[m]) + g.dur[op]; end < bestEnd {
				bestEnd, bestMach = end, m
			}
		}
		a.conflict = a.conflict[:0]
		for j, op := range a.next {
			if op != none && g.mach[op] == bestMach && max(a.jobReady[j], a.machReady[bestMach]) < bestEnd {
				a.conflict = append(a.conflict, int32(j))
			}
		}
		if len(a.conflict) == 0 {
			// Only zero-length operations end at their start: take the first.
			for j, op := range a.next {
				if op != none && g.mach[op] == bestMach {
					a.conflict = append(a.conflict, int32(j))
					break
				}
			}
		}
		j := a.conflict[rng.IntN(len(a.conflict))]
		op := a.next[j]
		end := max(a.jobReady[j], a.machReady[bestMach]) + g.dur[op]
		a.jobReady[j], a.machReady[bestMach] = end, end
		g.seq[bestMach] = append(g.seq[bestMach], op)
		if a.next[j]++; a.next[j] == g.offset[j+1] {
			a.next[j] = none
		}
	}
	g.linkMachines()
	g.Update()
}
