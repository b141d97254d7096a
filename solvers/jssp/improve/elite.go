package improve

import (
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cosolve/cosolve/solvers"
)

// eliteSize is the number of schedules the pool keeps. Peng, Lü & Cheng (2015)
// keep 30 for runs of minutes to hours; our runs are seconds to a minute, and a
// pool much larger than the number of tabu runs that fit in the budget only
// dilutes the relinking pairs.
const eliteSize = 8

// qualityWeight is the weight of makespan against distance in the pool's
// replacement score: quality leads, but a near-copy of a member loses its place
// to a slightly worse schedule far from the others, which keeps the pairs worth
// relinking.
const qualityWeight = 0.6

// elitePool is a small set of good, mutually distant schedules shared by the
// search threads. Threads add the best schedule of each tabu run and take pairs
// to relink or single members to restart from. It is safe for concurrent use.
type elitePool struct {
	mu      sync.Mutex
	members []*Graph
	dist    [][]int // pairwise distances between members
	cand    []int   // scratch: the candidate's distance to each member
	buf     []int32 // scratch of distance
	tmp     []int32

	// The pool's diversification follows the tabu runs of all threads, not of
	// each: with a count per thread, a thread that saw none of the others' new
	// bests emptied the pool under them, and each thread made its own random
	// starts. resetAfter runs without a new shared best empty the pool to its
	// best member; the next refill runs start from random active schedules.
	resetAfter    int
	runsSinceBest int
	refill        int
	// randomStarts tells the threads to draw their fresh starts as random
	// active schedules (false: perturbed members); set before they start.
	randomStarts bool
}

func newElitePool(g *Graph) *elitePool {
	longest := 0
	for _, s := range g.seq {
		longest = max(longest, len(s))
	}
	p := &elitePool{
		cand: make([]int, eliteSize),
		buf:  make([]int32, longest),
		tmp:  make([]int32, longest),
		dist: make([][]int, eliteSize),
	}
	for i := range p.dist {
		p.dist[i] = make([]int, eliteSize)
	}
	return p
}

// distance is the number of pairs of operations on a common machine that a and
// b order differently: the number of disjunctive arcs to reverse to turn one
// into the other. buf and tmp hold at least the longest machine sequence.
func distance(a, b *Graph, buf, tmp []int32) int {
	d := 0
	for _, s := range b.seq {
		arr := buf[:len(s)]
		for i, op := range s {
			arr[i] = a.pos[op]
		}
		d += inversions(arr, tmp[:len(s)])
	}
	return d
}

// inversions counts the pairs i < j with a[i] > a[j] by merge sort (sorting a;
// tmp is scratch of the same length): the long machines of large instances make
// the quadratic count too slow to call after every tabu run.
func inversions(a, tmp []int32) int {
	if len(a) < 2 {
		return 0
	}
	mid := len(a) / 2
	n := inversions(a[:mid], tmp[:mid]) + inversions(a[mid:], tmp[mid:])
	i, j, k := 0, mid, 0
	for i < mid && j < len(a) {
		if a[i] <= a[j] {
			tmp[k] = a[i]
			i++
		} else {
			tmp[k] = a[j]
			n += mid - i
			j++
		}
		k++
	}
	k += copy(tmp[k:], a[i:mid])
	copy(tmp[k:], a[j:])
	copy(a, tmp)
	return n
}

// offer adds a copy of g unless it repeats a member or would be the member that
// scores worst on quality and distance; when the pool is full the worst-scoring
// member (never the best schedule) gives way. It reports whether g entered.
func (p *elitePool) offer(g *Graph) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.members)
	for i, e := range p.members {
		if p.cand[i] = distance(e, g, p.buf, p.tmp); p.cand[i] == 0 {
			return false
		}
	}
	if n < eliteSize {
		p.members = append(p.members, g.Clone())
		p.setRow(n)
		return true
	}
	// Score the members and the candidate (index n) together.
	fmin, fmax := g.makespan, g.makespan
	for _, e := range p.members {
		fmin, fmax = min(fmin, e.makespan), max(fmax, e.makespan)
	}
	near := func(i int) int { // distance to the nearest other schedule
		if i == n {
			return slices.Min(p.cand[:n])
		}
		d := p.cand[i]
		for j := 0; j < n; j++ {
			if j != i {
				d = min(d, p.dist[i][j])
			}
		}
		return d
	}
	dmin, dmax := 1<<62, 0
	for i := 0; i <= n; i++ {
		d := near(i)
		dmin, dmax = min(dmin, d), max(dmax, d)
	}
	worst, worstScore := -1, 2.0
	for i := 0; i <= n; i++ {
		f := g.makespan
		if i < n {
			f = p.members[i].makespan
		}
		if f == fmin {
			continue // the best schedule stays, or enters
		}
		q := float64(fmax-f) / float64(fmax-fmin+1)
		d := float64(near(i)-dmin) / float64(dmax-dmin+1)
		if score := qualityWeight*q + (1-qualityWeight)*d; score < worstScore {
			worst, worstScore = i, score
		}
	}
	if worst == n || worst < 0 {
		return false
	}
	p.members[worst].copyFrom(g)
	p.setRow(worst)
	return true
}

// setRow copies the candidate's distances into row and column i (the candidate
// is now member i).
func (p *elitePool) setRow(i int) {
	for j := range p.members {
		d := p.cand[j]
		if j == i {
			d = 0
		}
		p.dist[i][j], p.dist[j][i] = d, d
	}
}

// diversify turns on the pool's diversification: the first randomStarts runs
// after the first run start from random active schedules, and resetAfter runs
// without a new shared best empty the pool (never when resetAfter ≤ 0).
func (p *elitePool) diversify(resetAfter, randomStarts int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetAfter, p.refill = resetAfter, max(0, randomStarts)
	p.randomStarts = randomStarts > 0
}

// newBest records that a thread improved the shared best.
func (p *elitePool) newBest() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runsSinceBest = 0
}

// endRun records the end of a tabu run. It reports whether the next run is to
// start from a fresh schedule instead of the pool, and whether this run's end
// emptied the pool.
func (p *elitePool) endRun() (fresh, emptied bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.runsSinceBest++; p.resetAfter > 0 && p.runsSinceBest >= p.resetAfter {
		p.keepBestLocked()
		p.runsSinceBest, p.refill = 0, eliteSize-1
		emptied = true
	}
	if p.refill > 0 {
		p.refill--
		fresh = true
	}
	return fresh, emptied
}

// keepBestLocked empties the pool down to its best member; p.mu is held.
func (p *elitePool) keepBestLocked() {
	if len(p.members) == 0 {
		return
	}
	b := 0
	for i, e := range p.members {
		if e.makespan < p.members[b].makespan {
			b = i
		}
	}
	p.members[0], p.members[b] = p.members[b], p.members[0]
	p.members = p.members[:1]
	p.dist[0][0] = 0
}

// pick copies a random member into dst, which it leaves alone when the pool
// is empty.
func (p *elitePool) pick(rng *rand.Rand, dst *Graph) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.members) > 0 {
		dst.copyFrom(p.members[rng.IntN(len(p.members))])
	}
}

// pair copies two distinct random members into a and b and returns their
// distance; false when the pool holds fewer than two.
func (p *elitePool) pair(rng *rand.Rand, a, b *Graph) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.members)
	if n < 2 {
		return 0, false
	}
	i := rng.IntN(n)
	j := rng.IntN(n - 1)
	if j >= i {
		j++
	}
	a.copyFrom(p.members[i])
	b.copyFrom(p.members[j])
	return p.dist[i][j], true
}

// relinker walks from one schedule towards another on the disjunctive graph.
type relinker struct {
	cur, best *Graph
	blocked   []bool // machines whose next step would close a cycle
}

func newRelinker(g *Graph) *relinker {
	return &relinker{cur: g.Clone(), best: g.Clone(), blocked: make([]bool, len(g.seq))}
}

// relink walks from from towards guide, d apart, and returns the best schedule
// met between a quarter and three quarters of the way (owned by r): far enough
// from both ends that a tabu run from it does not just fall back into either,
// the path-relinking idea of Peng, Lü & Cheng (2015). Each step takes a machine
// whose sequence still differs and moves the operation guide has at the first
// differing position there; everything before that position already agrees, so
// the step removes exactly as many differing pairs as the operation moved over.
// A step that would close a cycle is skipped for that machine until another
// step succeeds; when every machine is blocked the walk ends, and so it does
// when st runs out (a step costs a graph update, and the walk between two
// schedules of a 1000-job shop takes thousands). It returns nil when no
// schedule in the range was reached.
func (r *relinker) relink(from, guide *Graph, d int, rng *rand.Rand, st *solvers.Budget) *Graph {
	g := r.cur
	g.copyFrom(from)
	lo, hi := d/4, d-d/4
	travelled, found := 0, false
	clear(r.blocked)
	for travelled < hi && st.Poll() {
		// A random machine among the unblocked ones that still differ.
		m, count := -1, 0
		for k, s := range g.seq {
			if r.blocked[k] || slices.Equal(s, guide.seq[k]) {
				continue
			}
			if count++; rng.IntN(count) == 0 {
				m = k
			}
		}
		if m < 0 {
			break
		}
		s, t := g.seq[m], guide.seq[m]
		i := 0
		for s[i] == t[i] {
			i++
		}
		mv := move{int32(m), g.pos[t[i]], int32(i)}
		if !g.applyAndUpdate(mv) {
			r.blocked[m] = true
			continue
		}
		clear(r.blocked)
		travelled += int(mv.from - mv.to)
		if travelled >= lo && (!found || g.makespan < r.best.makespan) {
			r.best.copyFrom(g)
			found = true
		}
	}
	if !found {
		return nil
	}
	return r.best
}
