// Package mcts is the shared search engine: bandit statistics and selection
// rules (the Z-score of Fu et al. 2021 kept sparse and incremental), budget
// control (iterations, deadline, context) and seeded discrete sampling.
//
// It knows nothing of tours or jobs: callers give it a sparse directed graph of
// candidate arcs and say which arcs were chosen and which paid off.
package mcts
