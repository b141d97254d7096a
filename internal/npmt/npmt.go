// Package npmt reproduces the random numbers of numpy's legacy generator
// (np.random.seed(int), np.random.uniform), which Neur2RO uses to draw its
// capital-budgeting instances and the extra scenarios of its sampled-scenario
// evaluation. Matching it bit for bit lets Go rebuild those numbers instead of
// shipping them.
package npmt

// MT is the 32-bit Mersenne Twister (MT19937) as numpy's RandomState runs it.
type MT struct {
	state [624]uint32
	pos   int
}

// New seeds the generator as np.random.seed(seed) does for an integer seed
// below 2^32 (the reference init_genrand).
func New(seed uint32) *MT {
	m := &MT{}
	m.state[0] = seed
	for i := 1; i < 624; i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	m.pos = 624
	return m
}

func (m *MT) refill() {
	const upper, lower, matrix = 0x80000000, 0x7fffffff, 0x9908b0df
	s := &m.state
	for i := 0; i < 624; i++ {
		y := s[i]&upper | s[(i+1)%624]&lower
		v := s[(i+397)%624] ^ y>>1
		if y&1 != 0 {
			v ^= matrix
		}
		s[i] = v
	}
	m.pos = 0
}

// Uint32 is the next 32-bit output (tempered).
func (m *MT) Uint32() uint32 {
	if m.pos == 624 {
		m.refill()
	}
	y := m.state[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Float64 is numpy's random_sample: 53 random bits from two outputs.
func (m *MT) Float64() float64 {
	a, b := m.Uint32()>>5, m.Uint32()>>6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// Uniform is np.random.uniform(lo, hi) for one value: lo + (hi−lo)·u.
func (m *MT) Uniform(lo, hi float64) float64 { return lo + (hi-lo)*m.Float64() }
