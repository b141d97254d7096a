package jssp

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestClippedSurrogate(t *testing.T) {
	const clip = 0.3
	for _, tc := range []struct {
		name           string
		r, adv         float64
		loss, dLogp    float64
		clippedOutside bool
	}{
		{"positive advantage inside", 1.1, 2, -2.2, -2.2, false},
		{"positive advantage above the range stops", 1.5, 2, -2 * 1.3, 0, true},
		{"positive advantage below the range still pulls", 0.5, 2, -1, -1, false},
		{"negative advantage inside", 0.9, -1, 0.9, 0.9, false},
		{"negative advantage below the range stops", 0.5, -1, 0.7, 0, true},
		{"negative advantage above the range still pushes", 1.6, -1, 1.6, 1.6, false},
		{"zero advantage", 1.2, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := -1.3
			logp := old + math.Log(tc.r)
			loss, d := ClippedSurrogate(logp, old, tc.adv, clip)
			if math.Abs(loss-tc.loss) > 1e-12 || math.Abs(d-tc.dLogp) > 1e-12 {
				t.Errorf("loss %v, dlogp %v; want %v, %v", loss, d, tc.loss, tc.dLogp)
			}
			// The derivative is the loss's slope (away from the clip edges).
			const h = 1e-6
			up, _ := ClippedSurrogate(logp+h, old, tc.adv, clip)
			down, _ := ClippedSurrogate(logp-h, old, tc.adv, clip)
			if fd := (up - down) / (2 * h); math.Abs(fd-d) > 1e-6 {
				t.Errorf("dlogp %v, finite difference %v", d, fd)
			}
		})
	}
}

func TestApproxKL(t *testing.T) {
	if kl := ApproxKL(-1, -1); kl != 0 {
		t.Errorf("KL of equal log-probabilities %v", kl)
	}
	for _, lr := range []float64{-0.5, -0.01, 0.01, 0.5} {
		if kl := ApproxKL(lr, 0); kl <= 0 || math.Abs(kl-(math.Exp(lr)-1-lr)) > 1e-15 {
			t.Errorf("ApproxKL at log-ratio %v = %v", lr, kl)
		}
	}
}

func TestAdvantages(t *testing.T) {
	inst := []int{0, 1, 0, 0, 1, 2}
	imp := []float64{0.1, 0.05, 0.3, 0.2, 0.05, 0.4}
	wantImp := []float64{0, 0, 1, 0.5, 0, 0}
	ms := []float64{100, 50, 110, 120, 60, 70}
	wantMS := []float64{-math.Sqrt(1.5), -1, 0, math.Sqrt(1.5), 1, 0}
	for _, tc := range []struct {
		name      string
		got, want []float64
	}{
		{"improvement min-max per instance", ImprovementAdvantages(imp, inst), wantImp},
		{"makespan z-score per instance", MakespanAdvantages(ms, inst), wantMS},
	} {
		for i := range tc.want {
			if math.Abs(tc.got[i]-tc.want[i]) > 1e-6 {
				t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
				break
			}
		}
	}
}

func TestAdam(t *testing.T) {
	// The first step of bias-corrected Adam moves each parameter by lr·g/(|g|+ε).
	a := NewAdam(3)
	p := []float64{1, 1, 1}
	g := []float64{0.5, -2, 0}
	a.Step(p, g, 0.1)
	for i, want := range []float64{1 - 0.1*0.5/(0.5+1e-5), 1 + 0.1*2/(2+1e-5), 1} {
		if math.Abs(p[i]-want) > 1e-12 {
			t.Errorf("after one step p[%d] = %v, want %v", i, p[i], want)
		}
	}
	// On a quadratic it converges.
	a, x := NewAdam(2), []float64{3, -4}
	for range 2000 {
		a.Step(x, []float64{2 * x[0], 20 * x[1]}, 0.01)
	}
	if math.Hypot(x[0], x[1]) > 1e-2 {
		t.Errorf("Adam ends at %v on x²+10y²", x)
	}
}

func TestAnnealedLR(t *testing.T) {
	for _, tc := range []struct {
		u, n int
		want float64
	}{{1, 100, 2e-4}, {51, 100, 1e-4}, {100, 100, 2e-6}, {1, 1, 2e-4}} {
		if got := AnnealedLR(2e-4, tc.u, tc.n); math.Abs(got-tc.want) > 1e-18 {
			t.Errorf("AnnealedLR(2e-4, %d, %d) = %v, want %v", tc.u, tc.n, got, tc.want)
		}
	}
}

// imitationSamples are the states of an ft06 episode under FDD/MWKR with the
// rule's choice as the action to imitate (advantage 1), log-probabilities
// from net.
func imitationSamples(t *testing.T, net *Network) []Sample {
	env, err := NewEnv(loadNamed(t, "ft06"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := FDDMWKR.NewScorer(env)
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]float64, env.J+1)
	var samples []Sample
	for !env.Done() {
		obs := NewObservation(env.J)
		env.Observe(obs)
		if err := sc.Scores(env, scores); err != nil {
			t.Fatal(err)
		}
		best := -1
		for j := 0; j < env.J; j++ {
			if env.Legal(j) && (best < 0 || scores[j] > scores[best]) {
				best = j
			}
		}
		samples = append(samples, Sample{Obs: obs, Action: best, Advantage: 1})
		env.Step([]int{best})
	}
	refreshLogProbs(net.Params(), net, samples)
	return samples
}

// refreshLogProbs sets each sample's OldLogProb under params, as a new update's
// rollouts would.
func refreshLogProbs(params []float64, net *Network, samples []Sample) float64 {
	var mean float64
	for i := range samples {
		tp := newNetTape(net, params, make([]float64, nParams), samples[i].Obs.J)
		tp.forward(samples[i].Obs)
		samples[i].OldLogProb = tp.LogProbs[samples[i].Action]
		mean += samples[i].OldLogProb / float64(len(samples))
	}
	return mean
}

// TestImitationLossDrops: the imitation loss alone teaches the authors' network
// to prefer FDD/MWKR's choices over a few updates, each update's loss below
// its starting −1, and the same seed gives the same weights.
func TestImitationLossDrops(t *testing.T) {
	net := loadAuthorsNetwork(t)
	run := func(seed uint64) ([]float64, []float64) {
		samples := imitationSamples(t, net)
		l := newLearner(net)
		rng := rand.New(rand.NewPCG(seed, 0))
		s := PPOSettings{Clip: 0.3, Epochs: 4, Minibatches: 4, TargetKL: math.Inf(1)}
		means := []float64{refreshLogProbs(l.params, net, samples)}
		for u := 1; u <= 4; u++ {
			_, loss := l.optimise(context.Background(), samples, s, AnnealedLR(3e-3, u, 4), rng)
			if loss >= -1 {
				t.Errorf("update %d: last epoch's loss %v, want below −1 (ratio above 1)", u, loss)
			}
			means = append(means, refreshLogProbs(l.params, net, samples))
		}
		return l.params, means
	}
	p1, means := run(1)
	t.Logf("mean log-probability of the rule's actions per update: %.3f", means)
	if means[len(means)-1] < means[0]+0.1 {
		t.Errorf("mean log-probability went from %.3f to %.3f", means[0], means[len(means)-1])
	}
	if p2, _ := run(1); !slices.Equal(p1, p2) {
		t.Error("the same seed gave different weights")
	}
}

// TestKLEarlyStop: a target KL of 0 stops after the first epoch, and an empty
// sample set runs none.
func TestKLEarlyStop(t *testing.T) {
	net := loadAuthorsNetwork(t)
	samples := imitationSamples(t, net)[:8]
	l := newLearner(net)
	rng := rand.New(rand.NewPCG(2, 0))
	if epochs, _ := l.optimise(context.Background(), samples, PPOSettings{Clip: 0.3, Epochs: 20, Minibatches: 2, TargetKL: 0}, 1e-3, rng); epochs != 1 {
		t.Errorf("%d epochs with target KL 0, want 1", epochs)
	}
	if epochs, _ := l.optimise(context.Background(), nil, AuthorsPPO, 1e-3, rng); epochs != 0 {
		t.Errorf("%d epochs on no samples", epochs)
	}
}

// TestSurrogateGradient: the minibatch gradient (surrogate through the network)
// against finite differences, with ratios inside the clip range.
func TestSurrogateGradient(t *testing.T) {
	net := loadAuthorsNetwork(t)
	samples := imitationSamples(t, net)[3:7]
	for i := range samples {
		samples[i].OldLogProb += 0.1 * float64(i-1) // ratios 1.1, 1, 0.9, 0.82
		samples[i].Advantage = float64(i) - 1.5
	}
	batch := []int{0, 1, 2, 3}
	l := newLearner(net)
	gc := gradCase{"surrogate", nParams, func(theta, grad []float64) float64 {
		copy(l.params, theta)
		loss, _ := l.batchGradient(samples, batch, 0.3)
		if grad != nil {
			copy(grad, l.grad)
		}
		return loss
	}}
	worstRel, at, worstAbs := checkGradient(gc, net.Params())
	checkWithin(t, "mean clipped surrogate over 4 ft06 states", nParams, worstRel, at, worstAbs)
}

// TestMinibatchesKeepStepsWhole: every sample lands in exactly one minibatch
// of an epoch, a step's samples in the same one, and each minibatch stops at
// the first step that brings it to the requested size.
func TestMinibatchesKeepStepsWhole(t *testing.T) {
	var samples []Sample
	stepOf := map[*Observation]int{}
	for s, actions := range []int{1, 3, 2, 1, 4, 1, 1, 2, 5, 1} {
		obs := NewObservation(4)
		stepOf[obs] = s
		for a := range actions {
			samples = append(samples, Sample{Obs: obs, Action: a})
		}
	}
	l := newLearner(NewNetwork(1))
	steps := l.findSteps(samples)
	if steps != len(stepOf) {
		t.Fatalf("%d steps found, want %d", steps, len(stepOf))
	}
	rng := rand.New(rand.NewPCG(3, 0))
	for _, size := range []int{1, 3, 4, 100} {
		rng.Shuffle(steps, func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
		seen := make([]int, len(samples))
		batchOf := map[int]int{}
		for first, b := 0, 0; first < steps; b++ {
			next := l.deal(samples, first, steps, size)
			if next == first {
				t.Fatalf("size %d: an empty minibatch", size)
			}
			for _, i := range l.batch {
				seen[i]++
				s := stepOf[samples[i].Obs]
				if prev, ok := batchOf[s]; ok && prev != b {
					t.Errorf("size %d: step %d split over minibatches %d and %d", size, s, prev, b)
				}
				batchOf[s] = b
			}
			if last := samples[l.order[next-1]].Obs; len(l.batch)-countOf(samples, l.batch, last) >= size {
				t.Errorf("size %d: minibatch %d holds %d samples, full before its last step", size, b, len(l.batch))
			}
			first = next
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("size %d: sample %d dealt %d times", size, i, n)
			}
		}
	}
}

func countOf(samples []Sample, batch []int, obs *Observation) int {
	n := 0
	for _, i := range batch {
		if samples[i].Obs == obs {
			n++
		}
	}
	return n
}

// TestLearnerStopsWithItsContext: an ended context stops the scoring and the
// epochs at once, so that a stopped training run is not kept waiting for an
// update it will abandon anyway.
func TestLearnerStopsWithItsContext(t *testing.T) {
	net := loadAuthorsNetwork(t)
	samples := imitationSamples(t, net)
	l := newLearner(net)
	before := slices.Clone(l.params)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range samples {
		samples[i].OldLogProb = 1 // no log-probability is positive
	}
	l.setOldLogProbs(ctx, samples)
	for i, s := range samples {
		if s.OldLogProb != 1 {
			t.Fatalf("sample %d scored after the context ended", i)
		}
	}
	l.optimise(ctx, samples, AuthorsPPO, 1e-3, rand.New(rand.NewPCG(1, 0)))
	if !slices.Equal(before, l.params) {
		t.Error("the parameters moved after the context ended")
	}
}
