package solvers

import "fmt"

// Status says what is known of the solution a solver returned.
type Status int

const (
	NoSolution Status = iota // no solution was found
	Feasible                 // a valid solution, optimality not proved
	Optimal                  // proved optimal by our own search
	Infeasible               // proved that no solution exists
)

var statusNames = [...]string{"no-solution", "feasible", "optimal", "infeasible"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText writes the String form, so JSON output carries names, not numbers.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// StopReason says why a run ended.
type StopReason int

const (
	Completed      StopReason = iota // the search finished on its own (proof or exhausted neighbourhood)
	TimeLimit                        // Settings.TimeLimit or the context deadline passed
	IterationLimit                   // the iteration or node budget was used up
	Canceled                         // the context was cancelled
)

var stopNames = [...]string{"completed", "time-limit", "iteration-limit", "canceled"}

func (r StopReason) String() string {
	if r < 0 || int(r) >= len(stopNames) {
		return fmt.Sprintf("StopReason(%d)", int(r))
	}
	return stopNames[r]
}

// MarshalText writes the String form.
func (r StopReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
