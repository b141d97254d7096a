package jssp

import (
	"fmt"
	"math"
	"strings"
)

// Rule is a textbook priority dispatching rule, run non-delay in the environment:
// at each step the legal job with the smallest key is dispatched (ties to the
// lowest job id) and No-Op is never taken. For job j whose next operation is its
// k-th, with durations p_j0 … p_j(m-1):
//
//	SPT       p_jk
//	MWKR      −(p_jk + … + p_j(m−1))          (most work remaining)
//	MOPNR     −(m − k)                          (most operations remaining)
//	FDDMWKR   (p_j0 + … + p_jk) / (p_jk + … + p_j(m−1))
//	FIFO      end of the job's previous operation (0 for the first)
//
// FDD/MWKR with no remaining work (zero durations) has key +Inf.
type Rule int

const (
	SPT Rule = iota
	MWKR
	MOPNR
	FDDMWKR
	FIFO
)

var ruleNames = [...]string{"spt", "mwkr", "mopnr", "fdd-mwkr", "fifo"}

// Rules lists every rule.
var Rules = []Rule{SPT, MWKR, MOPNR, FDDMWKR, FIFO}

func (r Rule) String() string {
	if r < 0 || int(r) >= len(ruleNames) {
		return fmt.Sprintf("Rule(%d)", int(r))
	}
	return ruleNames[r]
}

// ParseRule reads a rule name as String writes it (case-insensitive; "fdd/mwkr"
// is accepted too).
func ParseRule(s string) (Rule, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "/", "-"))
	for i, n := range ruleNames {
		if n == s {
			return Rule(i), true
		}
	}
	return 0, false
}

// Name is the rule's name, for Stats and reports.
func (r Rule) Name() string { return r.String() }

// ruleTables holds per-operation prefix sums of durations.
type ruleTables struct {
	prefix []int // p_j0 + … + p_jk at operation k
	total  []int // per job
}

func newRuleTables(e *Env) *ruleTables {
	t := &ruleTables{prefix: make([]int, e.total), total: make([]int, e.J)}
	for j := 0; j < e.J; j++ {
		s := 0
		for k := int32(0); k < e.nops[j]; k++ {
			op := e.off[j] + k
			s += e.dur[op]
			t.prefix[op] = s
		}
		t.total[j] = s
	}
	return t
}

// key of job j (which must have a next operation) under rule r.
func (r Rule) key(e *Env, t *ruleTables, j int) float64 {
	k := e.done[j]
	prevEnd := 0
	if k > 0 {
		prev := e.off[j] + k - 1
		prevEnd = e.lb[prev] + e.dur[prev]
	}
	return r.keyAt(e, t, j, k, prevEnd)
}

// keyAt is the key of job j whose next operation is its k-th and whose
// previous one ends at prevEnd.
func (r Rule) keyAt(e *Env, t *ruleTables, j int, k int32, prevEnd int) float64 {
	op := e.off[j] + k
	p := e.dur[op]
	remaining := t.total[j] - t.prefix[op] + p
	switch r {
	case SPT:
		return float64(p)
	case MWKR:
		return -float64(remaining)
	case MOPNR:
		return -float64(e.nops[j] - k)
	case FDDMWKR:
		if remaining == 0 {
			return math.Inf(1)
		}
		return float64(t.prefix[op]) / float64(remaining)
	default: // FIFO
		if k == 0 {
			return 0
		}
		return float64(prevEnd)
	}
}

// pick returns the legal job with the smallest key, ties to the lowest id, or -1.
func (r Rule) pick(e *Env, t *ruleTables) int {
	best, bestKey := -1, math.Inf(1)
	for j := 0; j < e.J; j++ {
		if !e.legal[j] {
			continue
		}
		if k := r.key(e, t, j); best < 0 || k < bestKey {
			best, bestKey = j, k
		}
	}
	return best
}

// RunRule dispatches the environment to the end with rule r from its current
// state and returns the makespan.
func RunRule(e *Env, r Rule) int {
	t := newRuleTables(e)
	var one [1]int
	for !e.Done() {
		one[0] = r.pick(e, t)
		e.Step(one[:])
	}
	return e.Makespan()
}
