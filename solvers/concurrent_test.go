package solvers_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/cosolve/cosolve/solvers"
)

// TestEightConcurrentSolves runs eight library calls at once, the three
// solvers mixed, one thread each, and compares each with the same call made
// alone: run under -race (test.sh does), it shows the solvers share no state
// between calls; the comparison shows no call leaks into another's result.
func TestEightConcurrentSolves(t *testing.T) {
	tspS, jsspS, robustS := subjects(t)
	type call struct {
		name string
		run  func() (any, error)
	}
	var calls []call
	for i := range 8 {
		seed := uint64(1 + i/3)
		l := solvers.Limits{Seed: seed, Threads: 1}
		var c call
		switch i % 3 {
		case 0:
			c = call{fmt.Sprintf("tsp seed %d", seed), repeatable(tspS, l)}
		case 1:
			c = call{fmt.Sprintf("jssp seed %d", seed), repeatable(jsspS, l)}
		default:
			c = call{fmt.Sprintf("robust seed %d", seed), repeatable(robustS, l)}
		}
		calls = append(calls, c)
	}
	alone := make([]any, len(calls))
	for i, c := range calls {
		r, err := c.run()
		if err != nil {
			t.Fatalf("%s alone: %v", c.name, err)
		}
		alone[i] = r
	}
	together := make([]any, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			together[i], errs[i] = c.run()
		}()
	}
	wg.Wait()
	for i, c := range calls {
		if errs[i] != nil {
			t.Errorf("%s with seven others: %v", c.name, errs[i])
		} else if !reflect.DeepEqual(alone[i], together[i]) {
			t.Errorf("%s with seven others differs from the same call alone", c.name)
		}
	}
}

// repeatable is a call of s with an iteration budget (a quarter of the
// contract test's: the race detector slows the calls some thirtyfold), which
// gives the same solution wherever and alongside whatever it runs; the result
// is the solution and its objective, checked by the independent checker.
func repeatable[S, St any](s subject[S, St], l solvers.Limits) func() (any, error) {
	l.MaxIterations = max(s.iterations/4, 1)
	return func() (any, error) {
		res, err := s.solve(context.Background(), l)
		if err != nil {
			return nil, err
		}
		if err := s.check(res.Solution); err != nil {
			return nil, fmt.Errorf("the solution fails the checker: %w", err)
		}
		return []any{res.Solution, res.Objective}, nil
	}
}
