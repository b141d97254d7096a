package robust

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/cosolve/cosolve/nnsurrogate"
)

// DataSettings configure GenerateData. Zero values are defaults.
type DataSettings struct {
	Family      Family // the problem's instance generator (default KnapsackFamily{})
	Instances   int    // generated instances (default 250)
	FirstStages int    // first-stage samples per instance (default 10)
	Scenarios   int    // scenarios per first stage (default 20)
	Seed        uint64 // instance i uses generator seed Seed+i (default 7, as Neur2RO's knapsack)
	Threads     int    // labelling goroutines (0 = GOMAXPROCS)
	// Progress, if set, is called after each labelled instance.
	Progress func(done, total int)
}

// Sample is one labelled (x, ξ) pair of a generated instance.
type Sample struct {
	Instance int
	X        []bool
	Xi       []float64
	// Label is the problem's exact label (Problem.Label), before scaling.
	Label float64
}

// Dataset is a set of generated instances and labelled samples.
type Dataset struct {
	Instances []Problem
	Samples   []Sample
}

// GenerateData draws instances from the family (never the benchmark files),
// samples first stages and scenarios the problem's way
// (Problem.SampleFirstStage, SampleScenario) and labels them exactly
// (Problem.Label); pairs without a label are dropped.
func GenerateData(ctx context.Context, s DataSettings) (*Dataset, error) {
	if s.Family == nil {
		s.Family = KnapsackFamily{}
	}
	if s.Instances <= 0 {
		s.Instances = 250
	}
	if s.FirstStages <= 0 {
		s.FirstStages = 10
	}
	if s.Scenarios <= 0 {
		s.Scenarios = 20
	}
	if s.Seed == 0 {
		s.Seed = 7
	}
	if s.Threads <= 0 {
		s.Threads = runtime.GOMAXPROCS(0)
	}
	ds := &Dataset{Instances: make([]Problem, s.Instances)}
	perInstance := make([][]Sample, s.Instances)
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
				p, samples, err := sampleInstance(ctx, s, i)
				if err != nil {
					errs <- err
					return
				}
				ds.Instances[i] = p
				perInstance[i] = samples
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
	for _, smp := range perInstance {
		ds.Samples = append(ds.Samples, smp...)
	}
	return ds, nil
}

func sampleInstance(ctx context.Context, s DataSettings, i int) (Problem, []Sample, error) {
	rng := rand.New(rand.NewPCG(s.Seed+uint64(i), 0x4441544))
	p, err := s.Family.Instance(rng, s.Seed+uint64(i))
	if err != nil {
		return nil, nil, err
	}
	dim := p.Uncertainty().Dim
	var out []Sample
	for f := 0; f < s.FirstStages; f++ {
		x := p.SampleFirstStage(rng)
		for c := 0; c < s.Scenarios; c++ {
			xi := make([]float64, dim)
			p.SampleScenario(rng, x, c, xi)
			v, ok, err := p.Label(ctx, x, xi)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				out = append(out, Sample{Instance: i, X: x, Xi: xi, Label: v})
			}
		}
	}
	return p, out, nil
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
	feats := map[int]Features{}
	l := ds.Instances[0].Features().Layout
	bx := make([]float64, len(idx)*maxN*l.XWidth)
	bxi := make([]float64, len(idx)*maxN*l.XiWidth)
	target := make([]float64, len(idx))
	for b, s := range idx {
		smp := ds.Samples[s]
		p := ds.Instances[smp.Instance]
		f, ok := feats[smp.Instance]
		if !ok {
			f = p.Features()
			feats[smp.Instance] = f
		}
		n := p.N()
		for i := 0; i < n; i++ {
			rx := bx[(b*maxN+i)*l.XWidth:]
			if smp.X[i] {
				rx[0] = 1
			}
			copy(rx[1:l.XWidth], f.XStatic[(l.XWidth-1)*i:(l.XWidth-1)*(i+1)])
		}
		f.XiRows(smp.Xi, bxi[b*maxN*l.XiWidth:(b*maxN+n)*l.XiWidth])
		target[b] = smp.Label / f.LabelScale
	}
	return nnsurrogate.Batch{N: len(idx), Inputs: map[string][]float64{l.XInput: bx, l.XiInput: bxi}}, target
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
// (Problem.Label), against the range of the labels of that item count.
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

// Train fits a value network on the dataset and measures it on held-out
// instances; the model records the label's sense (LabelMetadata).
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
	f := ds.Instances[0].Features()
	net := NewValueNetwork(f.Layout, s.Shape, s.Seed)
	// The weights do not say which way the label points; the solver reads it here.
	net.SetMetadata(LabelMetadata, string(cmp.Or(f.Label, LabelCost)))
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
				est := pred[t] * ds.Instances[smp.Instance].Features().LabelScale
				se.MAE += math.Abs(est - smp.Label)
				se.LabelMin = math.Min(se.LabelMin, smp.Label)
				se.LabelMax = math.Max(se.LabelMax, smp.Label)
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
