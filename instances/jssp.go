package instances

import "fmt"

// Bounds on job-shop data, checked by Validate and the readers.
const (
	// MaxTotalDuration bounds the sum of all durations, 2^29 − 1. The sum bounds
	// every semi-active makespan, and the solvers add such times in 32 bits
	// (time windows, ends, blocks of work: at most four at once, and 4·(2^29 − 1)
	// < 2^31); a makespan past 2^30 made the improvement search fail its own
	// schedule check. The largest published instances total about 5·10^7.
	MaxTotalDuration = 1<<29 - 1
	// MaxOperations bounds the operations of an instance (the solvers number them
	// in 32 bits); the largest published instances have 10^6.
	MaxOperations = 1 << 24
)

// Operation is one step of a job: the machine it needs (0-based) and for how long.
type Operation struct {
	Machine  int
	Duration int
}

// JobShop is a job-shop instance: each job is a sequence of operations processed in
// order, each machine handles one operation at a time.
type JobShop struct {
	Name     string
	Machines int
	Jobs     [][]Operation
}

// NumJobs is the number of jobs.
func (js *JobShop) NumJobs() int { return len(js.Jobs) }

// NumOperations is the total number of operations.
func (js *JobShop) NumOperations() int {
	total := 0
	for _, ops := range js.Jobs {
		total += len(ops)
	}
	return total
}

// Validate checks the invariants every solver relies on: at least one job and one
// machine, machine ids in range, non-negative durations that sum to at most
// MaxTotalDuration, and at most MaxOperations operations.
func (js *JobShop) Validate() error {
	if len(js.Jobs) == 0 || js.Machines <= 0 {
		return fmt.Errorf("%w: %s: %d jobs and %d machines", ErrInvalidInstance, js.Name, len(js.Jobs), js.Machines)
	}
	if n := js.NumOperations(); n > MaxOperations || js.Machines > MaxOperations {
		return fmt.Errorf("%w: %s: %d operations on %d machines, more than the %d the solvers take", ErrInvalidInstance, js.Name, n, js.Machines, MaxOperations)
	}
	total := 0
	for j, ops := range js.Jobs {
		if len(ops) == 0 {
			return fmt.Errorf("%w: %s: job %d has no operations", ErrInvalidInstance, js.Name, j)
		}
		for k, op := range ops {
			if op.Machine < 0 || op.Machine >= js.Machines {
				return fmt.Errorf("%w: %s: job %d operation %d: machine %d out of range 0…%d", ErrInvalidInstance, js.Name, j, k, op.Machine, js.Machines-1)
			}
			if op.Duration < 0 {
				return fmt.Errorf("%w: %s: job %d operation %d: negative duration %d", ErrInvalidInstance, js.Name, j, k, op.Duration)
			}
			if total += op.Duration; op.Duration > MaxTotalDuration || total > MaxTotalDuration {
				return fmt.Errorf("%w: %s: job %d operation %d: durations sum past %d (MaxTotalDuration)", ErrInvalidInstance, js.Name, j, k, MaxTotalDuration)
			}
		}
	}
	return nil
}

// Schedule is the job-shop solution file: the start time of every operation, jobs in
// instance order, operations in processing order.
type Schedule struct {
	Instance  string  `json:"instance"`
	Objective int     `json:"objective"`
	Starts    [][]int `json:"starts"`
}
