package improve

import (
	"math/rand/v2"
)

// Neighborhood selects the moves of the tabu search.
type Neighborhood int

const (
	// N7 (Zhang et al. 2007): in every critical block, move an operation to the
	// front or the end of its block, or the first/last operation into the interior.
	N7 Neighborhood = iota
	// N5 (Nowicki & Smutnicki 1996): swap the first two and the last two
	// operations of each critical block (not the first pair of the first block
	// nor the last pair of the last block).
	N5
)

func (n Neighborhood) String() string {
	if n == N5 {
		return "n5"
	}
	return "n7"
}

// move relocates the operation at position from of machine m's sequence to
// position to, shifting the operations in between by one.
type move struct {
	m, from, to int32
}

// estimate is the Balas–Vazacopoulos makespan estimate of mv: heads and tails
// are recomputed along the reordered segment only, taking the job neighbours'
// heads and tails as they are. It reads scratch (length ≥ segment) and
// allocates nothing.
func (g *Graph) estimate(mv move, scratch []int32) int32 {
	s := g.seq[mv.m]
	from, to := int(mv.from), int(mv.to)
	lo, hi := min(from, to), max(from, to)
	u := s[from]
	forward := from < to
	end := int32(0)
	if lo > 0 {
		p := s[lo-1]
		end = g.head[p] + g.dur[p]
	}
	for i := lo; i <= hi; i++ {
		var op int32
		switch {
		case forward && i == hi, !forward && i == lo:
			op = u
		case forward:
			op = s[i+1]
		default:
			op = s[i-1]
		}
		h := end
		if p := g.jPrev[op]; p != none {
			h = max(h, g.head[p]+g.dur[p])
		}
		scratch[i-lo] = h
		end = h + g.dur[op]
	}
	next := int32(0)
	if hi < len(s)-1 {
		x := s[hi+1]
		next = g.dur[x] + g.tail[x]
	}
	est := int32(0)
	for i := hi; i >= lo; i-- {
		var op int32
		switch {
		case forward && i == hi, !forward && i == lo:
			op = u
		case forward:
			op = s[i+1]
		default:
			op = s[i-1]
		}
		t := next
		if x := g.jNext[op]; x != none {
			t = max(t, g.dur[x]+g.tail[x])
		}
		est = max(est, scratch[i-lo]+g.dur[op]+t)
		next = g.dur[op] + t
	}
	return est
}

// feasible reports whether mv surely keeps the graph acyclic. A forward move of
// u past v is safe when no path leads from u's job successor to v, which holds
// when that successor's start-to-sink length is below v's; symmetrically for
// backward moves with heads. Swaps of adjacent critical operations are always
// safe (Nowicki & Smutnicki).
func (g *Graph) feasible(mv move, adjacentCritical bool) bool {
	if adjacentCritical && (mv.to-mv.from == 1 || mv.from-mv.to == 1) {
		return true
	}
	s := g.seq[mv.m]
	u := s[mv.from]
	if mv.from < mv.to {
		x := g.jNext[u]
		if x == none {
			return true
		}
		v := s[mv.to]
		return g.dur[x]+g.tail[x] < g.dur[v]+g.tail[v]
	}
	x := g.jPrev[u]
	if x == none {
		return true
	}
	v := s[mv.to]
	return g.head[x] < g.head[v]+g.dur[v]
}

// apply performs mv on the sequences (not the heads and tails; call Update).
func (g *Graph) apply(mv move) {
	s := g.seq[mv.m]
	from, to := int(mv.from), int(mv.to)
	u := s[from]
	if from < to {
		copy(s[from:to], s[from+1:to+1])
		s[to] = u
		g.relink(s, from, to)
	} else {
		copy(s[to+1:from+1], s[to:from])
		s[to] = u
		g.relink(s, to, from)
	}
}

// inverse is the move that undoes mv.
func (mv move) inverse() move { return move{mv.m, mv.to, mv.from} }

// neighbourhood appends the candidate moves of the current critical path to
// dst. The frozen prefix of each machine is outside every move.
func (g *Graph) neighbourhood(dst []move, nh Neighborhood) []move {
	path, blocks := g.CriticalPath()
	nb := len(blocks) - 1
	for b := 0; b < nb; b++ {
		first, last := int(blocks[b]), int(blocks[b+1])-1
		m := g.mach[path[first]]
		p0 := g.pos[path[first]]
		if g.frozenLen != nil && p0 < g.frozenLen[m] {
			// No move touches a frozen operation: keep the block's free part.
			first += int(g.frozenLen[m] - p0)
			p0 = g.frozenLen[m]
		}
		k := last - first + 1
		if k < 2 {
			continue
		}
		pl := p0 + int32(k-1)
		if nh == N5 {
			if b > 0 {
				dst = append(dst, move{m, p0, p0 + 1})
			}
			if b < nb-1 && (k > 2 || b == 0) {
				dst = append(dst, move{m, pl, pl - 1})
			}
			continue
		}
		// Long blocks (many jobs per machine) keep only moves over at most
		// maxShift operations: each estimate costs the distance moved.
		near := int32(min(k-1, maxShift))
		for i := int32(1); i <= near; i++ { // b_i to the front
			dst = append(dst, move{m, p0 + i, p0})
		}
		if k > 2 {
			for i := int32(k-1) - near; i <= int32(k-2); i++ { // b_i to the end
				dst = append(dst, move{m, p0 + i, pl})
			}
			for i := int32(2); i <= min(int32(k-2), near); i++ { // b_0 after b_i
				dst = append(dst, move{m, p0, p0 + i})
			}
			for i := max(int32(1), int32(k-1)-near); i <= int32(k-3); i++ { // b_{k-1} before b_i
				dst = append(dst, move{m, pl, p0 + i})
			}
		}
	}
	return dst
}

// maxShift bounds how far an N7 move carries an operation within its block.
const maxShift = 16

// tabuList forbids re-creating recently reversed precedences: entry (m, a, b)
// holds the iteration until which job a may not precede job b on machine m
// again. Large instances hash into a fixed-size table (a collision only makes a
// move tabu a little longer).
type tabuList struct {
	until  []int32
	jobs   int
	hashed bool
	mask   uint64
}

const tabuTableMax = 1 << 22

func newTabuList(machines, jobs int) tabuList {
	size := machines * jobs * jobs
	if size <= tabuTableMax {
		return tabuList{until: make([]int32, size), jobs: jobs}
	}
	return tabuList{until: make([]int32, tabuTableMax), jobs: jobs, hashed: true, mask: tabuTableMax - 1}
}

func (t *tabuList) index(m, a, b int32) int {
	k := (int(m)*t.jobs+int(a))*t.jobs + int(b)
	if !t.hashed {
		return k
	}
	h := uint64(k) * 0x9E3779B97F4A7C15
	return int((h >> 20) & t.mask)
}

func (t *tabuList) clear() { clear(t.until) }

// TabuSearch is a tabu search over one graph. It is not safe for concurrent use; run
// one per goroutine.
type TabuSearch struct {
	g, best *Graph
	nh      Neighborhood
	rng     *rand.Rand
	tabu    tabuList
	iter    int32 // iteration counter of the tabu list (reset with it)
	moves   []move
	scratch []int32
	tenMin  int
	tenSpan int

	// Stats
	Iterations int64
	Evaluated  int64
	Restarts   int64
	Reverted   int64 // applied moves that closed a cycle and were undone
}

// NewTabu starts a tabu search from g (which it owns from now on).
func NewTabu(g *Graph, nh Neighborhood, seed uint64) *TabuSearch {
	nj, nm := len(g.js.Jobs), g.js.Machines
	longest := 0
	for _, s := range g.seq {
		longest = max(longest, len(s))
	}
	// Tenure after Zhang et al. (2007): L = 10 + n/m, drawn in [L, 1.4·L].
	l := 10 + nj/max(nm, 1)
	t := &TabuSearch{
		g: g, best: g.Clone(), nh: nh,
		rng:     rand.New(rand.NewPCG(seed, 0x7ab0)),
		tabu:    newTabuList(nm, nj),
		moves:   make([]move, 0, 4*g.n),
		scratch: make([]int32, longest+1),
		tenMin:  l,
		tenSpan: max(1, 2*l/5),
	}
	return t
}

// Best is the best graph found so far (owned by the search).
func (t *TabuSearch) Best() *Graph { return t.best }

// Current is the graph the search is at.
func (t *TabuSearch) Current() *Graph { return t.g }

// isTabu reports whether mv would re-create a forbidden precedence.
func (t *TabuSearch) isTabu(mv move) bool {
	g := t.g
	s := g.seq[mv.m]
	u := g.job[s[mv.from]]
	if mv.from < mv.to {
		for i := mv.from + 1; i <= mv.to; i++ { // creates (l, u)
			if t.tabu.until[t.tabu.index(mv.m, g.job[s[i]], u)] > t.iter {
				return true
			}
		}
		return false
	}
	for i := mv.to; i < mv.from; i++ { // creates (u, l)
		if t.tabu.until[t.tabu.index(mv.m, u, g.job[s[i]])] > t.iter {
			return true
		}
	}
	return false
}

// forbid marks the reversal of the precedences mv is about to break.
func (t *TabuSearch) forbid(mv move) {
	g := t.g
	s := g.seq[mv.m]
	u := g.job[s[mv.from]]
	until := t.iter + int32(t.tenMin+t.rng.IntN(t.tenSpan+1))
	if mv.from < mv.to {
		for i := mv.from + 1; i <= mv.to; i++ {
			t.tabu.until[t.tabu.index(mv.m, u, g.job[s[i]])] = until
		}
		return
	}
	for i := mv.to; i < mv.from; i++ {
		t.tabu.until[t.tabu.index(mv.m, g.job[s[i]], u)] = until
	}
}

// Step performs one tabu iteration: evaluate the neighbourhood, take the best
// admissible move (non-tabu, or tabu but estimated better than the best), and
// update the best solution. It reports whether the best improved and false for
// ok when the neighbourhood is empty (the current schedule is then optimal for
// the path's structure, or no move is admissible). It allocates nothing.
func (t *TabuSearch) Step() (improved, ok bool) {
	g := t.g
	t.moves = g.neighbourhood(t.moves[:0], t.nh)
	bestEst, count := int32(1<<31-1), 0
	var chosen move
	tabuEst, tabuCount := int32(1<<31-1), 0
	var tabuChosen move
	target := int32(t.best.makespan)
	for _, mv := range t.moves {
		if !g.feasible(mv, true) {
			continue
		}
		est := g.estimate(mv, t.scratch)
		t.Evaluated++
		if t.isTabu(mv) {
			if est < target {
				if est < bestEst {
					bestEst, chosen, count = est, mv, 1
				} else if est == bestEst {
					if count++; t.rng.IntN(count) == 0 {
						chosen = mv
					}
				}
			} else if est < tabuEst {
				tabuEst, tabuChosen, tabuCount = est, mv, 1
			} else if est == tabuEst {
				if tabuCount++; t.rng.IntN(tabuCount) == 0 {
					tabuChosen = mv
				}
			}
			continue
		}
		if est < bestEst {
			bestEst, chosen, count = est, mv, 1
		} else if est == bestEst {
			if count++; t.rng.IntN(count) == 0 {
				chosen = mv
			}
		}
	}
	if count == 0 {
		if tabuCount == 0 {
			// Still an iteration: MaxIterations must end a search that cannot
			// move (a frozen prefix can hold every critical block).
			t.Iterations++
			return false, false
		}
		chosen = tabuChosen // every move is tabu: take the least bad one
	}
	t.iter++
	if t.iter > 1<<30 {
		t.tabu.clear()
		t.iter = 1
	}
	t.Iterations++
	t.forbid(chosen)
	if !g.applyAndUpdate(chosen) {
		t.Reverted++
		return false, true
	}
	if g.makespan < t.best.makespan {
		t.best.copyFrom(g)
		return true, true
	}
	return false, true
}

// provedOptimal reports whether the last Step found the current schedule
// optimal: an empty N7 neighbourhood means its critical path has no two free
// operations in a row on one machine, so every arc of the path is a job arc,
// a frozen one or one from the frozen prefix, and no schedule is shorter.
func (t *TabuSearch) provedOptimal() bool { return t.nh == N7 && len(t.moves) == 0 }

// Perturb restarts from graph src (e.g. an elite schedule): copies it, clears the
// tabu list and applies k random feasible neighbourhood moves.
func (t *TabuSearch) Perturb(src *Graph, k int) {
	g := t.g
	if src != g {
		g.copyFrom(src)
	}
	t.tabu.clear()
	t.iter = 1
	t.Restarts++
	for i := 0; i < k; i++ {
		t.moves = g.neighbourhood(t.moves[:0], N7)
		if len(t.moves) == 0 {
			return
		}
		mv := t.moves[t.rng.IntN(len(t.moves))]
		if !g.feasible(mv, true) {
			continue
		}
		g.applyAndUpdate(mv)
	}
	if g.makespan < t.best.makespan {
		t.best.copyFrom(g)
	}
}

// Restart begins a new run from src, like Perturb, but makes the perturbed
// schedule the run's best: aspiration and the caller's stall count then refer
// to this run alone, so a run from a relinked or elite schedule is a tabu
// search of its own and its best is what it found, not the thread's record.
func (t *TabuSearch) Restart(src *Graph, k int) {
	t.Perturb(src, k)
	t.best.copyFrom(t.g)
}
