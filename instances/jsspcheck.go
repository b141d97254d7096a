package instances

import (
	"fmt"
	"math"
	"slices"
)

// Kinds of ScheduleViolation.
const (
	ViolationShape         = "shape"          // wrong number of jobs or of start times in a job
	ViolationNegativeStart = "negative-start" // a start time below zero
	ViolationStartRange    = "start-range"    // start + duration overflows an int
	ViolationPrecedence    = "precedence"     // an operation starts before its predecessor in the job ends
	ViolationOverlap       = "overlap"        // two operations share a machine at the same time
	ViolationObjective     = "objective"      // the stated objective differs from the makespan
)

// ScheduleViolation describes why a schedule is infeasible. Jobs and operations are
// 0-based; fields that do not apply to the Kind are -1. It wraps ErrInvalidSolution.
//
//   - shape: Job is -1 when the job count is wrong (Op = schedule's count, OtherOp =
//     instance's count), else the job whose start count (Op) differs from its
//     operation count (OtherOp).
//   - negative-start, start-range: Job, Op, Machine, Start, End.
//   - precedence: operation Op of Job starts at Start before operation OtherOp of
//     the same job (OtherJob = Job) ends at OtherEnd.
//   - overlap: on Machine, Job/Op [Start, End) and OtherJob/OtherOp [OtherStart,
//     OtherEnd) intersect; the first starts no later than the second.
//   - objective: Start is the stated objective, End the computed makespan.
type ScheduleViolation struct {
	Kind                 string
	Job, Op              int
	OtherJob, OtherOp    int
	Machine              int
	Start, End           int
	OtherStart, OtherEnd int
}

func (v *ScheduleViolation) Error() string {
	var what string
	switch v.Kind {
	case ViolationShape:
		if v.Job < 0 {
			what = fmt.Sprintf("schedule has %d jobs, instance has %d", v.Op, v.OtherOp)
		} else {
			what = fmt.Sprintf("job %d has %d start times, instance job has %d operations", v.Job, v.Op, v.OtherOp)
		}
	case ViolationNegativeStart:
		what = fmt.Sprintf("job %d operation %d (machine %d) starts at %d < 0", v.Job, v.Op, v.Machine, v.Start)
	case ViolationStartRange:
		what = fmt.Sprintf("job %d operation %d (machine %d): start %d plus its duration overflows", v.Job, v.Op, v.Machine, v.Start)
	case ViolationPrecedence:
		what = fmt.Sprintf("job %d: operation %d (machine %d) starts at %d before operation %d ends at %d", v.Job, v.Op, v.Machine, v.Start, v.OtherOp, v.OtherEnd)
	case ViolationOverlap:
		what = fmt.Sprintf("machine %d: job %d operation %d [%d, %d) overlaps job %d operation %d [%d, %d)",
			v.Machine, v.Job, v.Op, v.Start, v.End, v.OtherJob, v.OtherOp, v.OtherStart, v.OtherEnd)
	case ViolationObjective:
		what = fmt.Sprintf("stated objective %d but the makespan is %d", v.Start, v.End)
	default:
		what = v.Kind
	}
	return fmt.Sprintf("%v: %s: %s", ErrInvalidSolution, v.Kind, what)
}

// Unwrap makes errors.Is(err, ErrInvalidSolution) hold.
func (v *ScheduleViolation) Unwrap() error { return ErrInvalidSolution }

func violation(kind string) *ScheduleViolation {
	return &ScheduleViolation{Kind: kind, Job: -1, Op: -1, OtherJob: -1, OtherOp: -1, Machine: -1, Start: -1, End: -1, OtherStart: -1, OtherEnd: -1}
}

// CheckSchedule verifies starts (starts[j][k] = start of operation k of job j)
// against js without trusting whoever produced it: one start per operation, none
// negative, each job's operations in order without overlap, and at most one
// operation at a time on each machine (operations of zero duration never conflict).
// It returns the makespan, the latest end time. Errors are *ScheduleViolation
// wrapping ErrInvalidSolution, or an ErrInvalidInstance error for a bad instance.
// It runs in O(N log N) for N operations.
func CheckSchedule(js *JobShop, starts [][]int) (makespan int, err error) {
	if err := js.Validate(); err != nil {
		return 0, err
	}
	if len(starts) != len(js.Jobs) {
		v := violation(ViolationShape)
		v.Op, v.OtherOp = len(starts), len(js.Jobs)
		return 0, v
	}
	for j, ops := range js.Jobs {
		if len(starts[j]) != len(ops) {
			v := violation(ViolationShape)
			v.Job, v.Op, v.OtherOp = j, len(starts[j]), len(ops)
			return 0, v
		}
	}
	// Bucket the positive-length operations by machine (counting sort), then sort
	// each machine's operations by start: O(N log N + M).
	type slot struct {
		start, end, job, op int
	}
	offset := make([]int, js.Machines+1)
	for j, ops := range js.Jobs {
		prevEnd := 0
		for k, op := range ops {
			s := starts[j][k]
			if s < 0 {
				v := violation(ViolationNegativeStart)
				v.Job, v.Op, v.Machine, v.Start, v.End = j, k, op.Machine, s, s+op.Duration
				return 0, v
			}
			if s > math.MaxInt-op.Duration {
				v := violation(ViolationStartRange)
				v.Job, v.Op, v.Machine, v.Start = j, k, op.Machine, s
				return 0, v
			}
			end := s + op.Duration
			if k > 0 && s < prevEnd {
				v := violation(ViolationPrecedence)
				v.Job, v.Op, v.Machine, v.Start, v.End = j, k, op.Machine, s, end
				v.OtherJob, v.OtherOp, v.OtherStart, v.OtherEnd = j, k-1, starts[j][k-1], prevEnd
				return 0, v
			}
			prevEnd = end
			makespan = max(makespan, end)
			if op.Duration > 0 {
				offset[op.Machine+1]++
			}
		}
	}
	for m := 1; m <= js.Machines; m++ {
		offset[m] += offset[m-1]
	}
	busy := make([]slot, offset[js.Machines])
	fill := append([]int(nil), offset[:js.Machines]...)
	for j, ops := range js.Jobs {
		for k, op := range ops {
			if op.Duration > 0 {
				s := starts[j][k]
				busy[fill[op.Machine]] = slot{start: s, end: s + op.Duration, job: j, op: k}
				fill[op.Machine]++
			}
		}
	}
	for m := 0; m < js.Machines; m++ {
		onM := busy[offset[m]:offset[m+1]]
		slices.SortFunc(onM, func(a, b slot) int {
			if a.start != b.start {
				if a.start < b.start {
					return -1
				}
				return 1
			}
			if a.job != b.job {
				return a.job - b.job
			}
			return a.op - b.op
		})
		// Sorted by start, positive-length intervals are disjoint iff each ends no
		// later than the next one starts.
		for i := 1; i < len(onM); i++ {
			a, b := onM[i-1], onM[i]
			if b.start < a.end {
				v := violation(ViolationOverlap)
				v.Machine = m
				v.Job, v.Op, v.Start, v.End = a.job, a.op, a.start, a.end
				v.OtherJob, v.OtherOp, v.OtherStart, v.OtherEnd = b.job, b.op, b.start, b.end
				return 0, v
			}
		}
	}
	return makespan, nil
}

// Check verifies the schedule against js (see CheckSchedule) and that its stated
// Objective equals the makespan; it returns the makespan.
func (s *Schedule) Check(js *JobShop) (makespan int, err error) {
	makespan, err = CheckSchedule(js, s.Starts)
	if err != nil {
		return 0, err
	}
	if s.Objective != makespan {
		v := violation(ViolationObjective)
		v.Start, v.End = s.Objective, makespan
		return makespan, v
	}
	return makespan, nil
}
