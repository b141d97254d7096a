package jssp

import (
	"bytes"
	"context"
	"testing"

	"github.com/cosolve/cosolve/internal/cpuclock"
	"github.com/cosolve/cosolve/nnsurrogate"
	"github.com/cosolve/cosolve/solvers"
)

func benchBestOf32(b *testing.B, name string) {
	net := loadAuthorsNetwork(b)
	js := loadNamed(b, name)
	p := &NetworkPolicy{Net: net}
	b.ResetTimer()
	cpu0 := cpuclock.Process()
	defer func() { b.ReportMetric((cpuclock.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op") }()
	for i := 0; i < b.N; i++ {
		res, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Threads: 1, Seed: uint64(i)}, Policy: p, Samples: 32})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Objective), "makespan")
		b.ReportMetric(float64(res.Stats.Steps)/32, "steps/rollout")
	}
}

// BenchmarkBestOf32Ta01 is acceptance 5's first figure: one best-of-32 on ta01,
// one thread (target ≤ 0.44 s).
func BenchmarkBestOf32Ta01(b *testing.B) { benchBestOf32(b, "ta01") }

// BenchmarkBestOf32Ta71 is acceptance 5's second figure (100×20; target ≤ 18.6 s,
// 20× faster than the authors' 372 s).
func BenchmarkBestOf32Ta71(b *testing.B) { benchBestOf32(b, "ta71") }

func BenchmarkRuleFDDMWKRTa71(b *testing.B) {
	js := loadNamed(b, "ta71")
	env, err := NewEnv(js)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		env.Reset()
		RunRule(env, FDDMWKR)
	}
}

func BenchmarkForwardTa01(b *testing.B) {
	net := loadAuthorsNetwork(b)
	env, err := NewEnv(loadNamed(b, "ta01"))
	if err != nil {
		b.Fatal(err)
	}
	sc, _ := (&NetworkPolicy{Net: net}).NewScorer(env)
	scores := make([]float64, env.J+1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuclock.Process()
	defer func() { b.ReportMetric(float64((cpuclock.Process()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		sc.Scores(env, scores)
	}
}

// BenchmarkForwardTa71 evaluates the network on a mid-episode ta71 state.
func BenchmarkForwardTa71(b *testing.B) {
	net := loadAuthorsNetwork(b)
	env, err := NewEnv(loadNamed(b, "ta71"))
	if err != nil {
		b.Fatal(err)
	}
	var one [1]int
	tables := newRuleTables(env)
	for i := 0; i < 500; i++ {
		one[0] = FDDMWKR.pick(env, tables)
		env.Step(one[:])
	}
	sc, _ := (&NetworkPolicy{Net: net}).NewScorer(env)
	scores := make([]float64, env.J+1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuclock.Process()
	defer func() { b.ReportMetric(float64((cpuclock.Process()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		sc.Scores(env, scores)
	}
}

func BenchmarkBestOf4Ta71(b *testing.B) {
	net := loadAuthorsNetwork(b)
	js := loadNamed(b, "ta71")
	p := &NetworkPolicy{Net: net}
	b.ResetTimer()
	cpu0 := cpuclock.Process()
	defer func() { b.ReportMetric((cpuclock.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op") }()
	for i := 0; i < b.N; i++ {
		if _, err := Solve(context.Background(), js, Settings{Limits: solvers.Limits{Threads: 1, Seed: uint64(i)}, Policy: p, Samples: 4}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardTa01ONNX is BenchmarkForwardTa01 through nnsurrogate's
// generic runner on the exported graph, for comparison.
func BenchmarkForwardTa01ONNX(b *testing.B) {
	m, err := nnsurrogate.LoadReader(bytes.NewReader(authorsONNX(b)))
	if err != nil {
		b.Fatal(err)
	}
	env, err := NewEnv(loadNamed(b, "ta01"))
	if err != nil {
		b.Fatal(err)
	}
	sc, err := (&ONNXPolicy{Model: m, Label: "generic"}).NewScorer(env)
	if err != nil {
		b.Fatal(err)
	}
	scores := make([]float64, env.J+1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuclock.Process()
	defer func() { b.ReportMetric(float64((cpuclock.Process()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for i := 0; i < b.N; i++ {
		if err := sc.Scores(env, scores); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTapeTa01 is one training sample's float64 forward and backward
// pass on a ta01 state, the cost that dominates a training update.
func BenchmarkTapeTa01(b *testing.B) {
	net := loadAuthorsNetwork(b)
	env, err := NewEnv(loadNamed(b, "ta01"))
	if err != nil {
		b.Fatal(err)
	}
	obs := NewObservation(env.J)
	env.Observe(obs)
	l := newLearner(net)
	t := l.tape(&l.chunks[0], env.J)
	dl := make([]float64, env.J+1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.forward(obs)
		clear(dl)
		dl[0] = 1
		t.backward(dl)
	}
}
