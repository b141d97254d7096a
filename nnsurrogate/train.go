package nnsurrogate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Adam is the Adam optimiser with an optional linear decay of the learning rate to zero.
type Adam struct {
	LR           float64 // default 1e-3
	Beta1, Beta2 float64 // defaults 0.9, 0.999
	Eps          float64 // default 1e-8
	// DecaySteps, if positive, decays the learning rate linearly from LR to 0 over that many
	// steps (and keeps it at 0 after).
	DecaySteps int
	t          int
}

// Step applies one update from the gradients in G (it does not clear them).
func (a *Adam) Step(params []*Param) {
	lr, b1, b2, eps := a.LR, a.Beta1, a.Beta2, a.Eps
	if lr == 0 {
		lr = 1e-3
	}
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	if a.DecaySteps > 0 {
		lr *= max(0, 1-float64(a.t)/float64(a.DecaySteps))
	}
	a.t++
	c1 := 1 - math.Pow(b1, float64(a.t))
	c2 := 1 - math.Pow(b2, float64(a.t))
	for _, p := range params {
		for i, g := range p.G {
			p.m[i] = b1*p.m[i] + (1-b1)*g
			p.v[i] = b2*p.v[i] + (1-b2)*g*g
			p.W[i] -= lr * (p.m[i] / c1) / (math.Sqrt(p.v[i]/c2) + eps)
		}
	}
}

// MSE returns the mean squared error of pred against target and, if grad is not nil, writes its
// gradient with respect to pred into grad.
func MSE(pred, target, grad []float64) float64 {
	s := 0.0
	n := float64(len(pred))
	for i, p := range pred {
		d := p - target[i]
		s += d * d
		if grad != nil {
			grad[i] = 2 * d / n
		}
	}
	return s / n
}

// PolicyGradient is the REINFORCE loss −(1/B)·Σ_b adv[b]·log softmax(logits[b])[action[b]] over
// B rows of A logits. Logits equal to -Inf (masked actions) get probability 0. If grad is not
// nil the gradient with respect to the logits is written into it.
func PolicyGradient(logits []float64, A int, actions []int, adv []float64, grad []float64) (float64, error) {
	B := len(actions)
	if A <= 0 || len(logits) != B*A || len(adv) != B || (grad != nil && len(grad) != len(logits)) {
		return 0, fmt.Errorf("%w: policy gradient sizes: %d logits, %d actions, %d advantages, A=%d", ErrNetwork, len(logits), B, len(adv), A)
	}
	loss := 0.0
	for b := 0; b < B; b++ {
		row := logits[b*A : (b+1)*A]
		a := actions[b]
		if a < 0 || a >= A || math.IsInf(row[a], -1) {
			return 0, fmt.Errorf("%w: action %d of row %d is out of range or masked", ErrNetwork, a, b)
		}
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		z := 0.0
		for _, v := range row {
			z += math.Exp(v - m)
		}
		lz := m + math.Log(z)
		loss -= adv[b] * (row[a] - lz) / float64(B)
		if grad != nil {
			for j, v := range row {
				p := math.Exp(v - lz)
				g := p
				if j == a {
					g -= 1
				}
				grad[b*A+j] = adv[b] * g / float64(B)
			}
		}
	}
	return loss, nil
}

// SoftmaxCrossEntropy is −(1/B)·Σ_b Σ_a target[b,a]·log softmax(logits[b])[a] over B rows of A
// logits, for targets that need not be one-hot nor sum to 1: a row whose true classes are only
// partly among the A scored (a tour neighbour outside a node's candidate list) puts the rest of
// its mass nowhere. If grad is not nil the gradient with respect to the logits,
// (Σ_a target[b,a]·softmax − target)/B, is written into it.
func SoftmaxCrossEntropy(logits []float64, A int, target []float64, grad []float64) (float64, error) {
	if A <= 0 || len(logits)%A != 0 || len(target) != len(logits) || (grad != nil && len(grad) != len(logits)) {
		return 0, fmt.Errorf("%w: softmax cross-entropy sizes: %d logits, %d targets, A=%d", ErrNetwork, len(logits), len(target), A)
	}
	B := len(logits) / A
	loss := 0.0
	for b := 0; b < B; b++ {
		row, t := logits[b*A:(b+1)*A], target[b*A:(b+1)*A]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		z, mass := 0.0, 0.0
		for a, v := range row {
			z += math.Exp(v - m)
			mass += t[a]
		}
		lz := m + math.Log(z)
		for a, v := range row {
			if t[a] != 0 {
				loss -= t[a] * (v - lz) / float64(B)
			}
			if grad != nil {
				grad[b*A+a] = (mass*math.Exp(v-lz) - t[a]) / float64(B)
			}
		}
	}
	return loss, nil
}

// FitSettings control Fit. Zero values are the documented defaults.
type FitSettings struct {
	Epochs    int     // default 10
	BatchSize int     // default 128; the last incomplete batch of an epoch is dropped
	LR        float64 // Adam learning rate, default 1e-3
	// Decay makes the learning rate fall linearly to 0 over the run.
	Decay bool
	Seed  uint64 // shuffling seed
	// Threads splits each mini-batch over this many goroutines (0 = GOMAXPROCS). Results do not
	// depend on it beyond floating-point summation order.
	Threads int
	// OnEpoch, if set, is called after each epoch with the mean training loss.
	OnEpoch func(epoch int, loss float64)
}

// Fit trains the network to regress targets (samples × outputs, row-major) from data with the
// MSE loss and Adam, and returns the mean training loss of each epoch.
func (n *Network) Fit(ctx context.Context, data Batch, targets []float64, s FitSettings) ([]float64, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	if s.Epochs <= 0 {
		s.Epochs = 10
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 128
	}
	if s.Threads <= 0 {
		s.Threads = runtime.GOMAXPROCS(0)
	}
	if data.N <= 0 || len(targets)%data.N != 0 {
		return nil, fmt.Errorf("%w: %d targets for %d samples", ErrNetwork, len(targets), data.N)
	}
	outW := len(targets) / data.N
	bs := min(s.BatchSize, data.N)
	steps := data.N / bs
	opt := &Adam{LR: s.LR}
	if s.Decay {
		opt.DecaySteps = s.Epochs * steps
	}
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	perm := rng.Perm(data.N)
	workers := min(s.Threads, bs)
	tapes := make([]*tape, workers)
	for w := range tapes {
		tapes[w] = n.newTape(w > 0)
	}
	shuffled := Batch{N: data.N, Inputs: map[string][]float64{}}
	for name, v := range data.Inputs {
		shuffled.Inputs[name] = make([]float64, len(v))
	}
	shufT := make([]float64, len(targets))
	losses := make([]float64, workers)
	errs := make([]error, workers)
	var history []float64
	for ep := 0; ep < s.Epochs; ep++ {
		if err := ctx.Err(); err != nil {
			return history, err
		}
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for name, v := range data.Inputs {
			per := len(v) / data.N
			dst := shuffled.Inputs[name]
			for i, p := range perm {
				copy(dst[i*per:(i+1)*per], v[p*per:(p+1)*per])
			}
		}
		for i, p := range perm {
			copy(shufT[i*outW:(i+1)*outW], targets[p*outW:(p+1)*outW])
		}
		total := 0.0
		for st := 0; st < steps; st++ {
			if err := ctx.Err(); err != nil {
				return history, err
			}
			n.ZeroGrad()
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				lo := st*bs + w*bs/workers
				hi := st*bs + (w+1)*bs/workers
				run := func() {
					losses[w], errs[w] = n.mseStep(tapes[w], shuffled, shufT, lo, hi, outW, bs)
				}
				if w == workers-1 {
					run()
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); run() }()
			}
			wg.Wait()
			for w := 0; w < workers; w++ {
				if errs[w] != nil {
					return history, errs[w]
				}
				total += losses[w]
				if w > 0 {
					for p, g := range tapes[w].grads {
						for i, v := range g {
							p.G[i] += v
						}
						clear(g)
					}
				}
			}
			opt.Step(n.params)
		}
		history = append(history, total/float64(steps))
		if s.OnEpoch != nil {
			s.OnEpoch(ep, history[ep])
		}
	}
	return history, nil
}

// mseStep runs forward and backward on rows [lo, hi) of a batch of bs rows, so that gradients
// summed over workers are those of the batch mean. It returns that share of the batch loss.
func (n *Network) mseStep(t *tape, data Batch, targets []float64, lo, hi, outW, bs int) (float64, error) {
	if err := n.forward(t, data, lo, hi); err != nil {
		return 0, err
	}
	out := t.vals[n.output]
	want := targets[lo*outW : hi*outW]
	if len(out.v) != len(want) {
		return 0, fmt.Errorf("%w: network gives %d outputs per sample, targets have %d", ErrNetwork, out.width(), outW)
	}
	grad := make([]float64, len(want))
	l := MSE(out.v, want, grad)
	share := float64(len(want)) / float64(bs*outW)
	for i := range grad {
		grad[i] *= share
	}
	n.backward(t, grad)
	return l * share, nil
}
