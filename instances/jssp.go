package instances

import "fmt"

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
// machine, machine ids in range, non-negative durations.
func (js *JobShop) Validate() error {
	if len(js.Jobs) == 0 || js.Machines <= 0 {
		return fmt.Errorf("%w: %s: %d jobs and %d machines", ErrInvalidInstance, js.Name, len(js.Jobs), js.Machines)
	}
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
