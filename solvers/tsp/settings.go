package tsp

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/cosolve/cosolve/heatmap"
	"github.com/cosolve/cosolve/solvers"
)

// Method selects the search loop.
type Method int

const (
	// Hybrid (the default) is our method: greedy start, 2-opt + Or-opt +
	// LK-style descent, then rounds of Z-sampled sequential k-opt actions (the
	// MCTS of Fu et al., back-propagation included) alternating with local
	// double-bridge kicks, each followed by descent from the touched nodes.
	Hybrid Method = iota
	// MCTS is the loop of Fu et al. as tuned by Pan et al.: heatmap-weighted
	// construction, 2-opt, then MCTS steps of H·n sampled actions until a step
	// finds nothing, then a restart from a new construction.
	MCTS
)

// Settings configures Solve. The zero value is our default method with the
// heatmap DefaultHeatmap names; the presets hold the published
// configurations.
type Settings struct {
	// Limits: MaxIterations counts sampled actions plus kicks; Threads
	// independent searches share the best tour. With none of TimeLimit,
	// MaxIterations or a context deadline, Solve stops after 10·n iterations.
	solvers.Limits
	// OnImprove receives new best tours (called from the solving goroutines,
	// one call at a time; the tour is the callee's to keep): every one up to
	// 256 nodes; above, a search thread offers at most one per n/256
	// iterations, the best it has, and always its last. After the context
	// is cancelled (not timed out) nothing more is streamed: the Result
	// carries the best tour.
	OnImprove func(Solution)

	Method Method
	// Alpha is α, the exploration weight of Z (0 = no exploration term).
	Alpha float64
	// Beta is β of the back-propagation W += β(e^{Δ/L} − 1); 0 = 10.
	Beta float64
	// H: an MCTS step samples up to H·n actions; 0 = 10. The Hybrid uses Samples.
	H float64
	// MaxCandidates caps the MCTS candidate set per node; 0 = 1000 with
	// CandidatesByHeatmap, else 10.
	MaxCandidates int
	// CandidatesByHeatmap picks MCTS candidates by heatmap value (the reference
	// rule with the 1e-4 threshold) instead of by distance.
	CandidatesByHeatmap bool
	// MaxDepth is the largest number of steps of a sampled action; 0 = 10.
	// Capped at n/2 as Pan et al.'s wrapper requires.
	MaxDepth int
	// Neighbors is the length of the local search's candidate lists: each
	// node's Neighbors entries of highest heatmap value, nearest first (for the
	// Hybrid; the MCTS method's local search uses the nearest neighbours). With
	// GT-Prior and SoftDist, whose values fall with distance, those are the
	// Neighbors nearest nodes. 0 = 5 with the α heatmap (LKH's count), else
	// 10. With the chains searched on the ascent's penalties, 5 α candidates
	// beat 8 (idle, one seed, gaps to the LKH-3 lengths): TSP-1000 #0–15 at
	// 10 s 0.0306 % with 8 against 0.0054 % with 5 (8 better, none worse),
	// TSP-500 #0–31 at 5 s 0.0031 % against −0.0005 %. Before those chains,
	// 8 had beaten 5 (0.219 % against 0.257 % on TSP-500 at 5 s).
	Neighbors int
	// Reference reproduces the reference code's semantics, quirks included: Z ≥ 1
	// sampling filter, sampling discretised to thousandths, the constant 2.718
	// for e, plain 2-opt passes that update Q and W, the heatmap-weighted
	// construction at every restart.
	Reference bool
	// Samples is the number of Z-sampled actions the Hybrid method draws between
	// two kicks; 0 = none. After LK-style descent the sampled actions rarely
	// improve the tour: on TSP-500 instances 12–43 at 5 s, 20 samples per kick
	// gave a mean gap of 0.258 % against 0.183 % without (better on 6 of 32), so
	// by default the Hybrid spends its time on kicks.
	Samples int
	// Kick is the Hybrid's perturbation: "segment" (default; two adjacent random
	// segments of up to KickLength nodes trade places, a double bridge) or "walk"
	// (a double bridge whose cut points come from short random walks on the
	// neighbour graph). On TSP-500 instances 0–3 at 8000 kicks, segment kicks
	// gave 0.19 % shorter tours than walk kicks at 1.8× the CPU time, and were
	// still ahead at equal CPU time.
	Kick string
	// KOpt is the largest k of the sequential k-opt move (LKH's basic move,
	// k = 5 there) that is the descent's deepest move; 1 or 2 = none, the
	// LK-style step instead; 0 = DefaultKOpt: 4 for the Hybrid up to
	// KOptDefaultMaxN nodes, and above with 0.1 ms per node, else none. On
	// TSP-500 #0–31 at 5 s (idle, one seed) the Hybrid's mean gap was
	// 0.189 % with the LK step, 0.095 % with the 4-opt move and 0.024 % with
	// chains of 4-opt moves (KOptChain).
	KOpt int
	// KOptChain is how many non-improving k-opt moves a chain may make before
	// it gives up and is undone (LKH chains its basic moves the same way);
	// 0 = n, so that a chain ends only when no move keeps its gain positive
	// (each move removes an edge the tour had when the chain began, so n
	// bounds it; LKH's bound, MAX_SWAPS, is n too); negative = none.
	KOptChain int
	// KickLength is the longest segment a "segment" kick moves; 0 = 100.
	// With the chained k-opt descent, longer kicks paid: TSP-500 #0–31 at 5 s
	// 0.029 % with 50 against 0.015 % with 100; TSP-1000 #0–15 at 10 s 0.062 %
	// with 50, 0.046 % with 100 and 0.037 % with 200 (idle, one seed).
	KickLength int
	// Heatmap is the edge prior (n nodes); nil = the one HeatmapKind names.
	// The MCTS statistics read it symmetrised, as the reference codes do on
	// load; the Hybrid's candidate lists read its rows as they are.
	Heatmap *heatmap.Heatmap
	// HeatmapKind names the heatmap Solve builds when Heatmap is nil:
	// "gt-prior", "softdist" or "alpha" (see heatmap.ByName); "" =
	// DefaultHeatmap(Method, n, Limits.TimeLimit).
	// "alpha" also proves a lower bound (Result.Bound, the Held–Karp 1-tree
	// bound): a tour that meets it is Optimal and ends the run. Its ascent may
	// take at most half of the time left before the deadline; when cut off
	// there, the search uses the nearest neighbours and reports no bound
	// (Stats.AlphaStopped). Setting both Heatmap and HeatmapKind is an error.
	HeatmapKind string
	// noRenumber keeps the caller's node order (tests compare both).
	noRenumber bool
	// LocalSearch for the MCTS method: "2opt" (the reference's passes),
	// "2opt-oropt", "lk" (2-opt + Or-opt + LK-style); "" = "2opt".
	LocalSearch string
}

func (s Settings) withDefaults(n int) Settings {
	if s.Beta == 0 {
		s.Beta = 10
	}
	if s.H == 0 {
		s.H = 10
	}
	if s.MaxCandidates == 0 {
		if s.CandidatesByHeatmap {
			s.MaxCandidates = 1000
		} else {
			s.MaxCandidates = 10
		}
	}
	if s.MaxDepth == 0 {
		s.MaxDepth = 10
	}
	if s.MaxDepth > n/2 {
		s.MaxDepth = max(n/2, 1)
	}
	if s.HeatmapKind == "" && s.Heatmap == nil {
		s.HeatmapKind = DefaultHeatmap(s.Method, n, s.Limits.TimeLimit)
	}
	s.HeatmapKind, _ = heatmap.Kind(s.HeatmapKind)
	if s.Neighbors == 0 {
		s.Neighbors = 10
		if s.HeatmapKind == "alpha" {
			s.Neighbors = 5
		}
	}
	if s.KOpt == 0 {
		s.KOpt = DefaultKOpt(s.Method, n, s.Limits.TimeLimit)
	}
	if s.KOptChain == 0 {
		s.KOptChain = n
	}
	if s.Threads <= 0 {
		s.Threads = runtime.GOMAXPROCS(0)
	}
	if s.LocalSearch == "" {
		s.LocalSearch = "2opt"
	}
	return s
}

func (s Settings) validate() error {
	if err := s.Limits.Validate(); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		value float64
	}{
		{"Samples", float64(s.Samples)}, {"Alpha", s.Alpha}, {"Beta", s.Beta}, {"H", s.H},
		{"MaxCandidates", float64(s.MaxCandidates)}, {"MaxDepth", float64(s.MaxDepth)},
		{"Neighbors", float64(s.Neighbors)}, {"KickLength", float64(s.KickLength)}, {"KOpt", float64(s.KOpt)},
	} {
		if f.value < 0 {
			return solvers.InvalidSetting(f.name, "%v is negative", f.value)
		}
	}
	if s.HeatmapKind != "" {
		if _, ok := heatmap.Kind(s.HeatmapKind); !ok {
			return solvers.InvalidSetting("HeatmapKind", "unknown heatmap %q (want one of %s)", s.HeatmapKind, strings.Join(heatmap.Names, ", "))
		}
		if s.Heatmap != nil {
			return solvers.InvalidSetting("HeatmapKind", "%q given together with a Heatmap; set one of the two", s.HeatmapKind)
		}
	}
	if s.KOpt > koptMaxK {
		return solvers.InvalidSetting("KOpt", "%d is more than %d", s.KOpt, koptMaxK)
	}
	switch s.Kick {
	case "", "segment", "walk":
	default:
		return solvers.InvalidSetting("Kick", "unknown kick %q (want walk or segment)", s.Kick)
	}
	switch s.LocalSearch {
	case "", "2opt", "2opt-oropt", "lk":
	default:
		return solvers.InvalidSetting("LocalSearch", "unknown local search %q (want 2opt, 2opt-oropt or lk)", s.LocalSearch)
	}
	return nil
}

// alphaDefaultMaxN is the largest n for which the Hybrid builds the α heatmap
// whatever the budget. Its ascent took 1.5 CPU-s at n = 10^4 and 20–27 CPU-s
// at 10^5 (one core, idle, uniform and clustered points), and grows about
// linearly.
const alphaDefaultMaxN = 50000

// alphaTimePerNode is the time limit per node from which α is also the
// default above alphaDefaultMaxN (up to KOptDefaultMaxN): about twice the
// ascent's CPU per node at 10^5, since the ascent may take only half of the
// time left (alphaShare). At 10^5 nodes and 60 s, α's tours were shorter than
// the nearest neighbours' (uniform 226.532 against 226.631, clustered 219.178
// against 219.377, one seed, idle) and carried a bound 0.88 % below them. At
// 10^6 nodes the ascent would take most of a 600 s budget; that is not
// measured, so the LK step's sizes keep GT-Prior.
const alphaTimePerNode = 600 * time.Microsecond

// DefaultHeatmap is the heatmap a zero HeatmapKind stands for, given the run's
// time limit (0 = none): "alpha" for the Hybrid up to 50,000 nodes, and up to
// 150,000 when the limit gives 0.6 ms per node; "gt-prior" otherwise and for
// the MCTS method, whose published tuning is GT-Prior's. At equal time the
// Hybrid's tours with 8 α candidates were as good as with the 10 nearest
// (TSP-500 #0–15 at 5 s, three seeds: 0.028 points shorter on average,
// standard error 0.040; TSP-1000 #0–7 at 10 s: 0.214 % against 0.230 %), and α
// adds what the nearest neighbours cannot: a lower bound, so every result
// carries a proved gap, a proof of optimality that ends the run, and the
// penalties the chains search on, for about 0.15 s of setup at n = 500. With
// those penalties, α's candidates led GT-Prior's nearest ones by 0.006 points
// on TSP-1000 #0–15 at 10 s and 0.002 on TSP-500 #0–31 at 5 s.
func DefaultHeatmap(m Method, n int, limit time.Duration) string {
	switch {
	case m != Hybrid:
		return "gt-prior"
	case n <= alphaDefaultMaxN:
		return "alpha"
	case n <= KOptDefaultMaxN && limit >= time.Duration(n)*alphaTimePerNode:
		return "alpha"
	}
	return "gt-prior"
}

// koptTimePerNode is the time limit per node from which the Hybrid uses the
// k-opt move above KOptDefaultMaxN. On a uniform 10^6-node instance (one
// seed, idle, pairs side by side) the k-opt move against the LK step gave
// 751.6 / 728.0 at 30 s, 739.3 / 727.4 at 40 s, 721.4 / 724.5 at 60 s (the
// descent cut at the deadline), 717.1 / 722.7 at 100 s and 716.7 / 720.9 at
// 150 s. The descent ended at 69–95 s, setup included, so at 60 s the k-opt
// move wins only on a fast enough machine; from 100 s it wins even when the
// descent takes the whole budget.
const koptTimePerNode = 100 * time.Microsecond

// DefaultKOpt is the KOpt a zero KOpt stands for, given the run's time limit
// (0 = none): 4 for the Hybrid up to KOptDefaultMaxN nodes, and above when
// the limit gives 0.1 ms per node; 1 (the LK step) otherwise.
func DefaultKOpt(m Method, n int, limit time.Duration) int {
	if m == Hybrid && (n <= KOptDefaultMaxN || limit >= time.Duration(n)*koptTimePerNode) {
		return 4
	}
	return 1
}

// Preset is a named configuration and the heatmap it was tuned with.
type Preset struct {
	Settings Settings
	Heatmap  string // "gt-prior", "softdist", or "" for DefaultHeatmap
	Source   string
}

// Presets are the published configurations. "fu-default" and "reference" hold
// the defaults of Fu et al.'s released code (α = 1, β = 10, H = 10, up to 1000
// heatmap candidates, depth 10); "reference" adds its quirks. "pan-…" rows are
// Pan et al.'s SMAC-tuned values from LOGO-CUHKSZ/rethink_mcts_tsp @ f33b5ad,
// test_mcts.py, named pan-<heatmap>-<n>-t<T> for the budget T·n seconds they
// were tuned for; pan-<heatmap>-<n> is the T = 0.1 row (T = 0.01 for 10000).
var Presets = map[string]Preset{}

func init() {
	fu := Settings{Method: MCTS, Alpha: 1, Beta: 10, H: 10, MaxCandidates: 1000, CandidatesByHeatmap: true, MaxDepth: 10}
	Presets["fu-default"] = Preset{fu, "softdist", "Fu et al. 2021, released code defaults"}
	ref := fu
	ref.Reference = true
	Presets["reference"] = Preset{ref, "softdist", "Fu et al. 2021 code semantics, quirks included"}
	Presets["cosolve"] = Preset{Settings{}, "", "this package's default"}
	// n, heatmap, T, α, β, H, max_cand, cand_by_heatmap, max_depth.
	rows := []struct {
		n       int
		hm      string
		t       string
		a, b, h float64
		mc      int
		byH     bool
		depth   int
	}{
		{500, "softdist", "0.1", 1, 100, 2, 500, true, 200},
		{500, "softdist", "0.05", 1, 100, 2, 500, true, 200},
		{500, "softdist", "0.01", 2, 150, 2, 50, true, 200},
		{500, "softdist", "0.005", 1, 150, 2, 500, true, 100},
		{500, "gt", "0.1", 0, 10, 5, 5, true, 200},
		{500, "gt", "0.05", 2, 10, 2, 5, true, 200},
		{500, "gt", "0.01", 0, 10, 2, 5, true, 200},
		{500, "gt", "0.005", 0, 10, 2, 5, true, 200},
		{1000, "softdist", "0.1", 0, 150, 2, 20, true, 200},
		{1000, "softdist", "0.05", 0, 100, 2, 20, true, 200},
		{1000, "softdist", "0.01", 0, 150, 2, 50, true, 200},
		{1000, "softdist", "0.005", 1, 100, 2, 1000, true, 50},
		{1000, "gt", "0.1", 1, 10, 5, 5, true, 200},
		{1000, "gt", "0.05", 0, 10, 2, 5, true, 200},
		{1000, "gt", "0.01", 0, 10, 2, 5, true, 200},
		{1000, "gt", "0.005", 1, 10, 2, 5, true, 50},
		{10000, "softdist", "0.01", 0, 10, 10, 20, false, 200},
		{10000, "softdist", "0.005", 2, 150, 10, 20, false, 200},
		{10000, "gt", "0.01", 0, 10, 10, 20, false, 200},
		{10000, "gt", "0.005", 1, 100, 5, 20, true, 100},
	}
	for _, r := range rows {
		hm := "softdist"
		if r.hm == "gt" {
			hm = "gt-prior"
		}
		set := Settings{Method: MCTS, Alpha: r.a, Beta: r.b, H: r.h, MaxCandidates: r.mc, CandidatesByHeatmap: r.byH, MaxDepth: r.depth}
		p := Preset{set, hm, fmt.Sprintf("Pan et al. 2024, SMAC-tuned for %s, n = %d, T = %s", r.hm, r.n, r.t)}
		Presets[fmt.Sprintf("pan-%s-%d-t%s", r.hm, r.n, r.t)] = p
		if (r.n < 10000 && r.t == "0.1") || (r.n == 10000 && r.t == "0.01") {
			Presets[fmt.Sprintf("pan-%s-%d", r.hm, r.n)] = p
		}
	}
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for k := range Presets {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
