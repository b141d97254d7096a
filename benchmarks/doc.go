// Package benchmarks is the one harness every solver plugs into: the JSON envelope of
// DESIGN.md §3 (used by every --json output and every benchmark line), a registry of
// solver adapters that turn a Task (instance source, configuration, seed, limits)
// into an Envelope, the sweep runner behind `cosolve bench run` (append-only JSON
// lines, resumable, shardable) and the reports behind `cosolve bench report`.
package benchmarks
