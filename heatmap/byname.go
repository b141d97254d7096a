package heatmap

import (
	"context"
	"fmt"
	"strings"

	"github.com/cosolve/cosolve/instances"
)

// Names are the heatmaps ByName builds.
var Names = []string{"gt-prior", "softdist", "alpha"}

// Kind returns the canonical name of a heatmap ByName builds ("gt" is
// "gt-prior"); ok is false for any other name, which callers may take as a
// file.
func Kind(name string) (kind string, ok bool) {
	switch name {
	case "gt-prior", "gt":
		return "gt-prior", true
	case "softdist", "alpha":
		return name, true
	}
	return "", false
}

// ByNameOptions are the parameters of the kinds that have any.
type ByNameOptions struct {
	// Tau is SoftDist's temperature; 0 = the published value for the size.
	Tau float64
	// Alpha configures the α-nearness heatmap.
	Alpha AlphaOptions
}

// ByName builds the heatmap of a kind the package computes itself: "gt-prior"
// (also "gt"), "softdist" or "alpha". For "alpha" it also returns the ascent
// behind it, whose Bound is a lower bound on every tour (nil for the other
// kinds); only "alpha" looks at the context and can fail on a valid instance.
// A name Kind does not know is an error wrapping ErrInvalid.
func ByName(ctx context.Context, inst *instances.TSP, name string, opt ByNameOptions) (*Heatmap, *AlphaResult, error) {
	kind, ok := Kind(name)
	if !ok {
		return nil, nil, fmt.Errorf("%w: heatmap %q: want one of %s", ErrInvalid, name, strings.Join(Names, ", "))
	}
	switch kind {
	case "gt-prior":
		return GTPrior(inst), nil, nil
	case "softdist":
		return SoftDist(inst, opt.Tau, 0), nil, nil
	}
	h, res, err := Alpha(ctx, inst, opt.Alpha)
	if err != nil {
		return nil, nil, err
	}
	return h, &res, nil
}
