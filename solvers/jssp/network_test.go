package jssp

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers"
)

func loadAuthorsNetwork(t testing.TB) *Network {
	t.Helper()
	path := datadirtest.Path(t, "jssp", "tassel_e2e", "pretrained", "checkpoint_model_state_dict.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	net, err := ReadStateDict(f, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// goldenLogits walks each golden trajectory and calls eval at the recorded
// states, returning the largest deviation from the recorded logits.
func goldenLogitDeviation(t *testing.T, eval func(env *Env, o *Observation) []float32) float64 {
	g, insts := loadGolden(t)
	worst := 0.0
	for _, name := range []string{"ft06", "ft10", "ta01"} {
		gi := g[name]
		env, err := NewEnv(insts[name])
		if err != nil {
			t.Fatal(err)
		}
		obs := NewObservation(env.J)
		states := map[int]goldenState{}
		for _, s := range gi.States {
			states[s.EnvStep] = s
		}
		var buf []int
		for step := 0; !env.Done(); step++ {
			if s, ok := states[step]; ok {
				env.Observe(obs)
				got := eval(env, obs)
				for a, want := range s.Logits {
					if want < -1e38 {
						if got[a] > -1e38 {
							t.Fatalf("%s step %d action %d: logit %v, want masked", name, step, a, got[a])
						}
						continue
					}
					worst = max(worst, math.Abs(float64(got[a])-want))
				}
			}
			buf = allByID(env, buf)
			env.Step(buf)
		}
	}
	return worst
}

func TestNetworkGoldenLogits(t *testing.T) {
	net := loadAuthorsNetwork(t)
	fw := map[int]*forward{}
	dev := goldenLogitDeviation(t, func(env *Env, o *Observation) []float32 {
		f := fw[env.J]
		if f == nil {
			f = newForward(net, env.J, env.M)
			fw[env.J] = f
		}
		f.run(o)
		return f.logits
	})
	t.Logf("largest logit deviation from the golden vectors: %.3g", dev)
	if dev > 1e-5 {
		t.Errorf("logits deviate by %.3g from the golden vectors (tolerance 1e-5)", dev)
	}
}

// TestPositionalEncodingMatters shows that the positions are part of the forward
// pass the golden logits came from: without them the logits no longer match.
func TestPositionalEncodingMatters(t *testing.T) {
	net := *loadAuthorsNetwork(t)
	net.pe = [peLen][dModel]float32{}
	dev := goldenLogitDeviation(t, func(env *Env, o *Observation) []float32 {
		f := newForward(&net, env.J, env.M)
		f.run(o)
		return f.logits
	})
	if dev < 1e-3 {
		t.Errorf("logits without positional encoding deviate by only %.3g", dev)
	}
}

func TestFastMath(t *testing.T) {
	for x := -50.0; x <= 20; x += 0.001 {
		want := math.Exp(x)
		if got := exp64(x); math.Abs(got-want) > 5e-10*want {
			t.Fatalf("exp64(%v) = %v, want %v", x, got, want)
		}
		w32 := math.Tanh(x / 3)
		if got := float64(tanh32(float32(x / 3))); math.Abs(got-w32) > 2e-7 {
			t.Fatalf("tanh32(%v) = %v, want %v", x/3, got, w32)
		}
	}
}

// TestNoAllocations: after a first episode has sized the buffers, a whole greedy
// episode (propagation, observation, inference, sorting) allocates nothing.
func TestNoAllocations(t *testing.T) {
	net := loadAuthorsNetwork(t)
	env, err := NewEnv(loadNamed(t, "ta01"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Policy{&NetworkPolicy{Net: net}, FDDMWKR} {
		ro, err := newRollout(env, p)
		if err != nil {
			t.Fatal(err)
		}
		never := solvers.NewBudget(context.Background(), 0)
		ro.episode(0, nil, never)
		if n := testing.AllocsPerRun(3, func() { ro.episode(0, nil, never) }); n != 0 {
			t.Errorf("%s: %.1f allocations per episode", p.Name(), n)
		}
	}
}
