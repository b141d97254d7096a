// Package improve refines job-shop schedules on the disjunctive graph.
//
// A schedule is held as one operation sequence per machine (Graph); heads, tails,
// the critical path and its blocks are recomputed in linear time without
// allocation. On top of it sit a tabu search with the N5 (Nowicki–Smutnicki) and
// N7 (Zhang et al. 2007) neighbourhoods and Balas–Vazacopoulos move estimates, a
// constraint-programming branch and bound over machine rankings (precedence and
// edge-finding, not-first/not-last propagation) used both as an exact method for
// small instances and as a large-neighbourhood search, and Run, which drives them
// from a start schedule within a time or iteration budget. Run's tabu threads
// share an elite pool of good, mutually distant schedules and start each tabu
// run from a schedule on the path between two of them (path relinking, after
// Peng, Lü & Cheng 2015) or from a perturbed member (i-TSAB's restarts); its
// lower bound combines the one-machine preemptive relaxation with root
// propagation, so runs stop as soon as the best schedule meets it.
package improve
