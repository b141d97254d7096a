package improve

import (
	"math/rand/v2"

	"github.com/cosolve/cosolve/solvers"
)

// lns is the CP large-neighbourhood search: each round relaxes part of the best
// schedule (a time window on every machine, or a few whole machines), keeps the
// other operations' machine orders, and asks the branch and bound for a
// strictly shorter schedule within a node limit. The neighbourhood size adapts:
// it grows when a neighbourhood is exhausted without improvement and shrinks
// when the node limit cuts the search.
type lns struct {
	g, sol   *Graph
	c        *cpSearch
	rng      *rand.Rand
	relaxed  []bool
	nodes    int64 // node limit per neighbourhood
	width    float64
	machs    int
	machines bool // machine-set neighbourhoods allowed

	rounds, improvements, totalNodes int64
}

func newLNS(g *Graph, seed uint64) *lns {
	nm := g.js.Machines
	longest := 0
	for _, s := range g.seq {
		longest = max(longest, len(s))
	}
	return &lns{
		// Whole machines are relaxed only while a machine holds few operations:
		// the edge-finding cost grows with the cube of a machine's free part.
		machines: longest <= 40,
		g:        g, sol: g.Clone(), c: newCP(g),
		rng:     rand.New(rand.NewPCG(seed, 0x1a5)),
		relaxed: make([]bool, nm),
		nodes:   2000,
		// About 80 free operations to start with on large instances.
		width: min(0.15, 80/float64(g.n)),
		machs: min(nm, 3),
	}
}

// round runs one neighbourhood from l.g (the caller's incumbent) and reports
// whether l.g improved.
func (l *lns) round(st *solvers.Budget) bool {
	g, c := l.g, l.c
	l.rounds++
	var t0, t1 int32
	window := !l.machines || l.rng.IntN(3) != 0
	if window {
		span := float64(g.makespan)
		w := int32(l.width * span)
		t0 = int32(l.rng.IntN(max(1, g.makespan-int(w)+1)))
		t1 = t0 + w
		c.reset(g, nil, t0, t1)
	} else {
		clear(l.relaxed)
		// Favour machines of the critical path: they hold the makespan.
		path, _ := g.CriticalPath()
		for k := 0; k < l.machs; {
			var m int
			if l.rng.IntN(2) == 0 {
				m = int(g.mach[path[l.rng.IntN(len(path))]])
			} else {
				m = l.rng.IntN(len(l.relaxed))
			}
			if !l.relaxed[m] {
				l.relaxed[m] = true
				k++
			}
		}
		c.reset(g, l.relaxed, -1<<30, 1<<30)
	}
	c.target = int32(g.makespan - 1)
	c.st, c.maxNode, c.nodes = st, l.nodes, 0
	c.maxWork = l.nodes * lnsWorkPerNode * int64(g.n)
	c.found = false
	complete := c.solve(func() {})
	l.totalNodes += c.nodes
	improved := false
	if c.found && l.sol.loadStarts(c.bestStarts) && l.sol.makespan < g.makespan {
		g.copyFrom(l.sol)
		improved = true
		l.improvements++
	}
	switch {
	case st.Stopped():
	case complete && !improved: // exhausted: look wider
		if window {
			l.width = min(1, l.width*1.1)
		} else {
			l.machs = min(len(l.relaxed), l.machs+1)
		}
	case !complete: // cut by the node limit: look narrower
		if window {
			l.width = max(min(0.02, 10/float64(g.n)), l.width*0.95)
		} else if l.machs > 2 {
			l.machs--
		}
	}
	return improved
}

// lnsWorkPerNode caps the propagation work of a round at this many steps per
// operation for each node of the node limit. The node limit alone does not bound
// a round: the neighbourhood widens after every exhausted search, up to the whole
// schedule, and a node's propagation grows with the cube of each machine's free
// part. On ta01 a round of 2000 nodes then took up to 2.4 s and 3000 rounds more
// than 15 minutes; nodes of the starting neighbourhood cost about 30 steps per
// operation, so with 10 a round stays near the starting neighbourhood's cost
// (4.5·10^6 steps, some 30 ms on ta01) and a narrower neighbourhood takes over, as
// after any cut search.
const lnsWorkPerNode = 10

// runLNS is one LNS thread working on the shared best.
func runLNS(sh *shared, s Settings, seed uint64, st *solvers.Budget) Stats {
	g := sh.clone()
	l := newLNS(g, seed)
	for st.Progress(l.rounds) {
		if sh.makespan() < g.makespan {
			sh.snapshot(g)
		}
		if l.round(st) {
			sh.offer(g, "lns", l.rounds)
			if int64(g.makespan) <= sh.bound.Load() {
				st.Stop(solvers.Completed)
			}
		}
	}
	return Stats{Nodes: l.totalNodes, Neighborhoods: l.rounds, LNSImprovements: l.improvements}
}
