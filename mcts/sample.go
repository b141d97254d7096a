package mcts

import "math/rand/v2"

// SampleDiscrete1000 picks an index with probability about proportional to
// weights the way Fu et al.'s code does: per-item shares are truncated to
// thousandths, accumulated into integer thresholds, the last threshold is forced
// to 1000, and a uniform integer in [0, 1000) selects the first threshold above
// it. Items whose truncated share is 0 can still win when they are last. The
// thresholds are written into scratch (len ≥ len(weights)). It returns -1 for
// no items.
func SampleDiscrete1000(rng *rand.Rand, weights []float64, scratch []int32) int {
	k := len(weights)
	if k == 0 {
		return -1
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	acc := int32(0)
	for i := 0; i < k-1; i++ {
		acc += int32(1000 * weights[i] / total)
		scratch[i] = acc
	}
	scratch[k-1] = 1000
	r := int32(rng.IntN(1000))
	for i := 0; i < k; i++ {
		if r < scratch[i] {
			return i
		}
	}
	return -1
}

// SampleProportional picks an index with probability exactly proportional to
// the non-negative weights; -1 when there are none or all are zero.
func SampleProportional(rng *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	if !(total > 0) {
		return -1
	}
	r := rng.Float64() * total
	for i, w := range weights {
		r -= w
		if r < 0 {
			return i
		}
	}
	for i := len(weights) - 1; i >= 0; i-- {
		if weights[i] > 0 {
			return i
		}
	}
	return -1
}
