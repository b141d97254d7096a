package mcts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/cosolve/cosolve/solvers"
)

// TestReachesOptimum: on toy problems with a known optimum (5040 sequences;
// 4096 subsets), uniform priors and random rollouts, the best value seen from
// the root reaches the optimum within the stated number of simulations for
// five seeds, and Construct with 300 simulations per move commits an optimal
// sequence (seed 1).
func TestReachesOptimum(t *testing.T) {
	for _, tc := range []struct {
		toy    int
		backup Backup
		c      float64
		within int
	}{
		{0, Mean, 2, 3000},
		{0, Max, 2, 1500},
		{1, Mean, 1, 200},
		{1, Max, 1, 200},
	} {
		toy := toys()[tc.toy]
		t.Run(fmt.Sprintf("%s/%v/c=%v", toy.name, tc.backup, tc.c), func(t *testing.T) {
			for seed := uint64(0); seed < 5; seed++ {
				tr, err := toy.build(1, Config{Backup: tc.backup, Exploration: tc.c, Seed: seed, Phase: "test"})
				if err != nil {
					t.Fatal(err)
				}
				b := solvers.NewBudget(context.Background(), 0)
				n := 0
				for ; n < tc.within && !near(tr.rootBest(), toy.optimum); n++ {
					if _, err := tr.Search(b, 1); err != nil {
						t.Fatal(err)
					}
				}
				if !near(tr.rootBest(), toy.optimum) {
					t.Errorf("seed %d: best seen in %d simulations %v, optimum %v", seed, tc.within, tr.rootBest(), toy.optimum)
				}
			}
			tr, _ := toy.build(1, Config{Backup: tc.backup, Exploration: tc.c, Seed: 1, Phase: "test"})
			if err := tr.Construct(solvers.NewBudget(context.Background(), 0), 300, nil); err != nil {
				t.Fatal(err)
			}
			if !near(tr.rootValue(), toy.optimum) {
				t.Errorf("constructed %v (%s), optimum %v", tr.rootValue(), tr.rootSeq(), toy.optimum)
			}
		})
	}
}

// TestSameSeedSameResult: one worker and a seed give the same sequence and
// counts; another seed may differ but stays valid.
func TestSameSeedSameResult(t *testing.T) {
	for _, tc := range toys() {
		run := func(seed uint64) (string, TreeStats) {
			tr, err := tc.build(1, Config{Seed: seed, Phase: "test", Widening: 2})
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Construct(solvers.NewBudget(context.Background(), 0), 20, nil); err != nil {
				t.Fatal(err)
			}
			return tr.rootSeq(), tr.Stats()
		}
		a, sa := run(5)
		b, sb := run(5)
		if a != b || sa != sb {
			t.Errorf("%s: seed 5 gave %s %+v, then %s %+v", tc.name, a, sa, b, sb)
		}
	}
}

// TestNoAllocationPerSimulation: once the tree of the 7-job problem (13,700
// nodes) fits the arena's first block, a simulation — copy, descent,
// expansion, rollout, backup — allocates nothing.
func TestNoAllocationPerSimulation(t *testing.T) {
	p, w := seqInstance(7)
	for _, backup := range []Backup{Mean, Max} {
		tr, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, Config{Backup: backup, Widening: 1})
		if err != nil {
			t.Fatal(err)
		}
		b := solvers.NewBudget(context.Background(), 0)
		if _, err := tr.Search(b, 500); err != nil {
			t.Fatal(err)
		}
		before := tr.Stats().Expansions
		allocs := testing.AllocsPerRun(2000, func() {
			if _, err := tr.Search(b, 1); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per simulation", backup, allocs)
		}
		if n := tr.Stats().Expansions - before; n < 100 {
			t.Errorf("%v: the measured simulations expanded only %d leaves", backup, n)
		}
	}
}

// TestThreads: four workers with virtual loss share one tree (run with -race);
// every simulation is backed up once and the optimum is still found.
func TestThreads(t *testing.T) {
	for _, tc := range toys() {
		tr, err := tc.build(4, Config{Backup: Max, Seed: 2, Phase: "test", VirtualLoss: 3})
		if err != nil {
			t.Fatal(err)
		}
		b := solvers.NewBudget(context.Background(), 0)
		n, err := tr.Search(b, 2000)
		if err != nil || n != 2000 || tr.Visits() != 2000 || b.Iter() != 2000 {
			t.Fatalf("%s: %d simulations, %d visits, %d iterations, %v", tc.name, n, tr.Visits(), b.Iter(), err)
		}
		if err := tr.Construct(b, 200, nil); err != nil {
			t.Fatal(err)
		}
		if !near(tr.rootValue(), tc.optimum) {
			t.Errorf("%s: 4 workers constructed %v, optimum %v", tc.name, tr.rootValue(), tc.optimum)
		}
	}
}

// TestCommitKeepsSubtree: after a commit the root carries the statistics the
// chosen child had, and the new tree holds only that subtree.
func TestCommitKeepsSubtree(t *testing.T) {
	p, w := seqInstance(8)
	tr, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Search(solvers.NewBudget(context.Background(), 0), 1000); err != nil {
		t.Fatal(err)
	}
	a, ok, err := tr.Best()
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	var kept node
	most := int32(0)
	r := tr.nodes[0]
	for c := r.first; c < r.first+r.n; c++ {
		if tr.nodes[c].action == a {
			kept = tr.nodes[c]
		}
		most = max(most, tr.nodes[c].visits)
	}
	if kept.visits != most {
		t.Errorf("Best chose action %d with %d visits; the most visited child has %d", a, kept.visits, most)
	}
	before := len(tr.nodes)
	if err := tr.Commit(a); err != nil {
		t.Fatal(err)
	}
	if got := tr.nodes[0]; got.visits != kept.visits || got.sum != kept.sum || got.n != kept.n {
		t.Errorf("root after commit: %+v, child before: %+v", got, kept)
	}
	if len(tr.nodes) >= before || len(tr.Root().seq) != 1 || tr.Root().seq[0] != a {
		t.Errorf("%d nodes before, %d after; root sequence %v", before, len(tr.nodes), tr.Root().seq)
	}
	if err := tr.Commit(a); err == nil {
		t.Error("committing an action no longer legal must fail")
	}
}

// TestWidening: with progressive widening (1·√N) the root offers its
// children one by one, in prior order.
func TestWidening(t *testing.T) {
	p, w := seqInstance(8)
	tr, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, Config{Widening: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Search(solvers.NewBudget(context.Background(), 0), 16); err != nil {
		t.Fatal(err)
	}
	r := tr.nodes[0]
	visited := 0
	for c := r.first; c < r.first+r.n; c++ {
		if tr.nodes[c].visits > 0 {
			visited++
		}
	}
	// After the 16th simulation the root was visited 15 times when it chose:
	// ⌈√15⌉ = 4 children at most.
	if visited > 4 || visited < 2 {
		t.Errorf("%d children visited after 16 simulations with √N widening", visited)
	}
}

// TestBudget: a cancelled context runs no simulation; an iteration budget
// bounds Search and Construct, which then leaves a partial sequence.
func TestBudget(t *testing.T) {
	p, w := seqInstance(8)
	fresh := func() *seqState { return newSeq(p, w) }
	tr, _ := newTree(fresh(), fresh, 1, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := solvers.NewBudget(ctx, 0)
	if n, err := tr.Search(b, 10); n != 0 || err != nil || b.Reason() != solvers.Canceled {
		t.Errorf("cancelled: %d simulations, %v, %v", n, err, b.Reason())
	}
	tr, _ = newTree(fresh(), fresh, 2, Config{})
	b = solvers.NewBudget(context.Background(), 50)
	if n, err := tr.Search(b, 100); n != 50 || err != nil || b.Reason() != solvers.IterationLimit {
		t.Errorf("iteration budget 50: %d simulations, %v, %v", n, err, b.Reason())
	}
	tr, _ = newTree(fresh(), fresh, 1, Config{})
	b = solvers.NewBudget(context.Background(), 30)
	if err := tr.Construct(b, 10, nil); err != nil || tr.Root().Terminal() || len(tr.Root().seq) == 0 {
		t.Errorf("Construct under 30 simulations: %v, sequence %v", err, tr.Root().seq)
	}
	// A pace that never grants a simulation commits on priors alone.
	tr, _ = newTree(fresh(), fresh, 1, Config{})
	if err := tr.Construct(solvers.NewBudget(context.Background(), 0), 10, func() bool { return false }); err != nil || !tr.Root().Terminal() || tr.Stats().Simulations != 0 {
		t.Errorf("paced to zero: %v, terminal %v, %d simulations", err, tr.Root().Terminal(), tr.Stats().Simulations)
	}
}

// deadEnd is a state that is not terminal but has no action.
type deadEnd struct{ seqState }

func (d *deadEnd) Actions(buf []int32) []int32 { return buf }
func (d *deadEnd) CopyFrom(src *deadEnd)       { d.seqState.CopyFrom(&src.seqState) }

// TestBadInput: NaN, negative or all-zero priors, zero simulations, a dead
// end and bad settings are errors, never panics.
func TestBadInput(t *testing.T) {
	p, w := seqInstance(8)
	b := func() *solvers.Budget { return solvers.NewBudget(context.Background(), 0) }
	for _, prior := range []float64{math.NaN(), -1, 0, math.Inf(1)} {
		ws := []Worker[*seqState]{{State: newSeq(p, w), Eval: &badPriors[*seqState]{p: prior}}}
		tr, err := New(newSeq(p, w), ws, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Search(b(), 5); !errors.Is(err, ErrBadPriors) {
			t.Errorf("prior %v: %v", prior, err)
		}
		if _, _, err := tr.Best(); !errors.Is(err, ErrBadPriors) {
			t.Errorf("prior %v, Best: %v", prior, err)
		}
	}
	tr, _ := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, Config{})
	if _, err := tr.Search(b(), 0); !errors.Is(err, ErrNoSimulations) {
		t.Errorf("zero simulations: %v", err)
	}
	if err := tr.Construct(b(), 0, nil); !errors.Is(err, ErrNoSimulations) {
		t.Errorf("Construct with zero simulations per move: %v", err)
	}
	dead := func() *deadEnd { return &deadEnd{*newSeq(p, w)} }
	dt, _ := New(dead(), []Worker[*deadEnd]{{State: dead(), Eval: &uniform[*deadEnd]{}}}, Config{})
	if _, err := dt.Search(b(), 1); !errors.Is(err, ErrNoActions) {
		t.Errorf("dead end: %v", err)
	}
	if err := dt.Construct(b(), 1, nil); !errors.Is(err, ErrNoActions) {
		t.Errorf("dead end, Construct: %v", err)
	}
	for _, cfg := range []Config{{Exploration: -1}, {Exploration: math.NaN()}, {Backup: 7}, {Widening: -1}, {WideningExponent: 2}, {VirtualLoss: -1}, {MaxNodes: -1}} {
		if _, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, cfg); !errors.Is(err, solvers.ErrInvalidSettings) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if _, err := New(newSeq(p, w), nil, Config{}); !errors.Is(err, solvers.ErrInvalidSettings) {
		t.Errorf("no workers: %v", err)
	}
}

// TestFullArena: with room for a few nodes the search still runs, counts the
// leaves it could not expand, and Construct still completes.
func TestFullArena(t *testing.T) {
	p, w := seqInstance(8)
	tr, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, 1, Config{MaxNodes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Construct(solvers.NewBudget(context.Background(), 0), 50, nil); err != nil {
		t.Fatal(err)
	}
	if !tr.Root().Terminal() || tr.Stats().ArenaFull == 0 || tr.Stats().MaxNodes > 20 {
		t.Errorf("terminal %v, stats %+v", tr.Root().Terminal(), tr.Stats())
	}
}

// TestSolvedTree: under max backup, once every leaf of a small tree (4 jobs,
// 24 sequences) is known, the search stops by itself with the exact optimum,
// on one worker and on four. One worker needs fewer than 1000 simulations;
// four may need many more, since while one of them expands the last open
// leaf, the others keep rolling out from it (tens of thousands of toy
// rollouts when the expanding worker is descheduled), so they only have to
// stop before the 100000 asked for.
func TestSolvedTree(t *testing.T) {
	p, w := seqInstance(4)
	for _, threads := range []int{1, 4} {
		tr, err := newTree(newSeq(p, w), func() *seqState { return newSeq(p, w) }, threads, Config{})
		if err != nil {
			t.Fatal(err)
		}
		b := solvers.NewBudget(context.Background(), 0)
		n, err := tr.Search(b, 100000)
		if err != nil {
			t.Fatal(err)
		}
		if limit := map[int]int{1: 1000, 4: 100000}[threads]; n >= limit || !tr.solved(0) || !near(tr.nodes[0].best, smith(p, w)) {
			t.Errorf("%d workers: %d simulations, solved %v, best %v, optimum %v", threads, n, tr.solved(0), tr.nodes[0].best, smith(p, w))
		}
		if err := tr.Construct(b, 1000, nil); err != nil || !near(tr.Root().Value(), smith(p, w)) || tr.Stats().Simulations != int64(n) {
			t.Errorf("%d workers: constructing a solved tree: %v, value %v, %d simulations", threads, err, tr.Root().Value(), tr.Stats().Simulations)
		}
	}
}
