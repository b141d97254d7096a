package tsp

import "math"

// twoLevelMinN is the size from which the tour is a two-level list: the
// array's reversals cost up to n/2 positions. With the list, 60,000 kicks at
// n = 10^5 (GT-Prior, setup included) took 30.7 CPU-s against the array's
// 39.9; 30,000 on TSP-10000 #0 took 8–12 % more than the array's.
const twoLevelMinN = 1 << 15

// twoLevel is the two-level doubly linked list of Fredman, Johnson, McGeoch
// and Ostheimer (1995), as LKH keeps its tour: the tour is cut into about √n
// segments, each a linked run of nodes with a reversal bit, and the segments
// sit in an array in tour order. A 2-opt move splits at most two segments and
// reverses the shorter run of whole segments, or reverses nodes inside one
// segment, so it costs O(√n).
type twoLevel struct {
	// Per node: its links in its segment's own direction (suc toward higher
	// id), its segment, and its sequence number within the segment.
	suc, pred, seg, id []int32
	// Per segment: whether the tour runs against its own direction, its
	// lowest- and highest-id nodes (ids are consecutive, so they give its
	// size) and its index in order.
	rev         []bool
	first, last []int32
	rank        []int32
	order       []int32 // the segments in tour order, cyclically
	group       int32   // segment size after a build
	buf         []int32
	// rebuild is set when a split leaves a segment larger than maxGroups
	// groups or an id near the int32 range; the move's end rebuilds.
	rebuild bool
}

// maxGroups bounds a segment's size, in groups, before the list is rebuilt:
// a split moves the smaller part of a segment into a neighbour, so sizes
// drift.
const maxGroups = 4

// newTwoLevel lays out the tour order. A split moves nodes into a neighbouring
// segment, so the list needs three segments at least: more than 16 nodes.
func newTwoLevel(order []int32) *twoLevel {
	n := len(order)
	group := max(8, int32(math.Sqrt(float64(n))))
	m := (int32(n) + group - 1) / group
	l := &twoLevel{
		suc: make([]int32, n), pred: make([]int32, n), seg: make([]int32, n), id: make([]int32, n),
		rev: make([]bool, m), first: make([]int32, m), last: make([]int32, m),
		rank: make([]int32, m), order: make([]int32, m), group: group,
	}
	l.build(order)
	return l
}

// build lays the tour out afresh in segments of group nodes.
func (l *twoLevel) build(order []int32) {
	n := int32(len(order))
	for i, v := range order {
		s := int32(i) / l.group
		l.seg[v], l.id[v] = s, int32(i)-s*l.group
		l.suc[v] = order[(int32(i)+1)%n]
		l.pred[v] = order[(int32(i)+n-1)%n]
	}
	for s := range l.order {
		lo := int32(s) * l.group
		hi := min(lo+l.group, n) - 1
		l.rev[s], l.first[s], l.last[s] = false, order[lo], order[hi]
		l.rank[s], l.order[s] = int32(s), int32(s)
	}
	l.rebuild = false
}

func (l *twoLevel) next(v int32) int32 {
	if l.rev[l.seg[v]] {
		return l.pred[v]
	}
	return l.suc[v]
}

func (l *twoLevel) prev(v int32) int32 {
	if l.rev[l.seg[v]] {
		return l.suc[v]
	}
	return l.pred[v]
}

func (l *twoLevel) setNext(v, w int32) {
	if l.rev[l.seg[v]] {
		l.pred[v] = w
	} else {
		l.suc[v] = w
	}
}

func (l *twoLevel) setPrev(v, w int32) {
	if l.rev[l.seg[v]] {
		l.suc[v] = w
	} else {
		l.pred[v] = w
	}
}

func (l *twoLevel) head(s int32) int32 {
	if l.rev[s] {
		return l.last[s]
	}
	return l.first[s]
}

func (l *twoLevel) tail(s int32) int32 {
	if l.rev[s] {
		return l.first[s]
	}
	return l.last[s]
}

// size is the number of nodes in segment s.
func (l *twoLevel) size(s int32) int32 { return l.id[l.last[s]] - l.id[l.first[s]] + 1 }

func (l *twoLevel) setHead(s, v int32) {
	if l.rev[s] {
		l.last[s] = v
	} else {
		l.first[s] = v
	}
}

func (l *twoLevel) setTail(s, v int32) {
	if l.rev[s] {
		l.first[s] = v
	} else {
		l.last[s] = v
	}
}

// offset orders the nodes of one segment along the tour.
func (l *twoLevel) offset(v int32) int64 {
	if l.rev[l.seg[v]] {
		return -int64(l.id[v])
	}
	return int64(l.id[v])
}

// key is the segment's rank, then the offset; offsets span less than 2^33.
func (l *twoLevel) key(v int32) int64 {
	return int64(l.rank[l.seg[v]])<<33 + l.offset(v)
}

// inside reports whether the forward path from a to b stays in one segment.
func (l *twoLevel) inside(a, b int32) bool {
	return l.seg[a] == l.seg[b] && l.offset(a) <= l.offset(b)
}

// reversePath reverses the forward path from a to b, or the rest of the tour
// when that is cheaper, and reports whether the cycle changed.
func (l *twoLevel) reversePath(a, b int32) bool {
	p, q := l.prev(a), l.next(b)
	if a == b || q == a || p == q {
		// One node, the whole tour or all but one node: the same cycle.
		return false
	}
	defer l.rebuildIfDue(a)
	for {
		switch {
		case l.inside(a, b):
			l.reverseInside(a, b)
			return true
		case l.inside(q, p):
			l.reverseInside(q, p)
			return true
		case l.head(l.seg[a]) != a:
			l.split(p, a)
		case l.tail(l.seg[b]) != b:
			l.split(b, q)
		default:
			m := int32(len(l.order))
			count := l.rank[l.seg[b]] - l.rank[l.seg[a]]
			if count < 0 {
				count += m
			}
			count++
			if 2*count <= m {
				l.reverseRun(l.seg[a], count)
			} else {
				l.reverseRun(l.seg[q], m-count)
			}
			return true
		}
	}
}

// undo takes back the reversal of the path a…b that lay between p and q:
// the tour now runs p b … a q in one of its directions.
func (l *twoLevel) undo(p, a, b, q int32) {
	if l.next(p) == b {
		l.reversePath(b, a)
	} else {
		l.reversePath(p, q)
	}
}

func (l *twoLevel) rebuildIfDue(start int32) {
	if l.rebuild {
		l.buf = l.appendFrom(l.buf[:0], start)
		l.build(l.buf)
	}
}

// reverseInside reverses the forward path from a to b, both in one segment,
// a before b: the path's ids are mirrored and its links turned.
func (l *twoLevel) reverseInside(a, b int32) {
	if a == b {
		return
	}
	s := l.seg[a]
	p, q := l.prev(a), l.next(b)
	l.buf = l.buf[:0]
	for v := a; ; v = l.next(v) {
		l.buf = append(l.buf, v)
		if v == b {
			break
		}
	}
	ids := l.id[a] + l.id[b]
	for _, v := range l.buf {
		l.id[v] = ids - l.id[v]
		l.suc[v], l.pred[v] = l.pred[v], l.suc[v]
	}
	for _, ends := range [2]*[]int32{&l.first, &l.last} {
		switch (*ends)[s] {
		case a:
			(*ends)[s] = b
		case b:
			(*ends)[s] = a
		}
	}
	l.setNext(p, b)
	l.setPrev(b, p)
	l.setNext(a, q)
	l.setPrev(q, a)
}

// split makes a segment border between a and its successor b, both in one
// segment, by moving the smaller part of the segment into the neighbouring
// segment on its side. The tour does not change.
func (l *twoLevel) split(a, b int32) {
	s := l.seg[a]
	m := int32(len(l.order))
	before := l.id[a] - l.id[l.head(s)]
	if before < 0 {
		before = -before
	}
	before++
	l.buf = l.buf[:0]
	var to int32
	if before <= l.size(s)-before {
		to = l.order[(l.rank[s]+m-1)%m]
		for v := l.head(s); ; v = l.next(v) {
			l.buf = append(l.buf, v)
			if v == a {
				break
			}
		}
		l.join(to, l.tail(to), +1)
		l.setHead(s, b)
	} else {
		to = l.order[(l.rank[s]+1)%m]
		for v := l.tail(s); ; v = l.prev(v) {
			l.buf = append(l.buf, v)
			if v == b {
				break
			}
		}
		l.join(to, l.head(to), -1)
		l.setTail(s, a)
	}
	if l.size(to) > maxGroups*l.group {
		l.rebuild = true
	}
}

// join moves the nodes in l.buf into segment to, next to its end node end,
// one after another along the tour (dir +1, appended after the tail) or
// against it (dir −1, prepended before the head); the last one moved becomes
// the segment's new end.
func (l *twoLevel) join(to, end, dir int32) {
	step := dir
	if l.rev[to] {
		step = -dir
	}
	id := l.id[end]
	for _, v := range l.buf {
		next, prev := l.next(v), l.prev(v)
		id += step
		l.seg[v], l.id[v] = to, id
		l.setNext(v, next)
		l.setPrev(v, prev)
	}
	if id > 1<<30 || id < -1<<30 {
		l.rebuild = true
	}
	if step > 0 {
		l.last[to] = l.buf[len(l.buf)-1]
	} else {
		l.first[to] = l.buf[len(l.buf)-1]
	}
}

// reverseRun reverses the count segments from s on: their places in order
// and their bits, then the links at the run's two ends.
func (l *twoLevel) reverseRun(s, count int32) {
	m := int32(len(l.order))
	i := l.rank[s]
	a, b := l.head(s), l.tail(l.order[(i+count-1)%m])
	p, q := l.prev(a), l.next(b)
	for k := int32(0); k < count; k++ {
		l.rev[l.order[(i+k)%m]] = !l.rev[l.order[(i+k)%m]]
	}
	reverseCyclic(l.order, l.rank, i, count)
	l.setNext(p, b)
	l.setPrev(b, p)
	l.setNext(a, q)
	l.setPrev(q, a)
}

// appendFrom appends the tour to dst, starting at node v.
func (l *twoLevel) appendFrom(dst []int32, v int32) []int32 {
	n := len(l.seg)
	for range n {
		dst = append(dst, v)
		v = l.next(v)
	}
	return dst
}

// appendOrder appends the tour to dst from the head of the first segment.
func (l *twoLevel) appendOrder(dst []int32) []int32 {
	return l.appendFrom(dst, l.head(l.order[0]))
}
