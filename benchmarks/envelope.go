package benchmarks

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp"
	"github.com/cosolve/cosolve/solvers/robust"
	"github.com/cosolve/cosolve/solvers/tsp"
)

// Envelope is the record every --json output and every benchmark line carries
// (DESIGN.md §3). Pointer fields are JSON null when unknown.
type Envelope struct {
	Instance string `json:"instance"`
	// Source identifies the run's instance source in a sweep (file and index, or
	// generator), the key that resuming matches on together with config and seed.
	Source        string   `json:"source,omitempty"`
	Kind          string   `json:"kind"`
	Config        string   `json:"config,omitempty"`
	Objective     *float64 `json:"objective"`
	Bound         *float64 `json:"bound"`
	Reference     *float64 `json:"reference"`
	ReferenceKind *string  `json:"reference_kind"`
	GapPct        *float64 `json:"gap_pct"`
	Status        string   `json:"status"`
	StopReason    string   `json:"stop_reason"`
	TimeS         float64  `json:"time_s"`
	CPUS          float64  `json:"cpu_s"`
	Seed          uint64   `json:"seed"`
	// Stats are the solver's own JSON-tagged counts, marshalled as they are.
	Stats any `json:"stats"`
	// Trace is [t_seconds, objective] at each new best (t from the task's
	// start, as time_s), thinned as recorder.add says; the last point is the
	// final improvement.
	Trace    [][2]float64 `json:"trace,omitempty"`
	MaxRSSMB float64      `json:"max_rss_mb,omitempty"`
	// TimeLimitS and Settings are a sweep line's time limit and the
	// fingerprint of everything its result depends on (Task.Settings).
	TimeLimitS float64 `json:"time_limit_s,omitempty"`
	Settings   string  `json:"settings,omitempty"`
	Tour       []int   `json:"tour,omitempty"`
	Starts     [][]int `json:"starts,omitempty"`
	FirstStage string  `json:"first_stage,omitempty"`
	// Error is set on a benchmark line whose run failed; such a line has no objective.
	Error string `json:"error,omitempty"`
	// Extra holds a problem's own top-level fields (e.g. "iterations", "backend");
	// they are written beside the standard ones and must not reuse their names.
	Extra map[string]any `json:"-"`
}

// newEnvelope fills the standard fields every solver reports; a NaN bound
// (none proved) is null.
func newEnvelope(instance, kind string, objective, bound float64, status solvers.Status, stop solvers.StopReason, stats any) Envelope {
	e := Envelope{Instance: instance, Kind: kind, Objective: Float(objective), Status: status.String(), StopReason: stop.String(), Stats: stats}
	if !math.IsNaN(bound) {
		e.Bound = Float(bound)
	}
	return e
}

// solverErr marks the errors a solver returns for its input or settings as
// ErrBadInput; others (bugs, I/O) pass as they are.
func solverErr(err error) error {
	for _, bad := range []error{solvers.ErrInvalidSettings, instances.ErrInvalidInstance, heatmap.ErrInvalid,
		jssp.ErrPolicyContract, nnsurrogate.ErrInput, robust.ErrModel, tsp.ErrFixedEdges} {
		if errors.Is(err, bad) {
			return fmt.Errorf("%w: %w", ErrBadInput, err)
		}
	}
	return err
}

// Float returns a pointer to v, for the nullable fields.
func Float(v float64) *float64 { return &v }

// SetReference fills reference, reference_kind and gap_pct. The gap is positive when
// the objective is worse than the reference, for minimisation and maximisation alike.
func (e *Envelope) SetReference(value float64, kind string, maximize bool) {
	e.Reference = Float(value)
	k := kind
	e.ReferenceKind = &k
	if e.Objective != nil && value != 0 {
		gap := 100 * (*e.Objective - value) / math.Abs(value)
		if maximize {
			gap = -gap
		}
		e.GapPct = Float(gap)
	}
}

var standardKeys = map[string]bool{
	"instance": true, "source": true, "kind": true, "config": true, "objective": true, "bound": true, "reference": true,
	"reference_kind": true, "gap_pct": true, "status": true, "stop_reason": true, "time_s": true, "cpu_s": true,
	"seed": true, "stats": true, "trace": true, "max_rss_mb": true, "time_limit_s": true, "settings": true, "tour": true, "starts": true, "first_stage": true, "error": true,
}

type envelopeFields Envelope

// MarshalJSON writes the standard fields followed by Extra, in a stable order.
func (e Envelope) MarshalJSON() ([]byte, error) {
	if e.Stats == nil {
		e.Stats = struct{}{}
	}
	base, err := json.Marshal(envelopeFields(e))
	if err != nil {
		return nil, err
	}
	if len(e.Extra) == 0 {
		return base, nil
	}
	keys := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		if standardKeys[k] {
			return nil, fmt.Errorf("envelope: extra field %q shadows a standard field", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := base[:len(base)-1]
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(e.Extra[k])
		if err != nil {
			return nil, fmt.Errorf("envelope: extra field %q: %w", k, err)
		}
		out = append(out, ',')
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, vb...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON reads the standard fields and keeps any others in Extra.
func (e *Envelope) UnmarshalJSON(data []byte) error {
	var f envelopeFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*e = Envelope(f)
	for k, raw := range all {
		if standardKeys[k] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[k] = v
	}
	return nil
}
