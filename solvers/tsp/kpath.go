package tsp

// kpath evaluates a sequential k-opt move without touching the tour. Removing
// edge (a1,b1) leaves a Hamiltonian path from the free end b1 to a1; each step
// joins the free end to some a and cuts a from its neighbour b' on the free
// end's side, which reverses the prefix up to b' and makes b' the free end.
// The path is kept as a list of at most depth+1 segments of the unchanged tour
// array, in coordinates relative to b1, so a step costs O(depth), not O(n).
type kpath struct {
	t    *Tour
	n    int32
	base int32 // position of b1
	dir  int32 // +1 if b1 follows a1 in the array, else −1
	lo   []int32
	hi   []int32
	rev  []bool
}

func newKpath(t *Tour, maxDepth int) *kpath {
	c := maxDepth + 2
	return &kpath{t: t, n: t.n(), lo: make([]int32, 0, c), hi: make([]int32, 0, c), rev: make([]bool, 0, c)}
}

func (k *kpath) reset(a1, b1 int32) {
	k.base = k.t.pos[b1]
	k.dir = 1
	if k.t.next(a1) != b1 {
		k.dir = -1
	}
	k.lo = append(k.lo[:0], 0)
	k.hi = append(k.hi[:0], k.n-1)
	k.rev = append(k.rev[:0], false)
}

func (k *kpath) rel(v int32) int32 {
	d := (k.t.pos[v] - k.base) * k.dir
	if d < 0 {
		d += k.n
	}
	return d
}

func (k *kpath) node(r int32) int32 {
	p := k.base + k.dir*r
	if p >= k.n {
		p -= k.n
	} else if p < 0 {
		p += k.n
	}
	return k.t.order[p]
}

func (k *kpath) find(r int32) int {
	for s := range k.lo {
		if k.lo[s] <= r && r <= k.hi[s] {
			return s
		}
	}
	return -1
}

func (k *kpath) firstRel(s int) int32 {
	if k.rev[s] {
		return k.hi[s]
	}
	return k.lo[s]
}

func (k *kpath) lastRel(s int) int32 {
	if k.rev[s] {
		return k.lo[s]
	}
	return k.hi[s]
}

// free is the free end of the path.
func (k *kpath) free() int32 { return k.node(k.firstRel(0)) }

// next is v's neighbour toward a1 (−1 for a1 itself).
func (k *kpath) next(v int32) int32 {
	r := k.rel(v)
	s := k.find(r)
	if r == k.lastRel(s) {
		if s+1 == len(k.lo) {
			return -1
		}
		return k.node(k.firstRel(s + 1))
	}
	if k.rev[s] {
		return k.node(r - 1)
	}
	return k.node(r + 1)
}

// prev is v's neighbour toward the free end (−1 for the free end).
func (k *kpath) prev(v int32) int32 {
	r := k.rel(v)
	s := k.find(r)
	if r == k.firstRel(s) {
		if s == 0 {
			return -1
		}
		return k.node(k.lastRel(s - 1))
	}
	if k.rev[s] {
		return k.node(r + 1)
	}
	return k.node(r - 1)
}

// step joins the free end to a (not the free end) and returns the new free end.
func (k *kpath) step(a int32) int32 {
	bp := k.prev(a)
	r := k.rel(bp)
	s := k.find(r)
	if r != k.lastRel(s) {
		// Split s after bp.
		k.lo = append(k.lo, 0)
		k.hi = append(k.hi, 0)
		k.rev = append(k.rev, false)
		copy(k.lo[s+2:], k.lo[s+1:])
		copy(k.hi[s+2:], k.hi[s+1:])
		copy(k.rev[s+2:], k.rev[s+1:])
		if k.rev[s] {
			k.lo[s+1], k.hi[s+1], k.rev[s+1] = k.lo[s], r-1, true
			k.lo[s] = r
		} else {
			k.lo[s+1], k.hi[s+1], k.rev[s+1] = r+1, k.hi[s], false
			k.hi[s] = r
		}
	}
	for i, j := 0, s; i < j; i, j = i+1, j-1 {
		k.lo[i], k.lo[j] = k.lo[j], k.lo[i]
		k.hi[i], k.hi[j] = k.hi[j], k.hi[i]
		k.rev[i], k.rev[j] = k.rev[j], k.rev[i]
	}
	for i := 0; i <= s; i++ {
		k.rev[i] = !k.rev[i]
	}
	return bp
}

// save and restore let a search backtrack; the buffers are the caller's.
type kstate struct {
	lo, hi []int32
	rev    []bool
}

func (k *kpath) save(st *kstate) {
	st.lo = append(st.lo[:0], k.lo...)
	st.hi = append(st.hi[:0], k.hi...)
	st.rev = append(st.rev[:0], k.rev...)
}

func (k *kpath) restore(st *kstate) {
	k.lo = append(k.lo[:0], st.lo...)
	k.hi = append(k.hi[:0], st.hi...)
	k.rev = append(k.rev[:0], st.rev...)
}
