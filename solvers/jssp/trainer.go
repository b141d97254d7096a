package jssp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/solvers"
	"github.com/cosolve/cosolve/solvers/jssp/improve"
)

// The sampling half of Tassel et al.'s training (research notes §2.5), with our
// tabu search in place of CP Optimizer: sampled episodes, a branch point shared
// by the update, the improver on each episode's suffix (its prefix frozen, the
// episode as warm start), the improved schedule made active (expert.go) and
// replayed in the environment for the expert's actions, and the two
// PPO-clipped losses of train.go.

// TrainSettings configure Train. Zero values mean the defaults given.
type TrainSettings struct {
	// Updates is the number of policy updates (default 100, the authors').
	Updates int `json:"updates"`
	// Sizes are the shapes of the generated training instances, drawn afresh
	// for every update (cycled); ignored when Train is given instances.
	// Default 15×15, 20×15, 20×20, 30×15, 30×20.
	Sizes []Size `json:"sizes,omitempty"`
	// InstancesPerUpdate (default 4) and EpisodesPerInstance (default 4): the
	// advantages are normalised per instance, so each needs several episodes.
	InstancesPerUpdate  int `json:"instances_per_update"`
	EpisodesPerInstance int `json:"episodes_per_instance"`
	// ImproveIterations is the tabu budget of one improver call (default
	// 20000): an iteration count, not a time, so that training repeats.
	ImproveIterations int64 `json:"improve_iterations"`
	// LearningRate is Adam's rate at the first update, annealed linearly to
	// LearningRate/Updates at the last (default 2e-4).
	LearningRate float64     `json:"learning_rate"`
	PPO          PPOSettings `json:"ppo"` // zero means AuthorsPPO
	// Seed drives instances, sampling, branch points and minibatches; with one
	// thread the same seed gives the same weights (any thread count gives the
	// same weights too, since each episode has its own stream).
	Seed uint64 `json:"seed"`
	// Threads run episodes and improver calls in parallel (0 = GOMAXPROCS).
	Threads int `json:"-"`
	// ValidationSamples (default 8) and ValidateEvery (default 5 updates; and
	// always after the last): the policy is scored on Validation instances by
	// its best of ValidationSamples rollouts and its greedy rollout, each over
	// the FDD/MWKR makespan (ValidationScore), and the best-scoring weights are
	// the result.
	ValidationSamples int `json:"validation_samples"`
	ValidateEvery     int `json:"validate_every"`
}

// Size is a job-shop shape.
type Size struct {
	Jobs     int `json:"jobs"`
	Machines int `json:"machines"`
}

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Jobs, s.Machines) }

// DefaultTrainSizes are the generated training shapes.
var DefaultTrainSizes = []Size{{15, 15}, {20, 15}, {20, 20}, {30, 15}, {30, 20}}

// withDefaults fills zero fields.
func (s TrainSettings) withDefaults() TrainSettings {
	if s.Updates == 0 {
		s.Updates = 100
	}
	if len(s.Sizes) == 0 {
		s.Sizes = DefaultTrainSizes
	}
	s.InstancesPerUpdate = cmp.Or(s.InstancesPerUpdate, 4)
	s.EpisodesPerInstance = cmp.Or(s.EpisodesPerInstance, 4)
	if s.ImproveIterations == 0 {
		s.ImproveIterations = 20000
	}
	if s.LearningRate == 0 {
		s.LearningRate = 2e-4
	}
	if s.PPO == (PPOSettings{}) {
		s.PPO = AuthorsPPO
	}
	s.ValidationSamples = cmp.Or(s.ValidationSamples, 8)
	s.ValidateEvery = cmp.Or(s.ValidateEvery, 5)
	return s
}

func (s TrainSettings) validate() error {
	switch {
	case s.Updates < 0:
		return solvers.InvalidSetting("Updates", "%d (want at least 1)", s.Updates)
	case s.InstancesPerUpdate < 0, s.EpisodesPerInstance < 0:
		return solvers.InvalidSetting("InstancesPerUpdate", "instances %d and episodes %d per update must be positive", s.InstancesPerUpdate, s.EpisodesPerInstance)
	case s.ImproveIterations < 0:
		return solvers.InvalidSetting("ImproveIterations", "%d is negative", s.ImproveIterations)
	case s.LearningRate < 0 || math.IsNaN(s.LearningRate) || math.IsInf(s.LearningRate, 0):
		return solvers.InvalidSetting("LearningRate", "%v", s.LearningRate)
	case s.PPO.Clip < 0 || s.PPO.Epochs < 0 || s.PPO.Minibatches < 0 || s.PPO.TargetKL < 0:
		return solvers.InvalidSetting("PPO", "%+v has a negative field", s.PPO)
	case s.Threads < 0:
		return solvers.InvalidSetting("Threads", "%d is negative (0 means all cores)", s.Threads)
	case s.ValidationSamples < 0, s.ValidateEvery < 0:
		return solvers.InvalidSetting("ValidationSamples", "samples %d and interval %d must be positive", s.ValidationSamples, s.ValidateEvery)
	}
	for _, z := range s.Sizes {
		if z.Jobs < 2 || z.Machines < 1 || z.Jobs > 1000 || z.Machines > 1000 {
			return solvers.InvalidSetting("Sizes", "%v (want 2…1000 jobs and 1…1000 machines)", z)
		}
	}
	return nil
}

// Checkpoint is the whole state of a training run after an update: enough to
// resume it exactly.
type Checkpoint struct {
	Format       string        `json:"format"`
	Architecture string        `json:"architecture"`
	Settings     TrainSettings `json:"settings"`
	// Instances names the training files, empty for generated instances.
	Instances []string `json:"instances,omitempty"`
	Done      int      `json:"updates_done"`
	Params    []float64
	AdamM     []float64
	AdamV     []float64
	AdamT     int
	// Best are the weights with the best validation score so far, from
	// update BestUpdate (0 before the first validation: the initial weights).
	Best       []float64
	BestScore  float64 `json:"best_score"`
	BestUpdate int     `json:"best_update"`
}

// CheckpointFormat and Architecture identify checkpoints this code can resume.
const (
	CheckpointFormat = "cosolve-jssp-training/1"
	Architecture     = "tassel-e2e-2442"
)

// ErrCheckpoint reports a checkpoint that cannot be resumed here.
var ErrCheckpoint = errors.New("invalid training checkpoint")

// CheckCheckpoint reports a checkpoint of another format, architecture or
// size, or with values no run can have written.
func CheckCheckpoint(c *Checkpoint) error {
	switch {
	case c.Format != CheckpointFormat:
		return fmt.Errorf("%w: format %q, want %q", ErrCheckpoint, c.Format, CheckpointFormat)
	case c.Architecture != Architecture:
		return fmt.Errorf("%w: architecture %q, this build trains %q", ErrCheckpoint, c.Architecture, Architecture)
	case len(c.Params) != nParams || len(c.AdamM) != nParams || len(c.AdamV) != nParams || len(c.Best) != nParams:
		return fmt.Errorf("%w: %d parameters, want %d", ErrCheckpoint, len(c.Params), nParams)
	case c.Done < 0 || c.Done > c.Settings.Updates || c.AdamT < 0:
		return fmt.Errorf("%w: %d of %d updates done", ErrCheckpoint, c.Done, c.Settings.Updates)
	}
	for _, v := range [][]float64{c.Params, c.AdamM, c.AdamV, c.Best} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%w: a non-finite value", ErrCheckpoint)
			}
		}
	}
	return nil
}

// UpdateReport describes one finished update.
type UpdateReport struct {
	Update, Updates int
	Episodes        int
	Samples         int
	BranchStep      int
	// MeanImprovement is the improver's mean relative gain over the sampled
	// episodes, (C_agent − C_improved)/C_agent.
	MeanImprovement float64
	MeanMakespan    float64 // of the sampled episodes
	Epochs          int
	Loss            float64
	// ReplayMismatch counts expert replays that did not reproduce the
	// improved schedule's makespan.
	ReplayMismatch int
	// Validated is set when the update ended with a validation; Score is
	// ValidationScore's (lower is better).
	Validated bool
	Score     float64
	BestScore float64
	Elapsed   time.Duration
}

// TrainInput is what Train learns from: fixed instances, or, when Instances
// is empty, instances generated from TrainSettings.Sizes. Validation are the
// instances that choose the best weights.
type TrainInput struct {
	Instances  []*instances.JobShop
	Validation []*instances.JobShop
	// Start are the initial weights; nil draws fresh ones from the seed.
	Start *Network
	// Resume continues a run from its checkpoint (Start is then ignored).
	Resume *Checkpoint
	// OnUpdate receives each update's report and the checkpoint after it
	// (the callee may keep neither past the call; save the checkpoint there).
	OnUpdate func(UpdateReport, *Checkpoint) error
}

// Train learns a dispatching policy by the authors' protocol and returns the
// weights that scored best on the validation instances (the last ones when
// there are none). A cancelled context ends it after the update under way is
// abandoned; the result is then the best weights so far, with ctx.Err().
func Train(ctx context.Context, in TrainInput, s TrainSettings) (*Network, *Checkpoint, error) {
	s = s.withDefaults()
	if err := s.validate(); err != nil {
		return nil, nil, err
	}
	for _, js := range slices.Concat(in.Instances, in.Validation) {
		if err := js.Validate(); err != nil {
			return nil, nil, err
		}
	}
	threads := cmp.Or(s.Threads, runtime.GOMAXPROCS(0))
	ck := in.Resume
	if ck == nil {
		start := in.Start
		if start == nil {
			start = NewNetwork(solvers.DeriveSeed(s.Seed, "train/init", 0))
		}
		p := start.Params()
		ck = &Checkpoint{Format: CheckpointFormat, Architecture: Architecture, Settings: s, Params: p,
			AdamM: make([]float64, nParams), AdamV: make([]float64, nParams), Best: slices.Clone(p)}
	} else {
		if err := CheckCheckpoint(ck); err != nil {
			return nil, nil, err
		}
		s = ck.Settings
		s.Threads = threads
	}
	base := NewNetwork(0) // the positional table, shared by every network of the run
	l := newLearner(base)
	l.threads = threads
	copy(l.params, ck.Params)
	copy(l.adam.m, ck.AdamM)
	copy(l.adam.v, ck.AdamV)
	l.adam.t = ck.AdamT
	result := func() (*Network, error) { return base.WithParams(ck.Best) }
	for u := ck.Done + 1; u <= s.Updates; u++ {
		begin := time.Now()
		net, err := base.WithParams(l.params)
		if err != nil {
			return nil, nil, err
		}
		batch := trainBatch(in.Instances, s, u)
		rep, samples, err := collect(ctx, net, batch, s, u, threads)
		if err != nil {
			n, rerr := result()
			return n, ck, errors.Join(err, rerr)
		}
		rng := rand.New(rand.NewPCG(solvers.DeriveSeed(s.Seed, "train/minibatches", uint64(u)), 0))
		l.setOldLogProbs(ctx, samples)
		rep.Epochs, rep.Loss = l.optimise(ctx, samples, s.PPO, AnnealedLR(s.LearningRate, u, s.Updates), rng)
		if err := ctx.Err(); err != nil {
			n, rerr := result()
			return n, ck, errors.Join(err, rerr)
		}
		rep.Update, rep.Updates, rep.Samples = u, s.Updates, len(samples)
		// The validation may be cancelled: the checkpoint changes only once
		// the whole update is done, so a stopped run returns the last one.
		if u%s.ValidateEvery == 0 || u == s.Updates {
			score := 0.0
			if len(in.Validation) > 0 {
				trained, err := base.WithParams(l.params)
				if err != nil {
					return nil, nil, err
				}
				if score, err = ValidationScore(ctx, trained, in.Validation, s.ValidationSamples, threads); err != nil {
					n, rerr := result()
					return n, ck, errors.Join(err, rerr)
				}
			}
			rep.Validated, rep.Score = true, score
			if ck.BestUpdate == 0 || score <= ck.BestScore || len(in.Validation) == 0 {
				ck.Best, ck.BestScore, ck.BestUpdate = slices.Clone(l.params), score, u
			}
		}
		ck.Done = u
		ck.Params, ck.AdamM, ck.AdamV, ck.AdamT = slices.Clone(l.params), slices.Clone(l.adam.m), slices.Clone(l.adam.v), l.adam.t
		rep.BestScore = ck.BestScore
		rep.Elapsed = time.Since(begin)
		if in.OnUpdate != nil {
			if err := in.OnUpdate(rep, ck); err != nil {
				n, rerr := result()
				return n, ck, errors.Join(err, rerr)
			}
		}
	}
	n, err := result()
	return n, ck, err
}

// trainBatch is update u's instances: the given ones in turn, or fresh
// generated ones of the settings' sizes in turn.
func trainBatch(given []*instances.JobShop, s TrainSettings, u int) []*instances.JobShop {
	out := make([]*instances.JobShop, s.InstancesPerUpdate)
	for i := range out {
		k := (u-1)*s.InstancesPerUpdate + i
		if len(given) > 0 {
			out[i] = given[k%len(given)]
			continue
		}
		z := s.Sizes[k%len(s.Sizes)]
		out[i] = instances.GenerateJobShop(z.Jobs, z.Machines, solvers.DeriveSeed(s.Seed, "train/instance", uint64(k)))
	}
	return out
}

// step is one environment step of an episode: the state it was taken in and
// the actions it took, in order.
type step struct {
	obs   *Observation
	taken []int32
}

// trainEpisode is one sampled episode and what the improver made of it.
type trainEpisode struct {
	inst     int
	steps    []step
	starts   [][]int
	makespan int
	improved int
	expert   []step
	mismatch bool
}

// collect runs update u's episodes, improves them from a common branch point
// and returns the PPO samples with their advantages (old log-probabilities
// still unset).
func collect(ctx context.Context, net *Network, batch []*instances.JobShop, s TrainSettings, u, threads int) (UpdateReport, []Sample, error) {
	eps := make([]*trainEpisode, len(batch)*s.EpisodesPerInstance)
	err := parallel(ctx, len(eps), threads, func(e int) error {
		ep, err := sampleEpisode(net, batch[e/s.EpisodesPerInstance], solvers.DeriveSeed(s.Seed, "train/episode", uint64(u)<<20|uint64(e)))
		if err != nil {
			return err
		}
		ep.inst = e / s.EpisodesPerInstance
		eps[e] = ep
		return nil
	})
	if err != nil {
		return UpdateReport{}, nil, err
	}
	shortest := len(eps[0].steps)
	for _, ep := range eps {
		shortest = min(shortest, len(ep.steps))
	}
	branch := 1
	if shortest > 2 {
		rng := rand.New(rand.NewPCG(solvers.DeriveSeed(s.Seed, "train/branch", uint64(u)), 0))
		branch = 1 + rng.IntN(shortest-1)
	}
	err = parallel(ctx, len(eps), threads, func(e int) error {
		return improveEpisode(ctx, eps[e], batch[eps[e].inst], branch, s.ImproveIterations, solvers.DeriveSeed(s.Seed, "train/improve", uint64(u)<<20|uint64(e)))
	})
	if err != nil {
		return UpdateReport{}, nil, err
	}
	rep := UpdateReport{Episodes: len(eps), BranchStep: branch}
	gain := make([]float64, len(eps))
	completed := make([]float64, len(eps))
	inst := make([]int, len(eps))
	for i, ep := range eps {
		gain[i] = float64(ep.makespan-ep.improved) / float64(ep.makespan)
		completed[i] = float64(ep.improved)
		inst[i] = ep.inst
		rep.MeanImprovement += gain[i] / float64(len(eps))
		rep.MeanMakespan += float64(ep.makespan) / float64(len(eps))
		if ep.mismatch {
			rep.ReplayMismatch++
		}
	}
	imitation := ImprovementAdvantages(gain, inst)
	prefix := MakespanAdvantages(completed, inst)
	var samples []Sample
	add := func(steps []step, adv float64) {
		for _, st := range steps {
			for _, a := range st.taken {
				samples = append(samples, Sample{Obs: st.obs, Action: int(a), Advantage: adv})
			}
		}
	}
	for i, ep := range eps {
		add(ep.steps[:branch], -prefix[i])
		if imitation[i] != 0 {
			add(ep.expert, imitation[i])
			add(ep.steps[branch:], -imitation[i])
		}
	}
	return rep, samples, nil
}

// sampleEpisode runs one episode of net on js, sampling each step's priority
// list at temperature 1, and records every step.
func sampleEpisode(net *Network, js *instances.JobShop, seed uint64) (*trainEpisode, error) {
	env, err := NewEnv(js)
	if err != nil {
		return nil, err
	}
	r, err := newRollout(env, &NetworkPolicy{Net: net})
	if err != nil {
		return nil, err
	}
	sc := r.sc.(*netScorer)
	rng := rand.New(rand.NewPCG(seed, 0))
	ep := &trainEpisode{}
	for !env.Done() {
		if err := sc.Scores(env, r.scores); err != nil {
			return nil, err
		}
		st := step{obs: sc.obs.clone()}
		var trail []int32
		env.step(r.priorities(r.scores, env.legal, 1, rng), &trail)
		st.taken = trail
		ep.steps = append(ep.steps, st)
	}
	ep.starts, ep.makespan = env.Starts(), env.Makespan()
	return ep, nil
}

// improveEpisode freezes what the episode dispatched before step branch, lets
// the tabu search improve the rest from the episode's schedule, and replays
// the improved schedule, made active, from the branch point for the expert's
// steps.
func improveEpisode(ctx context.Context, ep *trainEpisode, js *instances.JobShop, branch int, iterations int64, seed uint64) error {
	env, err := NewEnv(js)
	if err != nil {
		return err
	}
	acts := make([]int, 0, env.J+1)
	for _, st := range ep.steps[:branch] {
		acts = acts[:0]
		for _, a := range st.taken {
			acts = append(acts, int(a))
		}
		env.step(acts, nil)
	}
	frozen := make([][]bool, env.J)
	for j := range frozen {
		frozen[j] = make([]bool, len(js.Jobs[j]))
		for k := 0; k < env.Next(j); k++ {
			frozen[j][k] = true
		}
	}
	// Nothing left to dispatch can start before the branch point's time: the
	// improved schedule stays one the environment can replay from there.
	res, err := improve.Run(ctx, js, ep.starts, improve.Settings{
		Limits: solvers.Limits{MaxIterations: iterations, Seed: seed, Threads: 1},
		Method: improve.Tabu, Frozen: frozen, NotBefore: env.Time()})
	if err != nil {
		return err
	}
	target := activeSchedule(js, res.Solution.Starts, frozen, env.Time())
	if ep.improved, err = instances.CheckSchedule(js, target); err != nil {
		return err
	}
	obs := NewObservation(env.J)
	for !env.Done() {
		env.Observe(obs)
		st := step{obs: obs.clone()}
		acts = acts[:0]
		t := env.Time()
		for j := 0; j < env.J; j++ {
			if env.legal[j] && target[j][env.Next(j)] == t {
				acts = append(acts, j)
			}
		}
		if len(acts) == 0 {
			if env.legal[env.J] {
				acts = append(acts, env.J)
			} else {
				// The replay has left the improved schedule: follow the job
				// the schedule starts first.
				ep.mismatch = true
				first := -1
				for j := 0; j < env.J; j++ {
					if env.legal[j] && (first < 0 || target[j][env.Next(j)] < target[first][env.Next(first)]) {
						first = j
					}
				}
				acts = append(acts, first)
			}
		}
		env.step(acts, &st.taken)
		ep.expert = append(ep.expert, st)
	}
	if env.Makespan() != ep.improved {
		ep.mismatch = true
	}
	return nil
}

// ValidationScore is the mean over the instances of the best makespan of
// samples rollouts of net divided by FDD/MWKR's, averaged with the same ratio
// of the greedy rollout (greedy alone when samples is 0). Weights are used
// both ways, and training moves them apart: the sampled best keeps improving
// while the greedy rollout learns to wait more and more (on a 30×20 shop, 92 %
// of its steps ended in a No-Op after 112 updates of one run, 65 % after 28 of
// another), so
// a score of the sampled best alone chose weights that decode badly greedily.
func ValidationScore(ctx context.Context, net *Network, set []*instances.JobShop, samples, threads int) (float64, error) {
	sum := 0.0
	decodes := []int{0}
	if samples > 0 {
		decodes = append(decodes, samples)
	}
	for _, js := range set {
		ref, err := Solve(ctx, js, Settings{Method: Dispatch})
		if err != nil {
			return 0, err
		}
		for _, k := range decodes {
			res, err := Solve(ctx, js, Settings{Method: Dispatch, Policy: &NetworkPolicy{Net: net}, Samples: k,
				Limits: solvers.Limits{Threads: threads}})
			if err != nil {
				return 0, err
			}
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			sum += res.Objective / ref.Objective / float64(len(decodes))
		}
	}
	return sum / float64(len(set)), nil
}

// parallel runs fn(0…n−1) on up to threads goroutines and returns the first
// error; it stops handing out work once ctx ends.
func parallel(ctx context.Context, n, threads int, fn func(i int) error) error {
	var mu sync.Mutex
	var firstErr error
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < min(threads, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := firstErr != nil || ctx.Err() != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
