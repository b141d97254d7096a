package solvers

import (
	"hash/fnv"
	"math/rand/v2"
)

// NewRand is the random stream of one phase and one thread (or rollout,
// restart, …) of a run with the given seed. The phase name and the stream index
// are hashed together with the seed, so thread 1 of seed s is unrelated to
// thread 0 of seed s+1 (with Seed+i, seed s thread 2 was seed s+1 thread 1),
// and two phases of a run never share draws. PCG keeps the stream identical on
// every machine.
func NewRand(seed uint64, phase string, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(DeriveSeed(seed, phase, stream), mix(stream+0x632be59bd9b4e019)))
}

// DeriveSeed is the seed of one phase and stream of a run, for components that
// take a seed rather than a generator.
func DeriveSeed(seed uint64, phase string, stream uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(phase))
	return mix(mix(seed^mix(h.Sum64())) ^ mix(stream))
}

// mix is splitmix64's finaliser: a bijection that spreads every input bit over
// the whole word.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
