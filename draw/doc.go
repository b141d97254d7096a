// Package draw draws cosolve's pictures as SVG: a tour over its points, a
// schedule as a Gantt chart (both hand-written SVG, which stays small and fast
// at 10^5 points and keeps a tooltip on every bar), and a sweep's gap against
// time and per-class gaps (charts drawn with gonum/plot). The command line uses
// it for --plot, --gantt and `bench report --plot`; library users can call it
// on their own solutions.
package draw
