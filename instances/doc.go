// Package instances holds plain problem data — TSP, job shop and two-stage robust
// problems — with their file formats (read and write), seeded generators, tables of
// published references, and independent checkers that validate tours, schedules and
// first-stage decisions without trusting any solver.
//
// Readers take an io.Reader and a name used in error messages ("file:line: what is
// wrong"); Load functions are conveniences over them. Nothing here searches.
package instances
