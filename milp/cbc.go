//go:build cbc

package milp

/*
#cgo pkg-config: cbc
#include <stdlib.h>
#include "Cbc_C_Interface.h"
*/
import "C"

import (
	"context"
	"math"
	"strconv"
	"time"
	"unsafe"
)

// CBC is the COIN-OR CBC backend (build tag cbc). It solves LPs and MILPs; the model
// is copied into CBC's own memory, so an abandoned solve touches no Go memory.
type CBC struct{}

func init() { backends = append(backends, CBC{}) }

// Name is "cbc".
func (CBC) Name() string { return "cbc" }

// Version is the linked CBC library's version.
func (CBC) Version() string { return C.GoString(C.Cbc_getVersion()) }

// cbcMargin is how much earlier than the deadline CBC is asked to stop, so that its
// usual lateness (finishing a node or a cut round) still lands before the deadline.
func cbcMargin(remaining time.Duration) time.Duration {
	return min(remaining/20, time.Second)
}

// Solve builds the model in CBC, sets its time limit from the remaining time and
// runs it; see the package documentation for how the wall clock is enforced.
func (CBC) Solve(ctx context.Context, m *Model, lim Limits) (Result, error) {
	start := time.Now()
	if err := m.Validate(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{Status: NoSolution, TimedOut: true, Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1)}, err
	}
	model := loadCBC(m)
	seconds := -1.0
	if dl, ok := deadline(ctx, lim, start); ok {
		rem := time.Until(dl)
		seconds = math.Max(0.01, (rem - cbcMargin(rem)).Seconds())
	}
	if seconds > 0 {
		C.Cbc_setMaximumSeconds(model, C.double(seconds))
	}
	C.Cbc_setAllowableFractionGap(model, C.double(lim.relGap()))
	if lim.NodeLimit > 0 {
		C.Cbc_setMaximumNodes(model, C.int(lim.NodeLimit))
	}
	if lim.Threads > 1 {
		setParam(model, "threads", strconv.Itoa(lim.Threads))
	}
	n := len(m.Vars)
	sense, offset := m.Sense, m.Offset
	return runBounded(ctx, lim, start, func() (Result, error) {
		defer C.Cbc_deleteModel(model)
		t0 := time.Now()
		C.Cbc_solve(model)
		limit := time.Duration(seconds * float64(time.Second))
		return atLimit(readCBC(model, n, sense, offset), limit, time.Since(t0)), nil
	})
}

func setParam(model unsafe.Pointer, name, value string) {
	cn, cv := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cv))
	C.Cbc_setParameter(model, cn, cv)
}

func loadCBC(m *Model) unsafe.Pointer {
	n := len(m.Vars)
	// Build the column-major (CSC) matrix CBC loads.
	count := make([]int, n+1)
	for _, r := range m.Rows {
		for _, j := range r.Index {
			count[j+1]++
		}
	}
	for j := 0; j < n; j++ {
		count[j+1] += count[j]
	}
	nz := count[n]
	start := make([]C.int, n+1)
	for j := range start {
		start[j] = C.int(count[j])
	}
	index := make([]C.int, max(nz, 1))
	value := make([]C.double, max(nz, 1))
	fill := append([]int(nil), count[:n]...)
	for i, r := range m.Rows {
		for k, j := range r.Index {
			p := fill[j]
			fill[j]++
			index[p] = C.int(i)
			value[p] = C.double(r.Coef[k])
		}
	}
	colLB := make([]C.double, max(n, 1))
	colUB := make([]C.double, max(n, 1))
	obj := make([]C.double, max(n, 1))
	for j, v := range m.Vars {
		colLB[j], colUB[j], obj[j] = cdbl(v.Lower), cdbl(v.Upper), C.double(v.Obj)
	}
	rowLB := make([]C.double, max(len(m.Rows), 1))
	rowUB := make([]C.double, max(len(m.Rows), 1))
	for i, r := range m.Rows {
		rowLB[i], rowUB[i] = cdbl(r.Lower), cdbl(r.Upper)
	}
	model := C.Cbc_newModel()
	setParam(model, "log", "0")
	C.Cbc_setLogLevel(model, 0)
	// Cbc_loadProblem copies every array, so Go memory is not retained.
	C.Cbc_loadProblem(model, C.int(n), C.int(len(m.Rows)), &start[0], &index[0], &value[0],
		&colLB[0], &colUB[0], &obj[0], &rowLB[0], &rowUB[0])
	for j, v := range m.Vars {
		if v.Integer {
			C.Cbc_setInteger(model, C.int(j))
		}
	}
	if m.Sense == Maximize {
		C.Cbc_setObjSense(model, -1)
	} else {
		C.Cbc_setObjSense(model, 1)
	}
	if m.Start != nil && n > 0 {
		idx := make([]C.int, n)
		val := make([]C.double, n)
		for j := range idx {
			idx[j], val[j] = C.int(j), C.double(m.Start[j])
		}
		C.Cbc_setMIPStartI(model, C.int(n), &idx[0], &val[0])
	}
	return model
}

// cdbl maps ±Inf onto CBC's infinity.
func cdbl(v float64) C.double {
	switch {
	case math.IsInf(v, 1):
		return C.double(math.MaxFloat64)
	case math.IsInf(v, -1):
		return C.double(-math.MaxFloat64)
	}
	return C.double(v)
}

func readCBC(model unsafe.Pointer, n int, sense Sense, offset float64) Result {
	res := Result{Objective: math.NaN(), Bound: math.NaN(), Gap: math.Inf(1), Nodes: int(C.Cbc_getNodeCount(model))}
	secondary := int(C.Cbc_secondaryStatus(model))
	res.TimedOut = C.Cbc_isSecondsLimitReached(model) != 0 || secondary == 4
	switch {
	case C.Cbc_isContinuousUnbounded(model) != 0 || secondary == 7:
		res.Status = Unbounded
		return res
	case C.Cbc_isProvenInfeasible(model) != 0:
		// CBC 2.10 flags a dual-infeasible root LP as "infeasible" without running
		// branch-and-bound; only a primal-infeasible root is truly infeasible.
		res.Status = Infeasible
		if C.Cbc_status(model) == -1 && C.Cbc_isInitialSolveProvenPrimalInfeasible(model) == 0 && C.Cbc_isInitialSolveAbandoned(model) == 0 {
			res.Status = Unbounded
		}
		return res
	}
	sol := C.Cbc_bestSolution(model)
	if sol == nil && C.Cbc_getNumIntegers(model) == 0 && C.Cbc_isProvenOptimal(model) != 0 {
		// A pure LP ends after the root solve, which leaves no "best solution".
		sol = C.Cbc_getColSolution(model)
	}
	if sol == nil && n > 0 {
		res.Status = NoSolution
		return res
	}
	res.X = make([]float64, n)
	if n > 0 {
		copy(res.X, unsafe.Slice((*float64)(unsafe.Pointer(sol)), n))
	}
	res.Objective = float64(C.Cbc_getObjValue(model)) + offset
	bound := float64(C.Cbc_getBestPossibleObjValue(model)) + offset
	if C.Cbc_isProvenOptimal(model) != 0 {
		res.Status = Optimal
	} else {
		res.Status = Feasible
	}
	// CBC reports the bound of a maximisation in its internal (minimisation) sign on
	// some paths; keep it only when it lies on the correct side of the incumbent.
	if sense == Maximize && bound < res.Objective-1e-9*math.Max(1, math.Abs(res.Objective)) {
		bound = -bound + 2*offset
	}
	if res.Status == Optimal && (math.IsNaN(bound) || math.Abs(bound) > 1e300) {
		bound = res.Objective
	}
	res.Bound = bound
	res.Gap = relGap(res.Objective, res.Bound)
	return res
}

// relGap is the relative gap CBC stops at (default 1e-4).
func (l Limits) relGap() float64 {
	if l.RelGap > 0 {
		return l.RelGap
	}
	return 1e-4
}

// relGap reports the relative distance between an objective and its bound.
func relGap(obj, bound float64) float64 {
	if math.IsNaN(obj) || math.IsNaN(bound) || math.IsInf(obj, 0) || math.IsInf(bound, 0) {
		return math.Inf(1)
	}
	return math.Abs(obj-bound) / math.Max(1e-10, math.Abs(obj))
}
