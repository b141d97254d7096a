package mcts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/cosolve/cosolve/solvers"
)

var (
	// ErrNoActions reports a state that is not terminal but offers no action.
	ErrNoActions = errors.New("mcts: non-terminal state without a legal action")
	// ErrBadPriors reports priors that are negative, not finite or all zero.
	ErrBadPriors = errors.New("mcts: invalid priors")
	// ErrNoSimulations reports a request for fewer than one simulation.
	ErrNoSimulations = errors.New("mcts: at least one simulation is needed")
)

// State is a position of a single-agent sequential decision problem. Values
// are maximised: a minimisation problem returns its objective negated (and
// scaled as it likes; the search normalises values by the range it has seen).
// The engine keeps one State per worker and fills it with CopyFrom, so
// implementations should make CopyFrom reuse their buffers.
type State[S any] interface {
	// Actions returns the legal actions, written into buf[:0].
	Actions(buf []int32) []int32
	// Apply takes a legal action.
	Apply(a int32) error
	// Terminal reports whether the decision sequence is complete.
	Terminal() bool
	// Value is the value of a terminal state.
	Value() float64
	// CopyFrom makes the receiver an independent copy of src.
	CopyFrom(src S)
}

// Evaluator is the problem's knowledge: a policy's priors over the actions of
// a state and an estimate of the state's value, by a rollout to the end or a
// value function. Each worker has its own, so it may keep buffers.
type Evaluator[S any] interface {
	// Priors writes a non-negative weight for each action (they need not sum
	// to one).
	Priors(s S, actions []int32, priors []float64) error
	// Evaluate estimates the value of the non-terminal state s; it may
	// change s. A rollout appends the actions it took to trail, returns it,
	// and reports complete when they reach a terminal state whose value it
	// returns: the tree can then replay that sequence. A value function
	// returns trail unchanged and complete false. Long evaluations should
	// stop early when b runs out, returning the value of what they have.
	Evaluate(s S, rng *rand.Rand, b *solvers.Budget, trail []int32) (value float64, _ []int32, complete bool, err error)
}

// Worker is one thread of a search: its scratch state and evaluator.
type Worker[S any] struct {
	State S
	Eval  Evaluator[S]
}

// Backup says which value of a node's subtree selection and commitment use.
type Backup int

const (
	// Max (the default) is the best value backed up through the node: in a
	// deterministic single-agent problem a value seen once can be reached
	// again, so the best is what a path is worth. Commitment then follows
	// the best complete sequence seen (tree path and rollout trail), so
	// Construct never ends worse than its best rollout. It measured better
	// than Mean on the job shop and finds the optimum of the knapsack in the
	// example where Mean does not.
	Max Backup = iota
	// Mean is the average of the values backed up through the node (PUCT as
	// in game playing); commitment takes the most visited child.
	Mean
)

var backupNames = [...]string{"max", "mean"}

func (b Backup) String() string {
	if b < 0 || int(b) >= len(backupNames) {
		return fmt.Sprintf("Backup(%d)", int(b))
	}
	return backupNames[b]
}

// ParseBackup reads the names String gives.
func ParseBackup(s string) (Backup, bool) {
	for i, n := range backupNames {
		if n == s {
			return Backup(i), true
		}
	}
	return 0, false
}

// Config of a Tree. The zero value is PUCT with c = 1, max backup, no
// progressive widening, virtual loss 1 and at most 2^20 nodes.
type Config struct {
	// Exploration is c in the PUCT score q + c·P·√N/(1+n), q being the
	// child's value normalised into [0, 1] by the range of values seen so far
	// (so c means the same whatever the objective's scale). Default 1.
	Exploration float64
	// Backup chooses between max and mean values (default Max).
	Backup Backup
	// Widening, when positive, lets a node visited N times offer only its
	// ⌈Widening·N^WideningExponent⌉ children of highest prior (at least one).
	Widening float64
	// WideningExponent is the exponent of progressive widening (default 0.5).
	WideningExponent float64
	// VirtualLoss is how many visits of value zero (normalised) a simulation
	// in progress adds to each node of its path, steering concurrent workers
	// apart (default 1; unused with one worker).
	VirtualLoss int
	// MaxNodes caps the node arena (default 2^20). When it is full, leaves are
	// still evaluated but no longer expanded.
	MaxNodes int
	// Seed and Phase name the workers' random streams
	// (solvers.NewRand(Seed, Phase, worker)).
	Seed  uint64
	Phase string
}

func (c *Config) setDefaults() error {
	switch {
	case c.Exploration < 0 || math.IsNaN(c.Exploration) || math.IsInf(c.Exploration, 0):
		return solvers.InvalidSetting("Exploration", "%v (want a finite value ≥ 0)", c.Exploration)
	case c.Backup != Mean && c.Backup != Max:
		return solvers.InvalidSetting("Backup", "unknown backup %d", int(c.Backup))
	case c.Widening < 0 || math.IsNaN(c.Widening):
		return solvers.InvalidSetting("Widening", "%v (want ≥ 0)", c.Widening)
	case c.WideningExponent < 0 || c.WideningExponent > 1:
		return solvers.InvalidSetting("WideningExponent", "%v (want 0…1)", c.WideningExponent)
	case c.VirtualLoss < 0:
		return solvers.InvalidSetting("VirtualLoss", "%d is negative", c.VirtualLoss)
	case c.MaxNodes < 0:
		return solvers.InvalidSetting("MaxNodes", "%d is negative", c.MaxNodes)
	}
	if c.Exploration == 0 {
		c.Exploration = 1
	}
	if c.WideningExponent == 0 {
		c.WideningExponent = 0.5
	}
	if c.VirtualLoss == 0 {
		c.VirtualLoss = 1
	}
	if c.MaxNodes == 0 {
		c.MaxNodes = 1 << 20
	}
	c.MaxNodes = max(c.MaxNodes, 1)
	return nil
}

// TreeStats count the work of a Tree since New.
type TreeStats struct {
	Simulations int64 `json:"simulations"`
	Expansions  int64 `json:"expansions"`
	Commits     int64 `json:"commits"`
	// ArenaFull counts leaves left unexpanded because the arena was full.
	ArenaFull int64 `json:"arena_full"`
	// MaxNodes is the largest number of nodes the tree held.
	MaxNodes int `json:"max_nodes"`
}

const (
	flagExpanded uint8 = 1 << iota
	flagTerminal
	flagExpanding // a worker is computing this leaf's priors
	flagSolved    // terminal, or every child solved: simulating it again teaches nothing
)

// node is one state of the tree, stored in the arena; its children are
// contiguous, sorted by decreasing prior.
type node struct {
	first   int32 // arena index of the first child
	n       int32 // number of children
	nSolved int32 // children solved
	visits  int32
	vloss   int32
	action  int32 // the action leading here from the parent
	flags   uint8
	prior   float64
	sum     float64 // of backed-up values
	best    float64 // largest backed-up value
	terminV float64 // a terminal node's value
}

type child struct {
	prior float64
	a     int32
}

// byPriorDesc orders children by decreasing prior, ties to the smaller action.
func byPriorDesc(x, y child) int {
	if c := cmp.Compare(y.prior, x.prior); c != 0 {
		return c
	}
	return cmp.Compare(x.a, y.a)
}

type worker[S State[S]] struct {
	Worker[S]
	rng      *rand.Rand
	path     []int32 // arena indices from the root to the leaf
	acts     []int32 // the actions along path[1:]
	legal    []int32
	priors   []float64
	children []child
	trail    []int32 // actions of the current rollout
}

// Tree is a Monte Carlo tree search over a State: PUCT selection with policy
// priors, expansion of every action of a leaf at once (optionally offered by
// progressive widening), evaluation by the Evaluator, and back-propagation of
// the mean or the best value. Nodes live in an arena that is compacted to the
// kept subtree when an action is committed, so a search allocates nothing per
// simulation once the arena has grown. Several workers run simulations
// concurrently: the tree is locked only to select, expand and back up, and
// virtual loss keeps them on different paths.
type Tree[S State[S]] struct {
	cfg     Config
	root    S
	nodes   []node
	spare   []node
	workers []*worker[S]
	lo, hi  float64 // range of backed-up values, for normalisation
	// best is the best complete sequence seen from the root, bestAt how much
	// of it has been committed, bestV its value.
	best   []int32
	bestAt int
	bestV  float64
	mu     sync.Mutex
	stats  TreeStats
}

// New returns a search tree rooted at root, which the tree owns from now on
// (Commit applies actions to it). Each worker's State is its scratch copy and
// must not be root; the number of workers is the number of threads.
func New[S State[S]](root S, workers []Worker[S], cfg Config) (*Tree[S], error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if len(workers) == 0 {
		return nil, solvers.InvalidSetting("workers", "none given")
	}
	t := &Tree[S]{cfg: cfg, root: root, lo: math.Inf(1), hi: math.Inf(-1), bestV: math.Inf(-1)}
	for i, w := range workers {
		t.workers = append(t.workers, &worker[S]{Worker: w, rng: solvers.NewRand(cfg.Seed, cfg.Phase, uint64(i))})
	}
	// A first block large enough for most searches between two commits keeps
	// the arena from growing (and allocating) during them.
	t.nodes = append(make([]node, 0, min(cfg.MaxNodes, 1<<16)), node{action: -1, best: math.Inf(-1)})
	t.stats.MaxNodes = 1
	return t, nil
}

// Root is the state the tree searches from.
func (t *Tree[S]) Root() S { return t.root }

// Stats returns the counts so far.
func (t *Tree[S]) Stats() TreeStats { return t.stats }

// Visits is the number of simulations through the root (counting those kept
// from before the last commit).
func (t *Tree[S]) Visits() int { return int(t.nodes[0].visits) }

// Search runs n simulations, fewer when b runs out or the tree is solved
// (every leaf below the root is terminal and known); each spends one
// iteration of b. The simulations run on all workers. b is consulted between
// simulations; with one worker the evaluations get b itself, with several
// each gets a budget on b's context, cancelled once b runs out (a clock set
// with Budget.WithClock is then seen between simulations only). It returns
// the number of simulations completed.
func (t *Tree[S]) Search(b *solvers.Budget, n int) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("%w: asked for %d", ErrNoSimulations, n)
	}
	return t.run(b, n, nil)
}

// run is Search that also stops once pace reports false.
func (t *Tree[S]) run(b *solvers.Budget, n int, pace func() bool) (int, error) {
	if t.root.Terminal() {
		return 0, nil
	}
	if len(t.workers) == 1 {
		w := t.workers[0]
		done := 0
		for ; done < n && !t.solved(0) && (pace == nil || pace()) && b.Check() && b.Spend(); done++ {
			if err := t.simulate(w, b); err != nil {
				return done, err
			}
		}
		return done, nil
	}
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	var (
		wg       sync.WaitGroup
		started  int
		done     int
		firstErr error
	)
	for _, w := range t.workers {
		wb := solvers.NewBudget(ctx, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t.mu.Lock()
				ok := firstErr == nil && started < n && !t.solved(0) && (pace == nil || pace()) && b.Check() && b.Spend()
				if ok {
					started++
				} else if b.Stopped() {
					cancel()
				}
				t.mu.Unlock()
				if !ok {
					return
				}
				err := t.simulate(w, wb)
				t.mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					done++
				}
				t.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done, firstErr
}

// simulate runs one simulation with worker w: select a leaf under the lock,
// evaluate it outside, back up under the lock.
func (t *Tree[S]) simulate(w *worker[S], b *solvers.Budget) error {
	t.mu.Lock()
	w.path = append(w.path[:0], 0)
	w.acts = w.acts[:0]
	v := int32(0)
	for t.nodes[v].flags&flagExpanded != 0 {
		c := t.selectChild(v)
		if c < 0 {
			// Under Max, another worker solved this subtree after the root
			// was checked.
			break
		}
		w.path = append(w.path, c)
		w.acts = append(w.acts, t.nodes[c].action)
		v = c
	}
	leaf := &t.nodes[v]
	// A terminal leaf, or a solved node where selection had to stop, has an
	// exact value and needs no evaluation.
	known := leaf.flags&(flagTerminal|flagExpanded) != 0
	value := leaf.terminV
	if leaf.flags&flagExpanded != 0 {
		value = leaf.best
	}
	expand := !known && leaf.flags&flagExpanding == 0 && len(t.nodes) < t.cfg.MaxNodes
	if expand {
		leaf.flags |= flagExpanding
	}
	terminal := leaf.flags&flagTerminal != 0
	vl := int32(t.cfg.VirtualLoss)
	if len(t.workers) > 1 {
		for _, p := range w.path {
			t.nodes[p].vloss += vl
		}
	}
	t.mu.Unlock()

	var err error
	w.legal, w.children, w.trail = w.legal[:0], w.children[:0], w.trail[:0]
	complete := terminal
	if !known {
		terminal, complete, value, err = t.evaluate(w, expand, b)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.workers) > 1 {
		for _, p := range w.path {
			t.nodes[p].vloss -= vl
		}
	}
	if expand {
		t.nodes[v].flags &^= flagExpanding
	}
	if err != nil {
		return err
	}
	if terminal && t.nodes[v].flags&flagTerminal == 0 {
		t.nodes[v].flags |= flagTerminal
		t.nodes[v].terminV = value
		t.solve(w.path)
	} else if expand {
		t.attach(v, w.children, false)
	}
	for _, p := range w.path {
		nd := &t.nodes[p]
		nd.visits++
		nd.sum += value
		nd.best = max(nd.best, value)
	}
	t.lo, t.hi = min(t.lo, value), max(t.hi, value)
	if value > t.bestV && complete {
		t.bestV = value
		t.best = append(append(t.best[:0], w.acts...), w.trail...)
		t.bestAt = 0
	}
	t.stats.Simulations++
	return nil
}

// evaluate brings w's state to the leaf at the end of w.acts, collects its
// actions and priors into w.children when it is to be expanded, and returns
// its value; complete says whether w.acts and w.trail reach a terminal state.
func (t *Tree[S]) evaluate(w *worker[S], expand bool, b *solvers.Budget) (terminal, complete bool, value float64, err error) {
	s := w.State
	s.CopyFrom(t.root)
	for _, a := range w.acts {
		if err := s.Apply(a); err != nil {
			return false, false, 0, err
		}
	}
	if s.Terminal() {
		return true, true, s.Value(), nil
	}
	if expand {
		if err := w.expand(s); err != nil {
			return false, false, 0, err
		}
	}
	value, w.trail, complete, err = w.Eval.Evaluate(s, w.rng, b, w.trail)
	if err == nil && math.IsNaN(value) {
		err = errors.New("mcts: the evaluator returned NaN")
	}
	return false, complete, value, err
}

// expand fills w.children with s's actions and their normalised priors,
// sorted by decreasing prior.
func (w *worker[S]) expand(s S) error {
	w.legal = s.Actions(w.legal[:0])
	if len(w.legal) == 0 {
		return ErrNoActions
	}
	w.priors = slices.Grow(w.priors[:0], len(w.legal))[:len(w.legal)]
	if len(w.legal) == 1 {
		w.priors[0] = 1
	} else if err := w.Eval.Priors(s, w.legal, w.priors); err != nil {
		return err
	}
	sum := 0.0
	for i, p := range w.priors {
		if !(p >= 0) || math.IsInf(p, 0) {
			return fmt.Errorf("%w: prior %v for action %d", ErrBadPriors, p, w.legal[i])
		}
		sum += p
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return fmt.Errorf("%w: they sum to %v", ErrBadPriors, sum)
	}
	w.children = w.children[:0]
	for i, a := range w.legal {
		w.children = append(w.children, child{w.priors[i] / sum, a})
	}
	slices.SortFunc(w.children, byPriorDesc)
	return nil
}

// attach gives node v the children computed by a worker, when the arena has
// room for them or force is set.
func (t *Tree[S]) attach(v int32, cs []child, force bool) {
	if !force && len(t.nodes)+len(cs) > t.cfg.MaxNodes {
		t.stats.ArenaFull++
		return
	}
	first := int32(len(t.nodes))
	for _, c := range cs {
		t.nodes = append(t.nodes, node{action: c.a, prior: c.prior, best: math.Inf(-1)})
	}
	nd := &t.nodes[v]
	nd.first, nd.n = first, int32(len(cs))
	nd.flags |= flagExpanded
	t.stats.Expansions++
	t.stats.MaxNodes = max(t.stats.MaxNodes, len(t.nodes))
}

// solve marks the last node of path solved and every ancestor all of whose
// children are now solved.
func (t *Tree[S]) solve(path []int32) {
	t.nodes[path[len(path)-1]].flags |= flagSolved
	for i := len(path) - 1; i > 0; i-- {
		p := &t.nodes[path[i-1]]
		if p.nSolved++; p.nSolved < p.n {
			return
		}
		p.flags |= flagSolved
	}
}

// solved reports whether node v's subtree is fully known.
func (t *Tree[S]) solved(v int32) bool { return t.nodes[v].flags&flagSolved != 0 }

// norm maps a value into [0, 1] by the range seen so far.
func (t *Tree[S]) norm(x float64) float64 {
	if !(t.hi > t.lo) {
		return 0.5
	}
	return (x - t.lo) / (t.hi - t.lo)
}

// selectChild is PUCT over the children v offers (with progressive
// widening, the first ones in prior order), leaving out solved ones under Max
// backup. A child's q is its normalised mean or best value, diluted by
// virtual losses; an unvisited child starts from the parent's normalised
// mean. It returns -1 when every child is solved.
func (t *Tree[S]) selectChild(v int32) int32 {
	p := &t.nodes[v]
	offer := p.n
	if t.cfg.Widening > 0 {
		k := int32(math.Ceil(t.cfg.Widening * math.Pow(float64(p.visits), t.cfg.WideningExponent)))
		offer = max(k, 1)
	}
	fpu := 0.5
	if p.visits > 0 {
		fpu = t.norm(p.sum / float64(p.visits))
	}
	sqrtN := math.Sqrt(float64(max(p.visits+p.vloss, 1)))
	best, bestScore := int32(-1), math.Inf(-1)
	for c := p.first; c < p.first+p.n && offer > 0; c++ {
		nd := &t.nodes[c]
		if nd.flags&flagSolved != 0 && t.cfg.Backup == Max {
			// Its best value is exact; under Mean, visits still count.
			continue
		}
		offer--
		n := nd.visits + nd.vloss
		q := fpu
		if n > 0 {
			q = 0
			if nd.visits > 0 {
				q = t.norm(t.value(nd)) * float64(nd.visits) / float64(n)
			}
		}
		if s := q + t.cfg.Exploration*nd.prior*sqrtN/float64(1+n); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// value is a visited node's mean or best value.
func (t *Tree[S]) value(nd *node) float64 {
	if t.cfg.Backup == Max {
		return nd.best
	}
	return nd.sum / float64(nd.visits)
}

// Best returns the root action to commit: with Mean the child with the most
// visits; with Max the next action of the best complete sequence seen, or,
// when that sequence has left the tree's knowledge, the child of best value;
// ties go to more visits, then higher value, then higher prior; before any
// visit, the action of highest prior. ok is false when the root is terminal.
// An unexpanded root is expanded first (its priors are computed by the first
// worker).
func (t *Tree[S]) Best() (a int32, ok bool, err error) {
	if t.root.Terminal() {
		return 0, false, nil
	}
	if err := t.expandRoot(); err != nil {
		return 0, false, err
	}
	r := &t.nodes[0]
	best := r.first
	for c := r.first + 1; c < r.first+r.n; c++ {
		if t.better(&t.nodes[c], &t.nodes[best]) {
			best = c
		}
	}
	if t.cfg.Backup == Max && t.bestAt < len(t.best) && t.bestV >= t.value(&t.nodes[best]) {
		next := t.best[t.bestAt]
		for c := r.first; c < r.first+r.n; c++ {
			if t.nodes[c].action == next {
				return next, true, nil
			}
		}
	}
	return t.nodes[best].action, true, nil
}

// better orders candidate commitments; children are sorted by prior, so the
// first of equals has the higher prior.
func (t *Tree[S]) better(x, y *node) bool {
	if (x.visits > 0) != (y.visits > 0) {
		return x.visits > 0
	}
	if x.visits == 0 {
		return false
	}
	if t.cfg.Backup == Max && x.best != y.best {
		return x.best > y.best
	}
	if x.visits != y.visits {
		return x.visits > y.visits
	}
	return t.value(x) > t.value(y)
}

// expandRoot gives an unexpanded root its children without evaluating it.
func (t *Tree[S]) expandRoot() error {
	if t.nodes[0].flags&flagExpanded != 0 {
		return nil
	}
	w := t.workers[0]
	if err := w.expand(t.root); err != nil {
		return err
	}
	// Committing needs the root's children, so they get room even in a full
	// arena.
	t.attach(0, w.children, true)
	return nil
}

// Commit applies action a to the root and keeps the subtree below it as the
// new tree (its statistics included), compacted in place of the old one.
func (t *Tree[S]) Commit(a int32) error {
	if err := t.expandRoot(); err != nil {
		return err
	}
	r := t.nodes[0]
	c := int32(-1)
	for i := r.first; i < r.first+r.n; i++ {
		if t.nodes[i].action == a {
			c = i
			break
		}
	}
	if c < 0 {
		return fmt.Errorf("mcts: action %d is not legal at the root", a)
	}
	if err := t.root.Apply(a); err != nil {
		return err
	}
	if t.bestAt < len(t.best) && t.best[t.bestAt] == a {
		t.bestAt++
	} else {
		t.best, t.bestAt, t.bestV = t.best[:0], 0, math.Inf(-1)
	}
	t.spare = append(t.spare[:0], t.nodes[c])
	t.spare[0].action = -1
	// The values of the discarded part no longer matter: normalise by the
	// range of the kept subtree, so differences deep in a construction stay
	// visible.
	t.lo, t.hi = math.Inf(1), math.Inf(-1)
	for i := 0; i < len(t.spare); i++ {
		nd := &t.spare[i]
		if nd.visits > 0 {
			v := t.value(nd)
			t.lo, t.hi = min(t.lo, v), max(t.hi, v)
		}
		if nd.flags&flagExpanded == 0 {
			continue
		}
		first := int32(len(t.spare))
		t.spare = append(t.spare, t.nodes[nd.first:nd.first+nd.n]...)
		t.spare[i].first = first // nd may have moved with the append
	}
	t.nodes, t.spare = t.spare, t.nodes
	t.stats.Commits++
	return nil
}

// Construct builds a complete decision sequence: before each commitment it
// runs simulations until the root has been visited perMove times (counting
// the visits kept from earlier searches) or pace, when not nil, reports that
// this move has had its share (pace is asked before every simulation, so a
// move may be committed on its priors alone); a root with a single action is
// committed at once. b is checked before every move too, so a pace that
// stops granting simulations cannot outrun it. It returns when the root is
// terminal or b has run out, leaving the partial sequence in Root.
func (t *Tree[S]) Construct(b *solvers.Budget, perMove int, pace func() bool) error {
	if perMove < 1 {
		return fmt.Errorf("%w: %d simulations per move", ErrNoSimulations, perMove)
	}
	for !t.root.Terminal() && b.Check() {
		if err := t.expandRoot(); err != nil {
			return err
		}
		if r := t.nodes[0]; r.n > 1 && int(r.visits) < perMove {
			if _, err := t.run(b, perMove-int(r.visits), pace); err != nil {
				return err
			}
		}
		if b.Stopped() {
			return nil
		}
		a, _, err := t.Best()
		if err != nil {
			return err
		}
		if err := t.Commit(a); err != nil {
			return err
		}
	}
	return nil
}
