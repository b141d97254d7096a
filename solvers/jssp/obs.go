package jssp

import (
	"math"
	"slices"
)

// Token values of Observation.StartEndTokens.
const (
	TokenInterval = 0 // a real operation
	TokenStart    = 1 // before a job's first operation
	TokenEnd      = 2 // past a job's last operation
)

// Observation is what a policy sees, laid out as the reference environment emits
// it (row-major float32, J jobs):
//
//	IntervalRep      [J,5,4]  per job, a window of 5 operations starting at the last
//	                          dispatched one: [is_fixed, start_lb, duration, is_next],
//	                          normalised
//	StartEndTokens   [J,5]    TokenInterval, TokenStart or TokenEnd
//	AttentionMask    [J,5]    1 on padding slots after the first end token
//	IndexInterval    [J,5]    operation index of each slot, shifted to be ≥ 0
//	ActionMask       [J+1]    legal actions, the last is No-Op
//	Group            [J]      for a legal job, the machine its next operation needs;
//	                          -1 otherwise (the sparse form of the job–resource mask)
//
// The normalisation copies the reference's quirk: the start-lb column is centred
// and scaled by the mean and standard deviation of the second window slot of every
// job taken over all four features (numpy's obs[:, 1]), durations by the instance's
// duration mean and standard deviation.
type Observation struct {
	J               int
	IntervalRep     []float32
	StartEndTokens  []float32
	AttentionMask   []float32
	IndexInterval   []float32
	ActionMask      []float32
	Group           []int32
	jobResourceMask []float32
	maskRows        []int32 // rows of jobResourceMask that are not identity rows
	sumBuf          []float32
}

// NewObservation allocates an observation for J jobs.
func NewObservation(J int) *Observation {
	return &Observation{
		J:              J,
		IntervalRep:    make([]float32, J*Window*4),
		StartEndTokens: make([]float32, J*Window),
		AttentionMask:  make([]float32, J*Window),
		IndexInterval:  make([]float32, J*Window),
		ActionMask:     make([]float32, J+1),
		Group:          make([]int32, J),
		sumBuf:         make([]float32, J*4),
	}
}

// Observe fills o (built by NewObservation(e.J)) with the current state.
func (e *Env) Observe(o *Observation) {
	J := e.J
	minOp := int32(math.MaxInt32)
	for j := 0; j < J; j++ {
		minOp = min(minOp, e.done[j])
	}
	tokenIndex := float32(minOp - 1)
	minIndex := float32(0)
	for j := 0; j < J; j++ {
		rep := o.IntervalRep[j*Window*4 : (j+1)*Window*4]
		tok := o.StartEndTokens[j*Window : (j+1)*Window]
		att := o.AttentionMask[j*Window : (j+1)*Window]
		idx := o.IndexInterval[j*Window : (j+1)*Window]
		slot := 0
		d := e.done[j]
		first := d - 1
		if d == 0 {
			rep[0], rep[1], rep[2], rep[3] = 0, 0, 0, 0
			tok[0], att[0], idx[0] = TokenStart, 0, tokenIndex
			slot = 1
			first = 0
		}
		for k := first; k < e.nops[j] && slot < Window; k++ {
			op := e.off[j] + k
			r := rep[slot*4 : slot*4+4]
			r[0] = b2f(e.fixed[op])
			r[1] = float32(e.lb[op])
			r[2] = float32(e.dur[op])
			r[3] = b2f(k == d && !e.fixed[op])
			tok[slot], att[slot], idx[slot] = TokenInterval, 0, float32(k)
			slot++
		}
		for pad := 0; slot < Window; slot, pad = slot+1, pad+1 {
			r := rep[slot*4 : slot*4+4]
			r[0], r[1], r[2], r[3] = 0, 0, 0, 0
			tok[slot], idx[slot] = TokenEnd, tokenIndex
			att[slot] = b2f(pad > 0)
		}
		for s := 0; s < Window; s++ {
			minIndex = min(minIndex, idx[s])
		}
	}
	if minIndex != 0 {
		for i := range o.IndexInterval {
			o.IndexInterval[i] -= minIndex
		}
	}
	e.normalise(o)
	for a := 0; a <= J; a++ {
		o.ActionMask[a] = b2f(e.legal[a])
	}
	for j := 0; j < J; j++ {
		o.Group[j] = -1
		if e.legal[j] {
			o.Group[j] = e.mach[e.off[j]+e.done[j]]
		}
	}
}

// normalise applies the reference normalisation in float32 with numpy's
// summation orders (the mean over a strided view sums each job's four values and
// accumulates jobs in turn; the variance sums a contiguous copy pairwise).
func (e *Env) normalise(o *Observation) {
	J := e.J
	var acc float32
	for j := 0; j < J; j++ {
		r := o.IntervalRep[j*Window*4+4 : j*Window*4+8]
		acc += ((r[0] + r[1]) + r[2]) + r[3]
	}
	mean := float32(float64(acc) / float64(J*4))
	buf := o.sumBuf
	for j := 0; j < J; j++ {
		r := o.IntervalRep[j*Window*4+4 : j*Window*4+8]
		for f := 0; f < 4; f++ {
			x := r[f] - mean
			buf[j*4+f] = x * x
		}
	}
	variance := float32(float64(pairwiseSum32(buf)) / float64(J*4))
	std := float32(float64(float32(math.Sqrt(float64(variance)))) + 1e-8)
	meanDur := float32(e.meanDur)
	stdDur := float32(e.stdDur + 1e-8)
	rep := o.IntervalRep
	for i := 0; i < len(rep); i += 4 {
		rep[i+1] = (rep[i+1] - mean) / std
		rep[i+2] = (rep[i+2] - meanDur) / stdDur
	}
}

// pairwiseSum32 is numpy's pairwise summation of a contiguous float32 array.
func pairwiseSum32(a []float32) float32 {
	n := len(a)
	switch {
	case n < 8:
		var res float32
		for _, x := range a {
			res += x
		}
		return res
	case n <= 128:
		var r [8]float32
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := 0; k < 8; k++ {
				r[k] += a[i+k]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum32(a[:n2]) + pairwiseSum32(a[n2:])
	}
}

// JobResourceMask returns the dense [J+1,J+1] job–resource mask of the reference
// environment: the identity, except that legal jobs needing the same machine see
// each other and the No-Op column (when No-Op is legal); the last row is the
// action mask. The slice is owned by o and rewritten by the next call.
func (o *Observation) JobResourceMask() []float32 {
	n := o.J + 1
	if o.jobResourceMask == nil {
		o.jobResourceMask = make([]float32, n*n)
		for i := 0; i < n; i++ {
			o.jobResourceMask[i*n+i] = 1
		}
	}
	m := o.jobResourceMask
	for _, r := range o.maskRows {
		row := m[int(r)*n : int(r+1)*n]
		clear(row)
		row[r] = 1
	}
	o.maskRows = o.maskRows[:0]
	noop := o.ActionMask[o.J]
	for j := 0; j < o.J; j++ {
		g := o.Group[j]
		if g < 0 {
			continue
		}
		row := m[j*n : (j+1)*n]
		for i := 0; i < o.J; i++ {
			if o.Group[i] == g {
				row[i] = 1
			}
		}
		row[o.J] = noop
		o.maskRows = append(o.maskRows, int32(j))
	}
	copy(m[o.J*n:], o.ActionMask)
	o.maskRows = append(o.maskRows, int32(o.J))
	return m
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// clone copies what the network reads, for training samples that outlive the
// state they were observed in.
func (o *Observation) clone() *Observation {
	return &Observation{
		J:              o.J,
		IntervalRep:    slices.Clone(o.IntervalRep),
		StartEndTokens: slices.Clone(o.StartEndTokens),
		AttentionMask:  slices.Clone(o.AttentionMask),
		IndexInterval:  slices.Clone(o.IndexInterval),
		ActionMask:     slices.Clone(o.ActionMask),
		Group:          slices.Clone(o.Group),
	}
}
