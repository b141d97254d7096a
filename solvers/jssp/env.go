package jssp

import (
	"fmt"
	"math"

	"github.com/cosolve/cosolve/instances"
)

// Horizon is the initial upper bound of every start domain and the value of
// Env.Time once every job is finished (2^30, as in the reference environment).
const Horizon = 1 << 30

// Validate bounds the sum of all durations, hence every time the environment
// reaches, below Horizon; this fails to compile if that stops being so.
var _ [Horizon - 1 - instances.MaxTotalDuration]struct{}

// Window is the number of interval slots per job in an observation.
const Window = 5

// lazyOps is how many operations of each job exist in the model at reset; one more
// is added each time one of the job's operations is dispatched (2·Window, as in the
// reference environment, whose observation never looks further ahead).
const lazyOps = 2 * Window

type consKind uint8

const (
	consNoOverlap consKind = iota // one per machine, ids 0…M-1
	consEndBeforeStart
	consFix     // start == value (a dispatch)
	consAtLeast // start >= value (a No-Op)
)

// constraint is one entry of the model's constraint store. Ids are creation
// order, which is also the order a propagation sweep visits them in.
type constraint struct {
	kind    consKind
	alive   bool
	flagged bool
	a, b    int32 // operations (a only for unary constraints)
	value   int
}

// Env is the chronological dispatching environment of Tassel, Gebser and
// Schekotihin (ICAPS 2023) over a small constraint model: one start variable
// per operation with domain [lb, ub], EndBeforeStart between consecutive
// operations of a job, a NoOverlap per machine that pushes non-fixed intervals
// past fixed ones, and decisions posted as unary constraints, propagated to a
// fix point sweep by sweep in constraint-creation order.
//
// Its semantics, including the lazy creation of operations and the weak,
// order-dependent NoOverlap pass, reproduce the reference implementation
// exactly, so schedules and observations are the ones its pretrained policy was
// trained on. Work per decision is proportional to the constraints the decision
// wakes, not to the instance size, apart from an O(J) scan of the jobs' next
// operations.
//
// An Env is not safe for concurrent use; Clone gives an independent copy.
type Env struct {
	inst *instances.JobShop
	J, M int

	off   []int32 // first operation id of each job
	nops  []int32 // operations per job
	mach  []int32 // per operation
	dur   []int   // per operation
	job   []int32 // per operation
	total int

	meanDur, stdDur float64 // instance duration statistics for the observation

	// state
	lb      []int
	fixed   []bool
	ebsNext []int32 // constraint id of EndBeforeStart(op, op+1), -1 if none yet
	added   []int32 // operations of each job created in the model
	done    []int32 // operations of each job dispatched
	lists   [][]int32
	cons    []constraint

	cur, next idHeap
	cursor    int32
	running   int32

	t, noOpEnd int
	nextLB     []int
	legal      []bool // J+1 entries, the last is No-Op
	steps      int
}

// NewEnv builds the environment of a validated instance and resets it.
func NewEnv(js *instances.JobShop) (*Env, error) {
	if js == nil {
		return nil, fmt.Errorf("%w: nil job shop", instances.ErrInvalidInstance)
	}
	if err := js.Validate(); err != nil {
		return nil, err
	}
	e := &Env{inst: js, J: js.NumJobs(), M: js.Machines}
	e.off = make([]int32, e.J)
	e.nops = make([]int32, e.J)
	n := 0
	sum := 0.0
	for j, ops := range js.Jobs {
		e.off[j] = int32(n)
		e.nops[j] = int32(len(ops))
		for _, op := range ops {
			e.mach = append(e.mach, int32(op.Machine))
			e.dur = append(e.dur, op.Duration)
			e.job = append(e.job, int32(j))
			sum += float64(op.Duration)
			n++
		}
	}
	e.total = n
	e.meanDur = sum / float64(n)
	v := 0.0
	for _, d := range e.dur {
		x := float64(d) - e.meanDur
		v += x * x
	}
	e.stdDur = math.Sqrt(v/float64(n)) + 1e-8
	e.lb = make([]int, n)
	e.fixed = make([]bool, n)
	e.ebsNext = make([]int32, n)
	e.added = make([]int32, e.J)
	e.done = make([]int32, e.J)
	e.lists = make([][]int32, e.M)
	e.nextLB = make([]int, e.J)
	e.legal = make([]bool, e.J+1)
	e.Reset()
	return e, nil
}

// Instance is the job shop the environment schedules.
func (e *Env) Instance() *instances.JobShop { return e.inst }

// Clone returns an independent copy of the environment in its current state.
func (e *Env) Clone() *Env {
	c := *e
	c.lb = append([]int(nil), e.lb...)
	c.fixed = append([]bool(nil), e.fixed...)
	c.ebsNext = append([]int32(nil), e.ebsNext...)
	c.added = append([]int32(nil), e.added...)
	c.done = append([]int32(nil), e.done...)
	c.lists = make([][]int32, e.M)
	for m, l := range e.lists {
		c.lists[m] = append(make([]int32, 0, cap(l)), l...)
	}
	c.cons = append([]constraint(nil), e.cons...)
	c.cur = append(idHeap(nil), e.cur...)
	c.next = append(idHeap(nil), e.next...)
	c.nextLB = append([]int(nil), e.nextLB...)
	c.legal = append([]bool(nil), e.legal...)
	return &c
}

// CopyFrom makes e a copy of src, an environment of the same instance, in
// src's current state, reusing e's buffers: search keeps one scratch
// environment per thread and copies the root into it per simulation.
func (e *Env) CopyFrom(src *Env) {
	if e == src {
		return
	}
	lists := e.lists
	if len(lists) != src.M {
		lists = make([][]int32, src.M)
	}
	e2 := *src
	e2.lb = append(e.lb[:0], src.lb...)
	e2.fixed = append(e.fixed[:0], src.fixed...)
	e2.ebsNext = append(e.ebsNext[:0], src.ebsNext...)
	e2.added = append(e.added[:0], src.added...)
	e2.done = append(e.done[:0], src.done...)
	for m, l := range src.lists {
		lists[m] = append(lists[m][:0], l...)
	}
	e2.lists = lists
	e2.cons = append(e.cons[:0], src.cons...)
	e2.cur = append(e.cur[:0], src.cur...)
	e2.next = append(e.next[:0], src.next...)
	e2.nextLB = append(e.nextLB[:0], src.nextLB...)
	e2.legal = append(e.legal[:0], src.legal...)
	*e = e2
}

// Reset returns to the empty schedule: the first 2·Window operations of every
// job, their precedences and one NoOverlap per machine, propagated.
func (e *Env) Reset() {
	for i := range e.lb {
		e.lb[i] = 0
		e.fixed[i] = false
		e.ebsNext[i] = -1
	}
	for m := range e.lists {
		e.lists[m] = e.lists[m][:0]
	}
	e.cons = e.cons[:0]
	e.cur = e.cur[:0]
	e.next = e.next[:0]
	e.steps = 0
	for j := 0; j < e.J; j++ {
		e.done[j] = 0
		k := min(int32(lazyOps), e.nops[j])
		e.added[j] = k
		for t := int32(0); t < k; t++ {
			op := e.off[j] + t
			e.lists[e.mach[op]] = append(e.lists[e.mach[op]], op)
		}
	}
	for m := 0; m < e.M; m++ {
		e.addConstraint(constraint{kind: consNoOverlap, a: int32(m)})
	}
	for j := 0; j < e.J; j++ {
		for t := int32(1); t < e.added[j]; t++ {
			op := e.off[j] + t
			e.ebsNext[op-1] = e.addConstraint(constraint{kind: consEndBeforeStart, a: op - 1, b: op})
		}
	}
	e.update()
}

func (e *Env) addConstraint(c constraint) int32 {
	id := int32(len(e.cons))
	c.alive = true
	c.flagged = true
	e.cons = append(e.cons, c)
	// Created outside propagation: always part of the coming sweep.
	e.cur.push(id)
	return id
}

// flag asks for constraint id to be propagated: in the current sweep when the
// sweep has not reached it yet, otherwise in the next one.
func (e *Env) flag(id int32) {
	c := &e.cons[id]
	if !c.alive || c.flagged {
		return
	}
	if id == e.running && c.kind != consEndBeforeStart {
		// NoOverlap and unary constraints clear their flag after running, which
		// drops any request they made on themselves.
		return
	}
	c.flagged = true
	if id > e.cursor {
		e.cur.push(id)
	} else {
		e.next.push(id)
	}
}

// changed wakes the constraints on operation op after its domain shrank.
func (e *Env) changed(op int32) {
	e.flag(e.mach[op])
	if op > e.off[e.job[op]] {
		if id := e.ebsNext[op-1]; id >= 0 {
			e.flag(id)
		}
	}
	if id := e.ebsNext[op]; id >= 0 {
		e.flag(id)
	}
}

func (e *Env) raise(op int32, v int) {
	if v > e.lb[op] {
		e.lb[op] = v
		e.changed(op)
	}
}

func (e *Env) propagate() {
	for len(e.cur) > 0 {
		e.cursor = -1
		for len(e.cur) > 0 {
			id := e.cur.pop()
			e.cursor = id
			c := &e.cons[id]
			if !c.alive || !c.flagged {
				continue
			}
			e.running = id
			switch c.kind {
			case consNoOverlap:
				e.noOverlap(int(c.a))
				c.flagged = false
			case consEndBeforeStart:
				c.flagged = false
				e.raise(c.b, e.lb[c.a]+e.dur[c.a])
				if e.fixed[c.a] || e.fixed[c.b] {
					c.alive = false
				}
			case consFix:
				if e.lb[c.a] != c.value || !e.fixed[c.a] {
					e.lb[c.a] = c.value
					e.fixed[c.a] = true
					e.changed(c.a)
				}
				c.flagged, c.alive = false, false
			case consAtLeast:
				e.raise(c.a, c.value)
				c.flagged, c.alive = false, false
			}
			e.running = -1
		}
		e.cur, e.next = e.next, e.cur[:0]
	}
	e.cursor = -1
}

// noOverlap is the reference NoOverlap pass: every fixed interval pushes every
// non-fixed interval that overlaps it to its end, in list order, once; fixed
// intervals ending before the smallest non-fixed start seen are dropped.
func (e *Env) noOverlap(m int) {
	list := e.lists[m]
	minNonFixed := Horizon
	nFixed := 0
	for i, x := range list {
		if !e.fixed[x] {
			minNonFixed = min(minNonFixed, e.lb[x])
			continue
		}
		nFixed++
		s := e.lb[x]
		end := s + e.dur[x]
		for i2, o := range list {
			if i2 == i || e.fixed[o] {
				continue
			}
			if l := e.lb[o]; l < s && s < l+e.dur[o] {
				e.raise(o, end)
			}
			if l := e.lb[o]; s <= l && l < end {
				e.raise(o, end)
			}
		}
	}
	if nFixed == 0 {
		return
	}
	w := 0
	for _, x := range list {
		if e.fixed[x] && e.lb[x]+e.dur[x] <= minNonFixed {
			continue
		}
		list[w] = x
		w++
	}
	e.lists[m] = list[:w]
}

// update propagates and recomputes the current time, the No-Op target and the
// action mask.
func (e *Env) update() {
	e.propagate()
	t, second := Horizon, Horizon
	for j := 0; j < e.J; j++ {
		v := Horizon
		if e.done[j] < e.nops[j] {
			v = e.lb[e.off[j]+e.done[j]]
		}
		e.nextLB[j] = v
		switch {
		case v < t:
			second = t
			t = v
		case v > t && v < second:
			second = v
		}
	}
	e.t, e.noOpEnd = t, second
	e.legal[e.J] = second < Horizon
	for j := 0; j < e.J; j++ {
		e.legal[j] = e.nextLB[j] == t && t != Horizon
	}
}

// Time is the current time: the smallest start lower bound of the jobs' next
// operations (Horizon when every job is finished).
func (e *Env) Time() int { return e.t }

// NoOpTarget is the time a No-Op moves to: the next distinct start lower bound.
func (e *Env) NoOpTarget() int { return e.noOpEnd }

// Done reports whether every operation is dispatched.
func (e *Env) Done() bool { return e.t == Horizon }

// Legal reports whether action a (a job, or NoOp() for No-Op) can be taken now.
func (e *Env) Legal(a int) bool { return a >= 0 && a <= e.J && e.legal[a] }

// NoOp is the No-Op action, J.
func (e *Env) NoOp() int { return e.J }

// Steps counts Step calls since Reset.
func (e *Env) Steps() int { return e.steps }

// Next returns job j's next operation index (its number of dispatched operations).
func (e *Env) Next(j int) int { return int(e.done[j]) }

// ReadyTime is the start lower bound of job j's next operation.
func (e *Env) ReadyTime(j int) int { return e.nextLB[j] }

// Act takes one legal action: dispatch the job's next operation at the current
// time, or No-Op, which makes every next operation wait for the next event. It
// reports whether the action was legal.
func (e *Env) Act(a int) bool {
	if !e.Legal(a) {
		return false
	}
	if a == e.J {
		for j := 0; j < e.J; j++ {
			if e.done[j] < e.nops[j] {
				e.addConstraint(constraint{kind: consAtLeast, a: e.off[j] + e.done[j], value: e.noOpEnd})
			}
		}
		e.update()
		return true
	}
	op := e.off[a] + e.done[a]
	e.addConstraint(constraint{kind: consFix, a: op, value: e.t})
	e.done[a]++
	if k := e.added[a]; k < e.nops[a] {
		nop := e.off[a] + k
		e.lists[e.mach[nop]] = append(e.lists[e.mach[nop]], nop)
		e.ebsNext[nop-1] = e.addConstraint(constraint{kind: consEndBeforeStart, a: nop - 1, b: nop})
		e.added[a]++
	}
	e.update()
	return true
}

// Step applies the priority list in order: each action still legal is taken,
// until the current time moves or the episode ends. It returns how many actions
// were taken.
func (e *Env) Step(actions []int) int { return e.step(actions, nil) }

// step is Step that also appends the actions it takes to *trail when trail
// is not nil.
func (e *Env) step(actions []int, trail *[]int32) int {
	e.steps++
	start := e.t
	took := 0
	for _, a := range actions {
		if e.t != start || e.Done() {
			break
		}
		if e.Legal(a) {
			e.Act(a)
			took++
			if trail != nil {
				*trail = append(*trail, int32(a))
			}
		}
	}
	return took
}

// Makespan is the largest end time of the dispatched operations' jobs; once Done,
// the schedule's makespan.
func (e *Env) Makespan() int {
	ms := 0
	for j := 0; j < e.J; j++ {
		if d := e.done[j]; d > 0 {
			op := e.off[j] + d - 1
			ms = max(ms, e.lb[op]+e.dur[op])
		}
	}
	return ms
}

// Starts returns the start time of every dispatched operation, per job.
func (e *Env) Starts() [][]int {
	s := make([][]int, e.J)
	for j := range s {
		s[j] = make([]int, e.done[j])
		for k := range s[j] {
			s[j][k] = e.lb[int(e.off[j])+k]
		}
	}
	return s
}

// idHeap is a binary min-heap of constraint ids (no interface boxing, so pushes
// and pops do not allocate once the backing array has grown).
type idHeap []int32

func (h *idHeap) push(x int32) {
	a := append(*h, x)
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
	*h = a
}

func (h *idHeap) pop() int32 {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r] < a[l] {
			l = r
		}
		if a[i] <= a[l] {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
	*h = a
	return top
}
