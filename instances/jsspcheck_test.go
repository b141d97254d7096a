package instances

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// serialSchedule is the simplest schedule generator: it takes the operations in the
// order given by seq (each job id appears once per operation, k-th occurrence = k-th
// operation) and starts each as early as its job and machine allow, after everything
// already placed on that machine.
func serialSchedule(js *JobShop, seq []int) [][]int {
	starts := make([][]int, len(js.Jobs))
	next := make([]int, len(js.Jobs))
	jobReady := make([]int, len(js.Jobs))
	machReady := make([]int, js.Machines)
	for j := range starts {
		starts[j] = make([]int, len(js.Jobs[j]))
	}
	for _, j := range seq {
		k := next[j]
		op := js.Jobs[j][k]
		s := max(jobReady[j], machReady[op.Machine])
		starts[j][k] = s
		jobReady[j] = s + op.Duration
		machReady[op.Machine] = s + op.Duration
		next[j]++
	}
	return starts
}

func randomSequence(js *JobShop, rng *rand.Rand) []int {
	var seq []int
	for j, ops := range js.Jobs {
		for range ops {
			seq = append(seq, j)
		}
	}
	rng.Shuffle(len(seq), func(a, b int) { seq[a], seq[b] = seq[b], seq[a] })
	return seq
}

// bruteForceCheck is a second, quadratic checker: feasible and makespan, or false.
// Zero-length intervals are empty sets and never intersect anything.
func bruteForceCheck(js *JobShop, starts [][]int) (int, bool) {
	type iv struct{ m, s, e int }
	var all []iv
	makespan := 0
	for j, ops := range js.Jobs {
		for k, op := range ops {
			s := starts[j][k]
			if s < 0 || (k > 0 && s < starts[j][k-1]+ops[k-1].Duration) {
				return 0, false
			}
			all = append(all, iv{op.Machine, s, s + op.Duration})
			makespan = max(makespan, s+op.Duration)
		}
	}
	for a := range all {
		for b := a + 1; b < len(all); b++ {
			x, y := all[a], all[b]
			if x.m == y.m && x.s < x.e && y.s < y.e && x.s < y.e && y.s < x.e {
				return 0, false
			}
		}
	}
	return makespan, true
}

func tiny3x3() *JobShop {
	return &JobShop{Name: "tiny3x3", Machines: 3, Jobs: [][]Operation{ops(0, 3, 1, 2, 2, 2), ops(0, 2, 2, 1, 1, 4), ops(1, 4, 2, 3, 0, 1)}}
}

func TestCheckScheduleAcceptsSerialSchedules(t *testing.T) {
	js := tiny3x3()
	// Job after job: the example worked by hand in ExampleLoadJobShop.
	starts := serialSchedule(js, []int{0, 0, 0, 1, 1, 1, 2, 2, 2})
	if got, err := CheckSchedule(js, starts); err != nil || got != 20 {
		t.Fatalf("CheckSchedule = %d, %v; want 20", got, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		inst := GenerateJobShop(1+rng.IntN(8), 1+rng.IntN(6), rng.Uint64())
		starts := serialSchedule(inst, randomSequence(inst, rng))
		got, err := CheckSchedule(inst, starts)
		want, ok := bruteForceCheck(inst, starts)
		if err != nil || !ok || got != want {
			t.Fatalf("trial %d: CheckSchedule = %d, %v; brute force %d, %v", trial, got, err, want, ok)
		}
	}
}

// TestCheckScheduleAgreesWithBruteForce perturbs valid schedules so that many become
// infeasible and compares the verdicts of the two checkers.
func TestCheckScheduleAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rejected := 0
	for trial := 0; trial < 2000; trial++ {
		inst := GenerateJobShop(1+rng.IntN(6), 1+rng.IntN(5), rng.Uint64())
		if rng.IntN(3) == 0 { // some zero durations, which never conflict
			for _, o := range inst.Jobs {
				o[rng.IntN(len(o))].Duration = 0
			}
		}
		starts := serialSchedule(inst, randomSequence(inst, rng))
		for n := rng.IntN(3); n >= 0; n-- {
			j := rng.IntN(len(starts))
			starts[j][rng.IntN(len(starts[j]))] += rng.IntN(120) - 60
		}
		got, err := CheckSchedule(inst, starts)
		want, ok := bruteForceCheck(inst, starts)
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("trial %d: CheckSchedule = %d, %v; brute force %d, %v\n%v\n%v", trial, got, err, want, ok, inst.Jobs, starts)
		}
		if err != nil {
			rejected++
			if !errors.Is(err, ErrInvalidSolution) {
				t.Fatalf("error %v does not wrap ErrInvalidSolution", err)
			}
		}
	}
	if rejected < 500 || rejected > 1800 {
		t.Errorf("%d of 2000 perturbed schedules rejected; the test no longer mixes both cases", rejected)
	}
}

func TestCheckScheduleViolations(t *testing.T) {
	valid := func() [][]int { return [][]int{{0, 3, 5}, {3, 7, 8}, {12, 16, 19}} }
	tests := []struct {
		name   string
		js     *JobShop
		starts func() [][]int
		want   ScheduleViolation
		msg    string
	}{
		{"too_few_jobs", tiny3x3(), func() [][]int { return valid()[:2] },
			ScheduleViolation{Kind: "shape", Job: -1, Op: 2, OtherJob: -1, OtherOp: 3, Machine: -1, Start: -1, End: -1, OtherStart: -1, OtherEnd: -1},
			"invalid solution: shape: schedule has 2 jobs, instance has 3"},
		{"short_job", tiny3x3(), func() [][]int { s := valid(); s[1] = s[1][:2]; return s },
			ScheduleViolation{Kind: "shape", Job: 1, Op: 2, OtherJob: -1, OtherOp: 3, Machine: -1, Start: -1, End: -1, OtherStart: -1, OtherEnd: -1},
			"invalid solution: shape: job 1 has 2 start times, instance job has 3 operations"},
		{"negative", tiny3x3(), func() [][]int { s := valid(); s[2][0] = -1; return s },
			ScheduleViolation{Kind: "negative-start", Job: 2, Op: 0, OtherJob: -1, OtherOp: -1, Machine: 1, Start: -1, End: 3, OtherStart: -1, OtherEnd: -1},
			"invalid solution: negative-start: job 2 operation 0 (machine 1) starts at -1 < 0"},
		{"overflow", tiny3x3(), func() [][]int { s := valid(); s[2][2] = math.MaxInt; return s },
			ScheduleViolation{Kind: "start-range", Job: 2, Op: 2, OtherJob: -1, OtherOp: -1, Machine: 0, Start: math.MaxInt, End: -1, OtherStart: -1, OtherEnd: -1},
			"invalid solution: start-range: job 2 operation 2 (machine 0): start 9223372036854775807 plus its duration overflows"},
		{"precedence", tiny3x3(), func() [][]int { s := valid(); s[0][1] = 2; return s },
			ScheduleViolation{Kind: "precedence", Job: 0, Op: 1, OtherJob: 0, OtherOp: 0, Machine: 1, Start: 2, End: 4, OtherStart: 0, OtherEnd: 3},
			"invalid solution: precedence: job 0: operation 1 (machine 1) starts at 2 before operation 0 ends at 3"},
		{"overlap", tiny3x3(), func() [][]int { s := valid(); s[1][0] = 2; return s },
			ScheduleViolation{Kind: "overlap", Job: 0, Op: 0, OtherJob: 1, OtherOp: 0, Machine: 0, Start: 0, End: 3, OtherStart: 2, OtherEnd: 4},
			"invalid solution: overlap: machine 0: job 0 operation 0 [0, 3) overlaps job 1 operation 0 [2, 4)"},
		{"same_start", tiny3x3(), func() [][]int { s := valid(); s[2][0], s[2][1], s[2][2] = 8, 16, 19; return s },
			ScheduleViolation{Kind: "overlap", Job: 1, Op: 2, OtherJob: 2, OtherOp: 0, Machine: 1, Start: 8, End: 12, OtherStart: 8, OtherEnd: 12},
			"invalid solution: overlap: machine 1: job 1 operation 2 [8, 12) overlaps job 2 operation 0 [8, 12)"},
		// A long operation containing a later short one on the same machine.
		{"contained", &JobShop{Name: "c", Machines: 1, Jobs: [][]Operation{ops(0, 10), ops(0, 2)}}, func() [][]int { return [][]int{{0}, {4}} },
			ScheduleViolation{Kind: "overlap", Job: 0, Op: 0, OtherJob: 1, OtherOp: 0, Machine: 0, Start: 0, End: 10, OtherStart: 4, OtherEnd: 6},
			"invalid solution: overlap: machine 0: job 0 operation 0 [0, 10) overlaps job 1 operation 0 [4, 6)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckSchedule(tc.js, tc.starts())
			var v *ScheduleViolation
			if !errors.As(err, &v) || !errors.Is(err, ErrInvalidSolution) {
				t.Fatalf("got %v, want a *ScheduleViolation", err)
			}
			if *v != tc.want {
				t.Errorf("got %+v\nwant %+v", *v, tc.want)
			}
			if err.Error() != tc.msg {
				t.Errorf("message %q\nwant    %q", err, tc.msg)
			}
		})
	}
}

func TestCheckScheduleZeroDurations(t *testing.T) {
	// A zero-length operation may sit anywhere, even inside another's interval on
	// its machine, and two of them may share a start.
	js := &JobShop{Name: "z", Machines: 2, Jobs: [][]Operation{ops(0, 10, 1, 0), ops(0, 0, 1, 5), ops(0, 0)}}
	got, err := CheckSchedule(js, [][]int{{0, 10}, {5, 5}, {5}})
	if err != nil || got != 10 {
		t.Fatalf("CheckSchedule = %d, %v; want 10", got, err)
	}
}

func TestScheduleCheckObjective(t *testing.T) {
	js := tiny3x3()
	s := &Schedule{Instance: "tiny3x3", Objective: 20, Starts: [][]int{{0, 3, 5}, {3, 7, 8}, {12, 16, 19}}}
	if got, err := s.Check(js); err != nil || got != 20 {
		t.Fatalf("Check = %d, %v", got, err)
	}
	s.Objective = 21
	_, err := s.Check(js)
	var v *ScheduleViolation
	if !errors.As(err, &v) || v.Kind != ViolationObjective || v.Start != 21 || v.End != 20 {
		t.Fatalf("got %v", err)
	}
	if err.Error() != "invalid solution: objective: stated objective 21 but the makespan is 20" {
		t.Errorf("message %q", err)
	}
	bad := &JobShop{Name: "bad", Machines: 1, Jobs: [][]Operation{ops(3, 1)}}
	if _, err := CheckSchedule(bad, [][]int{{0}}); !errors.Is(err, ErrInvalidInstance) {
		t.Errorf("invalid instance: %v", err)
	}
}

func BenchmarkCheckSchedule(b *testing.B) {
	js := GenerateJobShop(1000, 100, 1)
	starts := serialSchedule(js, randomSequence(js, rand.New(rand.NewPCG(5, 6))))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckSchedule(js, starts); err != nil {
			b.Fatal(err)
		}
	}
}
