package jssp

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// The optimisation half of Tassel et al.'s training protocol (research notes
// §2.5): two critic-free PPO-clipped losses over (state, action, old
// log-probability, advantage) samples, Adam with linearly annealed learning rate,
// epochs stopped early on the approximate KL divergence. The rollouts, the
// improver and the expert replay that produce the samples are not here.

// ClippedSurrogate is one sample's loss max(−A·r, −A·clip(r, 1−ε, 1+ε)) with
// r = exp(logp − oldLogp), and its derivative w.r.t. logp. The imitation loss
// uses A = +advantage on the improver's actions and −advantage on the agent's
// replaced ones; the prefix loss, written max(z·r, z·clip(r)) by the authors for
// the z-scored makespan z, is this function with A = −z.
func ClippedSurrogate(logp, oldLogp, adv, clip float64) (loss, dLogp float64) {
	r := math.Exp(logp - oldLogp)
	unclipped := -adv * r
	clipped := -adv * min(max(r, 1-clip), 1+clip)
	if unclipped >= clipped {
		// Inside the clip range both terms are equal and move together; outside
		// it this is the pessimistic side, which still pulls r back.
		return unclipped, -adv * r
	}
	// The clipped term is a constant of logp: the sample has moved far enough.
	return clipped, 0
}

// ApproxKL is the estimator (r − 1) − log r of KL(old‖new) for one sample, the
// statistic the authors' early stop averages.
func ApproxKL(logp, oldLogp float64) float64 {
	lr := logp - oldLogp
	return math.Expm1(lr) - lr
}

// ImprovementAdvantages normalises improvements per instance to [0, 1] by their
// minimum and maximum (+1e-8, so one episode or equal improvements give 0).
// instance[i] names the instance of episode i.
func ImprovementAdvantages(improvement []float64, instance []int) []float64 {
	lo, hi := map[int]float64{}, map[int]float64{}
	for i, x := range improvement {
		k := instance[i]
		if _, ok := lo[k]; !ok {
			lo[k], hi[k] = x, x
		}
		lo[k], hi[k] = min(lo[k], x), max(hi[k], x)
	}
	adv := make([]float64, len(improvement))
	for i, x := range improvement {
		k := instance[i]
		adv[i] = (x - lo[k]) / (hi[k] - lo[k] + 1e-8)
	}
	return adv
}

// MakespanAdvantages z-scores the improver-completed makespans per instance
// (population standard deviation +1e-8): negative for better than the
// instance's mean.
func MakespanAdvantages(makespan []float64, instance []int) []float64 {
	sum, sq, n := map[int]float64{}, map[int]float64{}, map[int]float64{}
	for i, x := range makespan {
		sum[instance[i]] += x
		n[instance[i]]++
	}
	for i, x := range makespan {
		k := instance[i]
		d := x - sum[k]/n[k]
		sq[k] += d * d
	}
	adv := make([]float64, len(makespan))
	for i, x := range makespan {
		k := instance[i]
		adv[i] = (x - sum[k]/n[k]) / (math.Sqrt(sq[k]/n[k]) + 1e-8)
	}
	return adv
}

// Adam is PyTorch's Adam (bias-corrected moments, ε added to √v̂), with β1 0.9,
// β2 0.999 and the authors' ε 1e-5.
type Adam struct {
	Beta1, Beta2, Eps float64
	m, v              []float64
	t                 int
}

// NewAdam returns an optimiser for n parameters.
func NewAdam(n int) *Adam {
	return &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-5, m: make([]float64, n), v: make([]float64, n)}
}

// Step moves params against grad with learning rate lr.
func (a *Adam) Step(params, grad []float64, lr float64) {
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := 1 - math.Pow(a.Beta2, float64(a.t))
	for i, g := range grad {
		a.m[i] = a.Beta1*a.m[i] + (1-a.Beta1)*g
		a.v[i] = a.Beta2*a.v[i] + (1-a.Beta2)*g*g
		params[i] -= lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + a.Eps)
	}
}

// AnnealedLR is the learning rate of update u (1-based) of n: lr·(1 − (u−1)/n),
// from lr at the first update down to lr/n at the last.
func AnnealedLR(lr float64, u, n int) float64 {
	return lr * (1 - float64(u-1)/float64(n))
}

// Sample is one training decision: the state, the action to score, its
// log-probability under the policy that collected it, and its advantage (the
// A of ClippedSurrogate).
type Sample struct {
	Obs        *Observation
	Action     int
	OldLogProb float64
	Advantage  float64
}

// PPOSettings are the authors' optimisation settings for one update.
type PPOSettings struct {
	Clip        float64 // 0.3
	Epochs      int     // 20
	Minibatches int     // 20
	TargetKL    float64 // 0.01; an epoch whose mean approximate KL exceeds it is the last
}

// AuthorsPPO are the defaults of the authors' main.py.
var AuthorsPPO = PPOSettings{Clip: 0.3, Epochs: 20, Minibatches: 20, TargetKL: 0.01}

// learner owns a trainable copy of a network's parameters, their gradient and
// the optimiser state. A minibatch's gradient is the sum of gradChunks
// partial gradients, each over a fixed share of the minibatch's states, added
// in chunk order: the result is the same on any number of threads.
type learner struct {
	net          *Network // positional table, and the template for WithParams
	params, grad []float64
	adam         *Adam
	threads      int
	chunks       [gradChunks]gradChunk
	groups       [][]int // scratch: a minibatch's samples grouped by state
	groupOf      map[*Observation]int
	order, batch []int // scratch: the steps in shuffled order, a minibatch's samples
}

// gradChunks is the number of partial gradients of a minibatch.
const gradChunks = 8

// gradChunk holds one partial gradient and the tapes (one per job count)
// that add into it.
type gradChunk struct {
	grad     []float64
	tapes    map[int]*netTape
	dl       []float64
	loss, kl float64
}

func newLearner(net *Network) *learner {
	p := net.Params()
	l := &learner{net: net, params: p, grad: make([]float64, len(p)), adam: NewAdam(len(p)), threads: 1, groupOf: map[*Observation]int{}}
	for c := range l.chunks {
		l.chunks[c] = gradChunk{grad: make([]float64, len(p)), tapes: map[int]*netTape{}}
	}
	return l
}

func (l *learner) tape(c *gradChunk, J int) *netTape {
	t := c.tapes[J]
	if t == nil {
		t = newNetTape(l.net, l.params, c.grad, J)
		c.tapes[J] = t
	}
	if cap(c.dl) < J+1 {
		c.dl = make([]float64, J+1)
	}
	c.dl = c.dl[:J+1]
	return t
}

// batchGradient sets l.grad to the gradient of the mean clipped surrogate over
// batch and returns that mean and the mean approximate KL. Samples of one
// state (the actions one step took) share a forward and a backward pass.
func (l *learner) batchGradient(samples []Sample, batch []int, clip float64) (loss, kl float64) {
	clear(l.groupOf)
	l.groups = l.groups[:0]
	for _, i := range batch {
		g, ok := l.groupOf[samples[i].Obs]
		if !ok {
			g = len(l.groups)
			l.groupOf[samples[i].Obs] = g
			if g < cap(l.groups) { // reuse the backing array of an earlier minibatch's group
				l.groups = l.groups[:g+1]
				l.groups[g] = l.groups[g][:0]
			} else {
				l.groups = append(l.groups, nil)
			}
		}
		l.groups[g] = append(l.groups[g], i)
	}
	inv := 1 / float64(len(batch))
	n := len(l.groups)
	l.eachChunk(func(c int) {
		ch := &l.chunks[c]
		clear(ch.grad)
		ch.loss, ch.kl = 0, 0
		for _, group := range l.groups[c*n/gradChunks : (c+1)*n/gradChunks] {
			obs := samples[group[0]].Obs
			t := l.tape(ch, obs.J)
			t.forward(obs)
			clear(ch.dl)
			for _, i := range group {
				s := &samples[i]
				lp := t.LogProbs[s.Action]
				sl, d := ClippedSurrogate(lp, s.OldLogProb, s.Advantage, clip)
				ch.loss += sl * inv
				ch.kl += ApproxKL(lp, s.OldLogProb) * inv
				ch.dl[s.Action] += d * inv
			}
			t.backward(ch.dl)
		}
	})
	copy(l.grad, l.chunks[0].grad)
	loss, kl = l.chunks[0].loss, l.chunks[0].kl
	for c := 1; c < gradChunks; c++ {
		for k, g := range l.chunks[c].grad {
			l.grad[k] += g
		}
		loss += l.chunks[c].loss
		kl += l.chunks[c].kl
	}
	return loss, kl
}

// eachChunk runs work for every chunk index, on up to l.threads goroutines.
func (l *learner) eachChunk(work func(c int)) {
	if l.threads <= 1 {
		for c := range gradChunks {
			work(c)
		}
		return
	}
	var wg sync.WaitGroup
	var next atomic.Int32
	for w := 0; w < min(l.threads, gradChunks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int(next.Add(1)) - 1; c < gradChunks; c = int(next.Add(1)) - 1 {
				work(c)
			}
		}()
	}
	wg.Wait()
}

// setOldLogProbs scores every sample under the current parameters, the
// policy an update starts from. It returns early, leaving the rest unset, once
// ctx ends.
func (l *learner) setOldLogProbs(ctx context.Context, samples []Sample) {
	n := len(samples)
	l.eachChunk(func(c int) {
		ch := &l.chunks[c]
		var last *Observation
		var t *netTape
		for i := c * n / gradChunks; i < (c+1)*n/gradChunks; i++ {
			s := &samples[i]
			if s.Obs != last { // a step's samples are adjacent when collected
				if ctx.Err() != nil {
					return
				}
				t = l.tape(ch, s.Obs.J)
				t.forward(s.Obs)
				last = s.Obs
			}
			s.OldLogProb = t.LogProbs[s.Action]
		}
	})
}

// optimise runs the epochs of one update at learning rate lr: each epoch
// shuffles the steps (rng) and deals them whole into minibatches of about
// len/Minibatches samples, and takes an Adam step per minibatch. A step's
// samples share one forward and backward pass only when they share a
// minibatch; dealing samples one by one would pay for a step once per action
// it took. It returns the epochs run and the mean loss of the last one; once
// ctx ends it returns after the minibatch under way.
func (l *learner) optimise(ctx context.Context, samples []Sample, s PPOSettings, lr float64, rng *rand.Rand) (epochs int, loss float64) {
	if len(samples) == 0 {
		return 0, 0
	}
	size := max(1, len(samples)/s.Minibatches)
	steps := l.findSteps(samples)
	for epochs = 1; epochs <= s.Epochs; epochs++ {
		rng.Shuffle(steps, func(i, j int) { l.order[i], l.order[j] = l.order[j], l.order[i] })
		var klSum float64
		loss = 0
		batches := 0
		for first := 0; first < steps; {
			if ctx.Err() != nil {
				return epochs, loss
			}
			first = l.deal(samples, first, steps, size)
			bl, kl := l.batchGradient(samples, l.batch, s.Clip)
			l.adam.Step(l.params, l.grad, lr)
			loss += bl
			klSum += kl
			batches++
		}
		loss /= float64(batches)
		if klSum/float64(batches) > s.TargetKL {
			break
		}
	}
	return min(epochs, s.Epochs), loss
}

// findSteps sets l.order to the index of every step's first sample, in the
// order collected (a step's samples are adjacent), and returns their number.
func (l *learner) findSteps(samples []Sample) int {
	l.order = l.order[:0]
	for i := range samples {
		if i == 0 || samples[i].Obs != samples[i-1].Obs {
			l.order = append(l.order, i)
		}
	}
	return len(l.order)
}

// deal sets l.batch to the samples of the steps l.order[first:], taken whole
// until it holds at least size samples, and returns the next step's place.
func (l *learner) deal(samples []Sample, first, steps, size int) int {
	l.batch = l.batch[:0]
	for ; first < steps && len(l.batch) < size; first++ {
		obs := samples[l.order[first]].Obs
		for i := l.order[first]; i < len(samples) && samples[i].Obs == obs; i++ {
			l.batch = append(l.batch, i)
		}
	}
	return first
}
