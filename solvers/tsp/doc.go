// Package tsp solves the symmetric travelling-salesman problem with the
// heatmap + Monte Carlo tree search method of Fu et al. (2021) as tuned by Pan
// et al. (2024), and with our own method built from the same parts.
//
// Solve is the entry point. Settings carries every published parameter, and
// Presets holds the published configurations by name: "reference" reproduces
// the reference code's semantics, quirks included; "fu-default" and "pan-…"
// hold Fu et al.'s defaults and Pan et al.'s tuned values (Method MCTS). The
// zero Settings is our Hybrid method: greedy construction, then 2-opt, Or-opt
// and chained sequential 4-opt descent (LKH's basic move and its chaining,
// Settings.KOpt; above 150,000 nodes only with a time limit of 0.1 ms per
// node, else the Lin–Kernighan-style step, DefaultKOpt) on neighbour lists
// with don't-look bits, then iterated double-bridge kicks, each repaired by
// the same descent and undone from a journal when it does not pay. With the
// k-opt move the tour is a two-level list from 32,768 nodes, so that a move
// costs O(√n) rather than O(n), and an array below. Its candidate edges come
// from
// the heatmap (Settings.HeatmapKind, Settings.Heatmap): the nearest
// neighbours for GT-Prior and SoftDist, the lowest-α edges for the
// α-nearness heatmap (heatmap.Alpha), which also brings the Held–Karp lower
// bound: Result.Bound, and Status Optimal with an early stop once the tour
// meets it. α is the default up to 50,000 nodes, and up to 150,000 with a
// time limit of 0.6 ms per node (DefaultHeatmap).
//
// Sampled sequential k-opt actions (the MCTS of Fu et al.) are evaluated on a
// segment list of the unchanged tour, so their cost grows with the depth of the
// action, not with n; instances from 2000 nodes are renumbered along a Hilbert
// curve so the walks stay in cache. With Threads > 1 independent searches share
// the best tour every few thousand kicks. The context and TimeLimit are
// honoured within a few tens of milliseconds even during setup: a watchdog
// returns the best tour so far while the search goroutines wind down.
package tsp
