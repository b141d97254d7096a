package instances

// ReferenceKind says where a published reference value comes from.
type ReferenceKind string

const (
	RefOptimal        ReferenceKind = "optimal"          // proved optimum
	RefBestKnown      ReferenceKind = "best-known"       // best known upper bound (minimisation) or lower bound (maximisation)
	RefLKH3           ReferenceKind = "lkh3"             // length found by LKH-3, per instance
	RefSetMean        ReferenceKind = "set-mean"         // mean over a test set; compare the set's mean, not one instance
	RefBranchAndPrice ReferenceKind = "branch-and-price" // the value reported by an exact method in the literature
)

// Reference is a published objective value for an instance, kept apart from any bound
// our own solvers compute.
type Reference struct {
	Value float64
	Kind  ReferenceKind
}
