package mcts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cosolve/cosolve/solvers"
)

// seqState sequences jobs on one machine to minimise the total weighted
// completion time Σ w_j C_j; Smith's rule (increasing p/w) is optimal, which
// gives the test a known optimum over n! sequences.
type seqState struct {
	p, w    []float64 // shared, read-only
	used    []bool
	seq     []int32
	t, cost float64
}

func newSeq(p, w []float64) *seqState {
	return &seqState{p: p, w: w, used: make([]bool, len(p))}
}

func (s *seqState) Actions(buf []int32) []int32 {
	for i, u := range s.used {
		if !u {
			buf = append(buf, int32(i))
		}
	}
	return buf
}

func (s *seqState) Apply(a int32) error {
	if a < 0 || int(a) >= len(s.p) || s.used[a] {
		return fmt.Errorf("illegal action %d", a)
	}
	s.used[a] = true
	s.t += s.p[a]
	s.cost += s.w[a] * s.t
	s.seq = append(s.seq, a)
	return nil
}

func (s *seqState) Terminal() bool { return len(s.seq) == len(s.p) }
func (s *seqState) Value() float64 { return -s.cost }
func (s *seqState) CopyFrom(src *seqState) {
	s.p, s.w = src.p, src.w
	s.used = append(s.used[:0], src.used...)
	s.seq = append(s.seq[:0], src.seq...)
	s.t, s.cost = src.t, src.cost
}

// smith is the optimal value of a seqState instance.
func smith(p, w []float64) float64 {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if x, y := p[a]/w[a], p[b]/w[b]; x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return 0
	})
	t, c := 0.0, 0.0
	for _, j := range order {
		t += p[j]
		c += w[j] * t
	}
	return -c
}

// subsetState picks, item by item, whether to take it, maximising the sum
// taken without exceeding the capacity; taking an item that does not fit is
// not offered. Dynamic programming gives the optimum.
type subsetState struct {
	items   []int // shared, read-only
	cap     int
	next    int
	sum     int
	takenBy []int32
}

func (s *subsetState) Actions(buf []int32) []int32 {
	buf = append(buf, 0)
	if s.sum+s.items[s.next] <= s.cap {
		buf = append(buf, 1)
	}
	return buf
}

func (s *subsetState) Apply(a int32) error {
	if a == 1 {
		if s.sum+s.items[s.next] > s.cap {
			return fmt.Errorf("item %d does not fit", s.next)
		}
		s.sum += s.items[s.next]
	}
	s.takenBy = append(s.takenBy, a)
	s.next++
	return nil
}

func (s *subsetState) Terminal() bool { return s.next == len(s.items) }
func (s *subsetState) Value() float64 { return float64(s.sum) }
func (s *subsetState) CopyFrom(src *subsetState) {
	s.items, s.cap, s.next, s.sum = src.items, src.cap, src.next, src.sum
	s.takenBy = append(s.takenBy[:0], src.takenBy...)
}

func subsetOptimum(items []int, capacity int) float64 {
	can := make([]bool, capacity+1)
	can[0] = true
	for _, it := range items {
		for c := capacity; c >= it; c-- {
			can[c] = can[c] || can[c-it]
		}
	}
	for c := capacity; c >= 0; c-- {
		if can[c] {
			return float64(c)
		}
	}
	return 0
}

// uniform is an evaluator with equal priors and uniformly random rollouts.
type uniform[S State[S]] struct {
	buf []int32
}

func (u *uniform[S]) Priors(_ S, _ []int32, priors []float64) error {
	for i := range priors {
		priors[i] = 1
	}
	return nil
}

func (u *uniform[S]) Evaluate(s S, rng *rand.Rand, b *solvers.Budget, trail []int32) (float64, []int32, bool, error) {
	for !s.Terminal() {
		u.buf = s.Actions(u.buf[:0])
		a := u.buf[rng.IntN(len(u.buf))]
		if err := s.Apply(a); err != nil {
			return 0, nil, false, err
		}
		trail = append(trail, a)
	}
	return s.Value(), trail, true, nil
}

// badPriors returns the given prior for every action.
type badPriors[S State[S]] struct {
	uniform[S]
	p float64
}

func (e *badPriors[S]) Priors(_ S, _ []int32, priors []float64) error {
	for i := range priors {
		priors[i] = e.p
	}
	return nil
}

// newTree builds a tree over a fresh copy of root with the given number of
// uniform workers.
func newTree[S State[S]](root S, fresh func() S, threads int, cfg Config) (*Tree[S], error) {
	ws := make([]Worker[S], threads)
	for i := range ws {
		ws[i] = Worker[S]{State: fresh(), Eval: &uniform[S]{}}
	}
	return New(root, ws, cfg)
}

// seqInstance is a reproducible instance of n jobs with distinct p/w ratios.
func seqInstance(n int) (p, w []float64) {
	rng := rand.New(rand.NewPCG(3, 4))
	for len(p) < n {
		pp, ww := float64(1+rng.IntN(20)), float64(1+rng.IntN(20))
		dup := false
		for i := range p {
			if p[i]*ww == pp*w[i] {
				dup = true
			}
		}
		if !dup {
			p, w = append(p, pp), append(w, ww)
		}
	}
	return p, w
}

func subsetInstance() ([]int, int) {
	return []int{31, 27, 25, 23, 19, 17, 13, 12, 11, 7, 5, 3}, 100
}

// toy is a test problem with a known optimum, behind a common face.
type toy struct {
	name    string
	optimum float64
	build   func(threads int, cfg Config) (treeLike, error)
}

// treeLike hides the state type of a toy's tree.
type treeLike interface {
	Search(b *solvers.Budget, n int) (int, error)
	Construct(b *solvers.Budget, perMove int, pace func() bool) error
	Best() (int32, bool, error)
	Commit(a int32) error
	Visits() int
	Stats() TreeStats
	rootValue() float64
	rootBest() float64
	rootSeq() string
}

type seqTree struct{ *Tree[*seqState] }

func (t seqTree) rootValue() float64 { return t.Root().Value() }
func (t seqTree) rootBest() float64  { return t.nodes[0].best }
func (t seqTree) rootSeq() string    { return fmt.Sprint(t.Root().seq) }

type subsetTree struct{ *Tree[*subsetState] }

func (t subsetTree) rootValue() float64 { return t.Root().Value() }
func (t subsetTree) rootBest() float64  { return t.nodes[0].best }
func (t subsetTree) rootSeq() string    { return fmt.Sprint(t.Root().takenBy) }

func toys() []toy {
	p, w := seqInstance(7)
	items, capacity := subsetInstance()
	return []toy{
		{"weighted-completion-7", smith(p, w), func(threads int, cfg Config) (treeLike, error) {
			t, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, threads, cfg)
			return seqTree{t}, err
		}},
		{"subset-sum-12", subsetOptimum(items, capacity), func(threads int, cfg Config) (treeLike, error) {
			fresh := func() *subsetState { return &subsetState{items: items, cap: capacity} }
			t, err := newTree(fresh(), fresh, threads, cfg)
			return subsetTree{t}, err
		}},
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
