// Package tsp solves the symmetric travelling-salesman problem with the
// heatmap + Monte Carlo tree search method of Fu et al. (2021) as tuned by Pan
// et al. (2024), and with our own extension of it: sampled sequential k-opt
// moves guided by the bandit statistics of package mcts, evaluated on a segment
// list so their cost does not grow with n, combined with 2-opt, Or-opt and
// Lin–Kernighan-style descent on neighbour lists with don't-look bits.
//
// Solve is the entry point; Settings carries every published parameter, and
// Presets holds the published configurations by name.
package tsp
