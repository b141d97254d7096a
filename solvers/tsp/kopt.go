package tsp

// koptMaxK is the largest k of the sequential k-opt move: LKH's basic move is
// the sequential 5-opt move.
const koptMaxK = 5

// KOptDefaultMaxN is the largest instance on which the Hybrid uses the k-opt
// move by default whatever the budget; above it, only when the time limit
// gives koptTimePerNode per node. The first descent took 4.0 s at n = 10^5
// (against 0.9 s with the LK step, but to a 1.8 % shorter tour, and 0.2 %
// shorter after 60 s); at 10^6, on the two-level list, it took 62 s from the
// greedy tour (827.1 to 717.7, uniform), where the LK step's descent takes
// seconds and its tour was 725.8 after 60 s.
const KOptDefaultMaxN = 150000

// koptBreadth[i] caps the candidates tried for the i-th added edge (0 = all):
// the deeper levels multiply the work. On TSP-1000 #0–7 at 10 s, the 4-opt
// move with (all, 5, 4) gave 0.053 % against 0.123 % for the 3-opt move and
// 0.130 % for the 5-opt move with (all, 5, 4, 3).
var koptBreadth = [...]int32{0, 0, 5, 4, 3}

// kopt searches a sequential k-opt move from t1 (k ≤ s.koptK, LKH's basic
// move without its chaining): edges (t1,t2), (t3,t4), … are removed and (t2,t3),
// (t4,t5), …, (t2k,t1) added, t3 among t2's candidates and so on, every
// partial sum of removed minus added lengths positive. Unlike the LK step,
// t(2i+2) may be either tour neighbour of t(2i+1), so a move may pass through
// states that are not Hamiltonian paths as long as the closed move is one
// tour; that reaches the 3-opt "or" moves and the many 4- and 5-opt moves LK
// cannot. The first improving move found is made.
func (s *searcher) kopt(t1 int32) bool {
	if s.n < 8 {
		return false
	}
	for _, t2 := range [2]int32{s.t.next(t1), s.t.prev(t1)} {
		if s.koptChain(t1, t2) {
			return true
		}
	}
	return false
}

// koptChain searches from (t1, t2); failing that, it makes the best closable
// non-improving move of the deepest level and searches again from t1 and the
// move's last node, the gain counted from the start, up to s.chainMax
// times (LKH's chaining of basic moves); a chain that ends without gain is
// undone from the journal. As in LKH, the last edge each move of the chain
// removes must be one the tour had when the chain began and still has (the
// closing edge is the next move's first and exempt), which bounds a chain by
// n moves. On TSP-500 #0–31 at 5 s, seed 2, chains of 10 moves gave 0.061 %
// with no rule and 0.015 % when no removed edge at all could be one the chain
// had added; LKH's rule, which lets the moves' inner edges be such edges,
// gave better chains still (benchmarks/RESULTS.md, issue 14).
func (s *searcher) koptChain(t1, t2 int32) bool {
	s.kt[0], s.kt[1] = t1, t2
	s.kbestGain = 0
	for _, v := range s.kadded {
		s.kaddedMates[v] = kaddedNone
	}
	s.kadded = s.kadded[:0]
	if s.koptExtend(1, s.c(t1, t2)) {
		return true
	}
	if s.kbestGain <= 0 {
		return false
	}
	recording, mark, start := s.t.recording, len(s.t.journal), s.length
	s.t.recording = true
	s.kchain = s.kchain[:0]
	for step := 0; step < s.chainMax && s.kbestGain > 0; step++ {
		// A chain runs to thousands of moves at 10^6 nodes: the deadline
		// must reach it.
		if s.n >= clockEveryMoveN && !s.budget.Check() {
			break
		}
		k, g := s.koptK, s.kbestGain
		s.kt = s.kbest
		s.koptFeasible(k)
		s.koptMake(k)
		s.kchain = append(s.kchain, s.kt[:2*k]...)
		s.kadded = append(s.kadded, s.kt[1:2*k-1]...)
		for m := 1; m < 2*k-1; m += 2 {
			s.koptNoteAdded(s.kt[m], s.kt[m+1])
			s.koptNoteAdded(s.kt[m+1], s.kt[m])
		}
		s.kt[0], s.kt[1] = t1, s.kt[2*k-1]
		s.kbestGain = 0
		if s.koptExtend(1, g) {
			for _, v := range s.kchain {
				s.push(v)
			}
			if !recording {
				s.t.journal = s.t.journal[:mark]
			}
			s.t.recording = recording
			return true
		}
	}
	s.t.undoTo(mark)
	s.t.recording = recording
	s.length = start
	return false
}

// koptExtend adds a removed edge to the move whose first i removed edges are
// s.kt[:2i], with g the removed minus the added length so far (the closing
// edge not counted), and makes the move when one closes with a gain.
func (s *searcher) koptExtend(i int, g float64) bool {
	t1, from := s.kt[0], s.kt[2*i-1]
	fromNext, fromPrev := s.t.next(from), s.t.prev(from)
	end := s.nb.Start[from+1]
	if i < len(koptBreadth) && koptBreadth[i] > 0 {
		end = min(end, s.nb.Start[from]+koptBreadth[i])
	}
	for arc := s.nb.Start[from]; arc < end; arc++ {
		g1 := g - s.nbDist[arc]
		if g1 <= eps {
			break
		}
		a := s.nb.Adj[arc]
		if a == fromNext || a == fromPrev {
			continue
		}
		for _, b := range [2]int32{s.t.next(a), s.t.prev(a)} {
			if b == t1 || s.koptRemoved(i, a, b) {
				continue
			}
			s.kt[2*i], s.kt[2*i+1] = a, b
			gOpen := g1 + s.c(a, b)
			if gain := gOpen - s.c(b, t1); gain > eps && s.koptFeasible(i+1) {
				s.koptMake(i + 1)
				s.length -= gain
				for _, v := range s.kt[:2*i+2] {
					s.push(v)
				}
				return true
			}
			if i+1 < s.koptK {
				if s.koptExtend(i+1, gOpen) {
					return true
				}
			} else if s.chainMax > 0 && gOpen > s.kbestGain && !s.koptAdded(a, b) && s.koptFeasible(i+1) {
				s.kbest, s.kbestGain = s.kt, gOpen
			}
		}
	}
	return false
}

// koptRemoved reports whether (a,b) is one of the first i removed edges.
func (s *searcher) koptRemoved(i int, a, b int32) bool {
	for m := 0; m < i; m++ {
		x, y := s.kt[2*m], s.kt[2*m+1]
		if (x == a && y == b) || (x == b && y == a) {
			return true
		}
	}
	return false
}

// koptAdded reports whether the tour edge (a,b) was added by an earlier move
// of the chain; if not, the tour had it when the chain began. Chains grow to
// thousands of moves at 10^6 nodes, where scanning them for every closable
// move took a third of the descent, so each node keeps the first two nodes
// the chain joined it to, and only a node joined to more is scanned for.
func (s *searcher) koptAdded(a, b int32) bool {
	mates := s.kaddedMates[a]
	switch {
	case mates[0] == b || mates[1] == b:
		return true
	case mates[1] != kaddedMore:
		return false
	}
	for m := 0; m < len(s.kadded); m += 2 {
		x, y := s.kadded[m], s.kadded[m+1]
		if (x == a && y == b) || (x == b && y == a) {
			return true
		}
	}
	return false
}

// kaddedNone marks a node the chain has not joined to any other;
// kaddedMore, in the second slot, one it joined to more than two.
var kaddedNone = [2]int32{-1, -1}

const kaddedMore = -2

func newKaddedMates(n int) [][2]int32 {
	mates := make([][2]int32, n)
	for v := range mates {
		mates[v] = kaddedNone
	}
	return mates
}

func (s *searcher) koptNoteAdded(a, b int32) {
	switch mates := &s.kaddedMates[a]; {
	case mates[0] == kaddedNone[0]:
		mates[0] = b
	case mates[1] == kaddedNone[1]:
		mates[1] = b
	default:
		mates[1] = kaddedMore
	}
}

// koptFeasible reports whether the closed k-opt move in s.kt[:2k] leaves one
// tour, and records the new order of the tour's pieces for koptMake. The k
// removed edges cut the tour into k segments; sorted by position, segment c
// runs forward from the later end of cut c to the earlier end of cut c+1.
// Slot 2c is cut c's earlier end (segment c−1's tail), 2c+1 its later end
// (segment c's head). The added edges pair the slots; walking from segment 0's
// head through segments and added edges must meet every segment before it
// returns.
func (s *searcher) koptFeasible(k int) bool {
	var low, high [koptMaxK]int32
	var rank [koptMaxK]int
	var byPos [koptMaxK]int
	for m := 0; m < k; m++ {
		x, y := s.kt[2*m], s.kt[2*m+1]
		if s.t.next(x) == y {
			low[m], high[m] = x, y
		} else {
			low[m], high[m] = y, x
		}
		j := m
		for ; j > 0 && s.t.key(low[byPos[j-1]]) > s.t.key(low[m]); j-- {
			byPos[j] = byPos[j-1]
		}
		byPos[j] = m
	}
	for c := 0; c < k; c++ {
		rank[byPos[c]] = c
		s.kcut[c] = [2]int32{low[byPos[c]], high[byPos[c]]}
	}
	slot := func(j int) int {
		m := j / 2
		if s.kt[j] == high[m] {
			return 2*rank[m] + 1
		}
		return 2 * rank[m]
	}
	var mate [2 * koptMaxK]int
	for j := 1; j < 2*k; j += 2 {
		a, b := slot(j), slot((j+1)%(2*k))
		mate[a], mate[b] = b, a
	}
	entry, count := 1, 0
	for count < k {
		var exit int
		if entry%2 == 1 {
			c := entry / 2
			s.korder[count] = kseg{c, true}
			exit = 2 * ((c + 1) % k)
		} else {
			c := (entry/2 + k - 1) % k
			s.korder[count] = kseg{c, false}
			exit = 2*c + 1
		}
		count++
		entry = mate[exit]
		if entry == 1 {
			break
		}
	}
	return count == k && entry == 1
}

// kseg is a segment of a k-opt move in its new place: its index, and whether
// it keeps its direction.
type kseg struct {
	c   int
	fwd bool
}

// koptMake makes the move koptFeasible recorded as reversals of runs of
// segments (each a 2-opt move, so the journal can undo it): segment by
// segment, the one due next is brought into place by reversing the run that
// ends with it, then turned if it faces the wrong way; at most 2(k−1)
// reversals.
func (s *searcher) koptMake(k int) {
	cur := s.kcur[:k]
	for c := range cur {
		cur[c] = kseg{c, true}
	}
	first := func(g kseg) int32 {
		if g.fwd {
			return s.kcut[g.c][1]
		}
		return s.kcut[(g.c+1)%k][0]
	}
	last := func(g kseg) int32 {
		if g.fwd {
			return s.kcut[(g.c+1)%k][0]
		}
		return s.kcut[g.c][1]
	}
	reverse := func(i, j int) {
		s.t.move2(last(cur[i-1]), first(cur[i]), last(cur[j]), first(cur[(j+1)%k]))
		for l, r := i, j; l <= r; l, r = l+1, r-1 {
			cur[l], cur[r] = cur[r], cur[l]
			cur[l].fwd = !cur[l].fwd
			if l != r {
				cur[r].fwd = !cur[r].fwd
			}
		}
	}
	for i := 1; i < k; i++ {
		want := s.korder[i]
		j := i
		for cur[j].c != want.c {
			j++
		}
		if j != i {
			reverse(i, j)
		}
		if cur[i].fwd != want.fwd {
			reverse(i, i)
		}
	}
}
