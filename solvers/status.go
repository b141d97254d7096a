package solvers

// Status says what is known of the solution a solver returned.
type Status int

const (
	NoSolution Status = iota // no solution was found
	Feasible                 // a valid solution, optimality not proved
	Optimal                  // proved optimal by our own search
	Infeasible               // proved that no solution exists
)

var statusNames = [...]string{"no-solution", "feasible", "optimal", "infeasible"}

func (s Status) String() string { return EnumName(s, statusNames[:], "Status") }

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

func (r StopReason) String() string { return EnumName(r, stopNames[:], "StopReason") }

// MarshalText writes the String form.
func (r StopReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
