package heatmap

import "github.com/cosolve/cosolve/instances"

// Names are the heatmaps ByName builds.
var Names = []string{"gt-prior", "softdist"}

// ByName builds the heatmap of a kind the package computes itself: "gt-prior"
// (also "gt") or "softdist" with temperature tau (0 = the published value for
// the size). ok is false for any other name, which callers may take as a file.
func ByName(inst *instances.TSP, name string, tau float64) (h *Heatmap, ok bool) {
	switch name {
	case "gt-prior", "gt":
		return GTPrior(inst), true
	case "softdist":
		return SoftDist(inst, tau, 0), true
	}
	return nil, false
}
