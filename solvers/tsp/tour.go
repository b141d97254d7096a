package tsp

// Tour is a cyclic order of nodes. Up to twoLevelMinN nodes it is an array
// with a position index, so successor, predecessor and "is between" are O(1)
// and a 2-opt move reverses the shorter of the two paths it could reverse.
// From twoLevelMinN nodes it is a two-level list (twolevel.go): the same
// queries stay O(1) and a 2-opt move costs O(√n) instead of up to n/2.
type Tour struct {
	order []int32
	pos   []int32
	// tl is the two-level list, nil for the array tour; order and pos are
	// then unused, apart from order as a permutation to draw nodes from.
	tl *twoLevel
	// journal, when recording, holds every reversal since the mark, so a
	// rejected trial is undone in time proportional to the work it did rather
	// than to n: (start, length) pairs of positions for the array tour, and
	// for the two-level list the nodes p, a, b, q of a reversed path a…b
	// between p and q. A two-level reversal may turn the whole tour instead,
	// so the list's undo restores edges, not positions.
	journal   []int32
	recording bool
}

func newTour(order []int32, twoLevelList bool) *Tour {
	t := &Tour{order: order, pos: make([]int32, len(order))}
	for i, v := range order {
		t.pos[v] = int32(i)
	}
	if twoLevelList {
		t.tl = newTwoLevel(order)
	}
	return t
}

func (t *Tour) n() int32 { return int32(len(t.order)) }

func (t *Tour) next(v int32) int32 {
	if t.tl != nil {
		return t.tl.next(v)
	}
	p := t.pos[v] + 1
	if p == t.n() {
		p = 0
	}
	return t.order[p]
}

func (t *Tour) prev(v int32) int32 {
	if t.tl != nil {
		return t.tl.prev(v)
	}
	p := t.pos[v] - 1
	if p < 0 {
		p = t.n() - 1
	}
	return t.order[p]
}

// key orders the nodes along the tour from a fixed but arbitrary start:
// going forward from u, v comes before w when key(v) < key(w), unless the
// walk passes the start between them.
func (t *Tour) key(v int32) int64 {
	if t.tl != nil {
		return t.tl.key(v)
	}
	return int64(t.pos[v])
}

// reversePath reverses the forward path from node a to node b: the same
// cycle as reversing the rest of the tour, which is what happens when the
// rest is shorter, so the orientation of the whole may flip.
func (t *Tour) reversePath(a, b int32) {
	if l := t.tl; l != nil {
		p, q := l.prev(a), l.next(b)
		if l.reversePath(a, b) && t.recording {
			t.journal = append(t.journal, p, a, b, q)
		}
		return
	}
	t.reverse(t.pos[a], t.pos[b])
}

// reverse reverses the cyclic range of array positions i…j (inclusive, going
// forward), or its complement when that is shorter: the same cycle either way.
func (t *Tour) reverse(i, j int32) {
	n := t.n()
	l := j - i
	if l < 0 {
		l += n
	}
	l++
	if 2*l > n {
		// The complement starts after j.
		i = j + 1
		if i == n {
			i = 0
		}
		l = n - l
	}
	if t.recording {
		t.journal = append(t.journal, i, l)
	}
	t.rawReverse(i, l)
}

// rawReverse reverses the l positions starting at i (cyclically).
func (t *Tour) rawReverse(i, l int32) { reverseCyclic(t.order, t.pos, i, l) }

// reverseCyclic reverses the l entries of order starting at i, cyclically,
// and keeps pos its inverse: the array tour's positions, and the two-level
// list's segments.
func reverseCyclic(order, pos []int32, i, l int32) {
	n := int32(len(order))
	j := i + l - 1
	if j >= n {
		j -= n
	}
	for s := l / 2; s > 0; s-- {
		a, b := order[i], order[j]
		order[i], order[j] = b, a
		pos[b], pos[a] = i, j
		i++
		if i == n {
			i = 0
		}
		j--
		if j < 0 {
			j = n - 1
		}
	}
}

// mark starts recording reversals.
func (t *Tour) mark() {
	t.journal = t.journal[:0]
	t.recording = true
}

// commit stops recording and keeps the changes.
func (t *Tour) commit() { t.recording = false }

// rollback undoes every reversal since mark, newest first.
func (t *Tour) rollback() {
	t.recording = false
	t.undoTo(0)
}

// undoTo undoes the journal's reversals from entry `from` on, newest first,
// and drops them: a search nested inside a recorded trial undoes only its own.
func (t *Tour) undoTo(from int) {
	if l := t.tl; l != nil {
		for k := len(t.journal) - 4; k >= from; k -= 4 {
			l.undo(t.journal[k], t.journal[k+1], t.journal[k+2], t.journal[k+3])
		}
	} else {
		for k := len(t.journal) - 2; k >= from; k -= 2 {
			t.rawReverse(t.journal[k], t.journal[k+1])
		}
	}
	t.journal = t.journal[:from]
}

// move2 replaces edges (a,b) and (c,d) by (a,c) and (b,d); b follows a and d
// follows c in one orientation of the cycle.
func (t *Tour) move2(a, b, c, d int32) {
	if t.next(a) == b {
		t.reversePath(b, c)
	} else {
		t.reversePath(a, d)
	}
}

// lkStep is one step of a sequential move on the tour itself: b is a neighbour
// of a1, a is joined to b, and a's neighbour on b's side, returned, becomes a1's
// new neighbour.
func (t *Tour) lkStep(a1, b, a int32) int32 {
	if t.next(a1) == b {
		bp := t.prev(a)
		t.reversePath(b, bp)
		return bp
	}
	bp := t.next(a)
	t.reversePath(bp, b)
	return bp
}

// between reports whether b lies on the forward path from a to c.
func (t *Tour) between(a, b, c int32) bool {
	pa, pb, pc := t.key(a), t.key(b), t.key(c)
	if pa <= pc {
		return pa <= pb && pb <= pc
	}
	return pb >= pa || pb <= pc
}

// copyOrder appends the tour to dst[:0], from its first node in the array or
// from the two-level list's first segment.
func (t *Tour) copyOrder(dst []int32) []int32 {
	if t.tl != nil {
		return t.tl.appendOrder(dst[:0])
	}
	return append(dst[:0], t.order...)
}

func (t *Tour) setOrder(order []int32) {
	copy(t.order, order)
	for i, v := range t.order {
		t.pos[v] = int32(i)
	}
	if t.tl != nil {
		t.tl.build(order)
	}
}
