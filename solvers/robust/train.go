package robust

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/nnsurrogate"
)

// DataSettings configure GenerateData. Zero values are defaults.
type DataSettings struct {
	Instances   int    // generated instances (default 250)
	FirstStages int    // first-stage samples per instance (default 10)
	Scenarios   int    // scenarios per first stage (default 20)
	Sizes       []int  // item counts drawn from (default 20, 30, …, 80)
	Seed        uint64 // instance i uses generator seed Seed+i (default 7, as Neur2RO)
	Threads     int    // labelling goroutines (0 = GOMAXPROCS)
	// Progress, if set, is called after each labelled instance.
	Progress func(done, total int)
}

// Sample is one labelled (x, ξ) pair of a generated instance.
type Sample struct {
	Instance int
	X        []bool
	Xi       []float64
	// Saving is the exact second-stage saving over outsourcing every selected item.
	Saving float64
}

// Dataset is a set of generated instances and labelled samples.
type Dataset struct {
	Instances []*instances.RobustKnapsack
	Samples   []Sample
}

// GenerateData draws instances with the published recipe (never the benchmark
// files), samples first stages and scenarios the way Neur2RO does, and labels them
// with the second-stage DP. First stages: p ~ U(0,1), x_i ~ Bernoulli(1−p).
// Scenarios: half as Neur2RO (a budget b ~ U(0, Γ) spread as b·u/Σu, clipped to 1),
// half on vertices of Ξ (⌊Γ⌋ random selected items at 1 and one at Γ−⌊Γ⌋), where
// the adversarial problem's optima lie.
func GenerateData(ctx context.Context, s DataSettings) (*Dataset, error) {
	if s.Instances <= 0 {
		s.Instances = 250
	}
	if s.FirstStages <= 0 {
		s.FirstStages = 10
	}
	if s.Scenarios <= 0 {
		s.Scenarios = 20
	}
	if len(s.Sizes) == 0 {
		s.Sizes = []int{20, 30, 40, 50, 60, 70, 80}
	}
	if s.Seed == 0 {
		s.Seed = 7
	}
	if s.Threads <= 0 {
		s.Threads = runtime.GOMAXPROCS(0)
	}
	ds := &Dataset{Instances: make([]*instances.RobustKnapsack, s.Instances)}
	per := s.FirstStages * s.Scenarios
	ds.Samples = make([]Sample, s.Instances*per)
	var mu sync.Mutex
	done := 0
	jobs := make(chan int)
	errs := make(chan error, s.Threads)
	var wg sync.WaitGroup
	for w := 0; w < s.Threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				k, samples, err := sampleInstance(s, i)
				if err != nil {
					errs <- err
					return
				}
				ds.Instances[i] = k
				copy(ds.Samples[i*per:], samples)
				mu.Lock()
				done++
				if s.Progress != nil {
					s.Progress(done, s.Instances)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < s.Instances; i++ {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return nil, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return ds, nil
}

func sampleInstance(s DataSettings, i int) (*instances.RobustKnapsack, []Sample, error) {
	rng := rand.New(rand.NewPCG(s.Seed+uint64(i), 0x4441544))
	bfs := []float64{0.1, 0.15, 0.2}
	deltas := []float64{0.1, 0.5, 1}
	p := instances.RKPParams{
		Corr: instances.Correlations[rng.IntN(4)], N: s.Sizes[rng.IntN(len(s.Sizes))], R: 1000, H: 100,
		HSmall: 40 * (1 + rng.IntN(2)), BudgetFactor: bfs[rng.IntN(3)], Delta: deltas[rng.IntN(3)],
	}
	k, err := instances.GenerateRobustKnapsack(p, s.Seed+uint64(i))
	if err != nil {
		return nil, nil, err
	}
	n := k.N()
	ss := NewSecondStage(k)
	var out []Sample
	for f := 0; f < s.FirstStages; f++ {
		q := rng.Float64()
		x := make([]bool, n)
		base := 0.0
		for j := range x {
			x[j] = rng.Float64() >= q
			if x[j] {
				base += k.Profit[j] - k.Outsource[j]
			}
		}
		for c := 0; c < s.Scenarios; c++ {
			xi := make([]float64, n)
			if c%2 == 0 {
				spreadScenario(rng, k.Gamma, xi)
			} else {
				vertexScenario(rng, k.Gamma, x, xi)
			}
			v := ss.Solve(x, xi, nil, nil)
			out = append(out, Sample{Instance: i, X: x, Xi: xi, Saving: v - base})
		}
	}
	return k, out, nil
}

func spreadScenario(rng *rand.Rand, gamma float64, xi []float64) {
	b := gamma * rng.Float64()
	sum := 0.0
	for j := range xi {
		xi[j] = rng.Float64()
		sum += xi[j]
	}
	for j := range xi {
		xi[j] = math.Min(1, b*xi[j]/sum)
	}
}

func vertexScenario(rng *rand.Rand, gamma float64, x []bool, xi []float64) {
	var sel []int
	for j, in := range x {
		if in {
			sel = append(sel, j)
		}
	}
	if len(sel) == 0 {
		return
	}
	rng.Shuffle(len(sel), func(a, b int) { sel[a], sel[b] = sel[b], sel[a] })
	left := gamma
	for _, j := range sel {
		if left <= 0 {
			break
		}
		xi[j] = math.Min(1, left)
		left -= xi[j]
	}
}

// batch builds the network inputs of some samples, padded with zero rows to the
// largest item count (rows of zeros contribute nothing: the embeddings have no bias).
func (ds *Dataset) batch(idx []int) (nnsurrogate.Batch, []float64) {
	maxN := 0
	for _, s := range idx {
		maxN = max(maxN, ds.Instances[ds.Samples[s].Instance].N())
	}
	feats := map[int][]float64{}
	bx := make([]float64, len(idx)*maxN*ItemFeatures)
	bxi := make([]float64, len(idx)*maxN*ItemFeatures)
	target := make([]float64, len(idx))
	for b, s := range idx {
		smp := ds.Samples[s]
		k := ds.Instances[smp.Instance]
		f, ok := feats[smp.Instance]
		if !ok {
			f = itemFeatures(k)
			feats[smp.Instance] = f
		}
		for i := 0; i < k.N(); i++ {
			rx := bx[(b*maxN+i)*ItemFeatures:]
			rxi := bxi[(b*maxN+i)*ItemFeatures:]
			if smp.X[i] {
				rx[0] = 1
			}
			rxi[0] = smp.Xi[i]
			copy(rx[1:ItemFeatures], f[6*i:6*i+6])
			copy(rxi[1:ItemFeatures], f[6*i:6*i+6])
		}
		target[b] = smp.Saving / labelScale(k)
	}
	return nnsurrogate.Batch{N: len(idx), Inputs: map[string][]float64{InputX: bx, InputXi: bxi}}, target
}

// TrainSettings configure Train. Zero values are defaults.
type TrainSettings struct {
	Shape     NetworkShape // default DefaultShape
	Epochs    int          // default 60
	BatchSize int          // default 128
	LR        float64      // default 2e-3, decayed linearly to 0
	Seed      uint64       // weights and shuffling (default 12345, as Neur2RO)
	Threads   int
	// Validation is the share of instances held out (default 0.2); the split is by
	// instance, so validation instances are never seen in training.
	Validation float64
	OnEpoch    func(epoch int, loss float64)
}

// Validation reports the held-out error per item count, in the label's own units
// (the saving), against the range of the labels of that item count.
type Validation struct {
	Sizes []SizeError
	// WorstRatio is the largest MAE/range over the sizes.
	WorstRatio float64
}

// SizeError is the validation error of one item count.
type SizeError struct {
	N            int
	Samples      int
	MAE          float64
	LabelMin     float64
	LabelMax     float64
	MAEOverRange float64
}

// Train fits a value network on the dataset and measures it on held-out instances.
func Train(ctx context.Context, ds *Dataset, s TrainSettings) (*nnsurrogate.Network, Validation, error) {
	if s.Shape == (NetworkShape{}) {
		s.Shape = DefaultShape
	}
	if s.Epochs <= 0 {
		s.Epochs = 60
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 128
	}
	if s.LR <= 0 {
		s.LR = 2e-3
	}
	if s.Seed == 0 {
		s.Seed = 12345
	}
	if s.Validation <= 0 || s.Validation >= 1 {
		s.Validation = 0.2
	}
	rng := rand.New(rand.NewPCG(s.Seed, 77))
	perm := rng.Perm(len(ds.Instances))
	held := map[int]bool{}
	for _, i := range perm[:int(math.Ceil(s.Validation*float64(len(perm))))] {
		held[i] = true
	}
	var trainIdx, valIdx []int
	for j, smp := range ds.Samples {
		if held[smp.Instance] {
			valIdx = append(valIdx, j)
		} else {
			trainIdx = append(trainIdx, j)
		}
	}
	if len(trainIdx) == 0 || len(valIdx) == 0 {
		return nil, Validation{}, fmt.Errorf("robust: %d instances are too few to hold some out", len(ds.Instances))
	}
	net := NewValueNetwork(s.Shape, s.Seed)
	data, target := ds.batch(trainIdx)
	if _, err := net.Fit(ctx, data, target, nnsurrogate.FitSettings{
		Epochs: s.Epochs, BatchSize: s.BatchSize, LR: s.LR, Decay: true, Seed: s.Seed, Threads: s.Threads, OnEpoch: s.OnEpoch,
	}); err != nil {
		return nil, Validation{}, err
	}
	val, err := validate(net, ds, valIdx)
	return net, val, err
}

func validate(net *nnsurrogate.Network, ds *Dataset, idx []int) (Validation, error) {
	bySize := map[int][]int{}
	for _, j := range idx {
		n := ds.Instances[ds.Samples[j].Instance].N()
		bySize[n] = append(bySize[n], j)
	}
	var v Validation
	sizes := make([]int, 0, len(bySize))
	for n := range bySize {
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)
	for _, n := range sizes {
		js := bySize[n]
		se := SizeError{N: n, Samples: len(js), LabelMin: math.Inf(1), LabelMax: math.Inf(-1)}
		for lo := 0; lo < len(js); lo += 512 {
			part := js[lo:min(lo+512, len(js))]
			b, _ := ds.batch(part)
			pred, _, err := net.Forward(b)
			if err != nil {
				return v, err
			}
			for t, j := range part {
				smp := ds.Samples[j]
				est := pred[t] * labelScale(ds.Instances[smp.Instance])
				se.MAE += math.Abs(est - smp.Saving)
				se.LabelMin = math.Min(se.LabelMin, smp.Saving)
				se.LabelMax = math.Max(se.LabelMax, smp.Saving)
			}
		}
		se.MAE /= float64(len(js))
		if r := se.LabelMax - se.LabelMin; r > 0 {
			se.MAEOverRange = se.MAE / r
		}
		v.WorstRatio = math.Max(v.WorstRatio, se.MAEOverRange)
		v.Sizes = append(v.Sizes, se)
	}
	return v, nil
}
