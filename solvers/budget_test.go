package solvers

import (
	"context"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	b := NewBudget(context.Background(), 10)
	n := 0
	for b.Spend() {
		n++
	}
	if n != 10 || b.Reason() != IterationLimit || b.Iter() != 10 {
		t.Errorf("ran %d iterations, stop %v, iter %d; want 10, iteration-limit, 10", n, b.Reason(), b.Iter())
	}
	ctx, cancel := context.WithCancel(context.Background())
	b = NewBudget(ctx, 0)
	cancel()
	if b.Check() || b.Reason() != Canceled {
		t.Errorf("cancelled context: stop %v", b.Reason())
	}
	dctx, dcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer dcancel()
	b = NewBudget(dctx, 0)
	start := time.Now()
	for b.Poll() {
	}
	if b.Reason() != TimeLimit || time.Since(start) > 2*time.Second {
		t.Errorf("deadline: stop %v after %v", b.Reason(), time.Since(start))
	}
	if b.Remaining() > time.Second {
		t.Errorf("the context deadline must bound the budget, remaining %v", b.Remaining())
	}
	b = NewBudget(context.Background(), 100)
	for b.Progress(b.Iter() + 7) {
	}
	if b.Iter() != 105 || b.Reason() != IterationLimit {
		t.Errorf("Progress: iter %d stop %v, want 105 and iteration-limit", b.Iter(), b.Reason())
	}
	var clock time.Duration
	b = NewBudget(context.Background(), 0).WithClock(func() time.Duration { clock += time.Millisecond; return clock }, 5*time.Millisecond)
	for b.Check() {
	}
	if clock != 5*time.Millisecond || b.Reason() != TimeLimit {
		t.Errorf("clock: stopped at %v with %v", clock, b.Reason())
	}
	b = NewBudget(context.Background(), 0)
	b.Stop(Completed)
	b.Stop(TimeLimit)
	if b.Spend() || b.Reason() != Completed {
		t.Errorf("the first Stop must win: %v", b.Reason())
	}
}

func TestBudgetDoesNotAllocate(t *testing.T) {
	b := NewBudget(context.Background(), 0)
	if n := testing.AllocsPerRun(1000, func() { b.Spend(); b.Poll(); b.Check() }); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		in   []StopReason
		want StopReason
	}{
		{nil, Completed},
		{[]StopReason{Completed, IterationLimit}, IterationLimit},
		{[]StopReason{TimeLimit, IterationLimit, Completed}, TimeLimit},
		{[]StopReason{TimeLimit, Canceled}, Canceled},
	} {
		if got := Merge(tc.in...); got != tc.want {
			t.Errorf("Merge(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, l := range []Limits{{TimeLimit: -1}, {MaxIterations: -1}, {Threads: -1}} {
		if err := l.Validate(); err == nil {
			t.Errorf("%+v: no error", l)
		}
	}
	if err := (Limits{}).Validate(); err != nil {
		t.Error(err)
	}
	ctx, cancel := Limits{TimeLimit: time.Hour}.Context(context.Background())
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) < 59*time.Minute {
		t.Errorf("TimeLimit not applied: %v %v", d, ok)
	}
	if (Limits{}).Bounded(context.Background()) || !(Limits{MaxIterations: 1}).Bounded(context.Background()) {
		t.Error("Bounded")
	}
}
