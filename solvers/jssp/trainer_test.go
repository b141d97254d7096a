package jssp

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/solvers"
)

// tinyTraining is a run small enough for CI: two updates on generated 6×4
// shops.
var tinyTraining = TrainSettings{
	Updates: 2, Sizes: []Size{{6, 4}, {8, 5}}, InstancesPerUpdate: 2, EpisodesPerInstance: 3,
	ImproveIterations: 300, PPO: PPOSettings{Clip: 0.3, Epochs: 3, Minibatches: 4, TargetKL: 0.05},
	ValidationSamples: 4, ValidateEvery: 2, Seed: 7,
}

func tinyValidation() []*instances.JobShop {
	return []*instances.JobShop{instances.GenerateJobShop(6, 4, 1001), instances.GenerateJobShop(8, 5, 1002)}
}

func TestTrainRepeatsExactly(t *testing.T) {
	run := func(threads int, in TrainInput) []float64 {
		s := tinyTraining
		s.Threads = threads
		in.Validation = tinyValidation()
		net, _, err := Train(context.Background(), in, s)
		if err != nil {
			t.Fatal(err)
		}
		return net.Params()
	}
	one := run(1, TrainInput{})
	if !slices.Equal(one, run(1, TrainInput{})) {
		t.Fatal("two one-thread runs with the same seed differ")
	}
	if !slices.Equal(one, run(2, TrainInput{})) {
		t.Error("two threads give other weights than one")
	}
	if slices.Equal(one, NewNetwork(0).Params()) {
		t.Error("training left the weights as they were")
	}
	// A run that stops after its first update (here by an error from the
	// callback, as when saving the checkpoint fails) resumes from the
	// checkpoint to the same weights.
	var first *Checkpoint
	stop := errors.New("stop")
	_, _, err := Train(context.Background(), TrainInput{Validation: tinyValidation(), OnUpdate: func(_ UpdateReport, c *Checkpoint) error {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		first = new(Checkpoint)
		if err := json.Unmarshal(b, first); err != nil {
			return err
		}
		return stop
	}}, tinyTraining)
	if !errors.Is(err, stop) || first == nil || first.Done != 1 {
		t.Fatalf("err %v, checkpoint %v", err, first != nil)
	}
	if !slices.Equal(one, run(1, TrainInput{Resume: first})) {
		t.Error("a resumed run differs from an uninterrupted one")
	}
}

func TestTrainReports(t *testing.T) {
	var reports []UpdateReport
	_, ck, err := Train(context.Background(), TrainInput{Validation: tinyValidation(), OnUpdate: func(r UpdateReport, _ *Checkpoint) error {
		reports = append(reports, r)
		return nil
	}}, tinyTraining)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 || ck.Done != 2 {
		t.Fatalf("%d reports, %d updates done; want 2", len(reports), ck.Done)
	}
	for _, r := range reports {
		t.Logf("%+v", r)
		if r.Samples == 0 || r.Episodes != 6 || r.MeanImprovement < 0 || r.Validated != (r.Update == 2) || (r.Validated && r.Score <= 0) || math.IsNaN(r.Loss) {
			t.Errorf("report %+v", r)
		}
	}
}

// TestNewNetworkPositionsAreTheAuthors: the sinusoidal table of a fresh
// network is the one in the authors' checkpoint, up to the last bit of
// PyTorch's float32 sine (37 of 800 entries differ by one unit).
func TestNewNetworkPositionsAreTheAuthors(t *testing.T) {
	f, err := os.Open(datadirtest.Path(t, "jssp", "tassel_e2e", "pretrained", "checkpoint_model_state_dict.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	authors, err := ReadStateDict(f, "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	fresh := NewNetwork(1)
	for p := range fresh.pe {
		for c, v := range fresh.pe[p] {
			if d := math.Abs(float64(v - authors.pe[p][c])); d > 1e-6 {
				t.Errorf("positional table [%d][%d]: %v, authors' %v", p, c, v, authors.pe[p][c])
			}
		}
	}
	if p := fresh.Params(); len(p) != nParams || slices.Equal(p, NewNetwork(2).Params()) {
		t.Error("fresh networks do not depend on the seed")
	}
}

// TestTrainStoppedKeepsTheLastCheckpoint: a cancelled run returns the state
// of its last finished update, the one its callback saved, and the best
// weights so far.
func TestTrainStoppedKeepsTheLastCheckpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	saved := 0
	s := tinyTraining
	s.Updates = 5
	net, ck, err := Train(ctx, TrainInput{Validation: tinyValidation(), OnUpdate: func(r UpdateReport, c *Checkpoint) error {
		saved = c.Done
		if r.Update == 2 {
			cancel()
		}
		return nil
	}}, s)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if net == nil || ck == nil || ck.Done != saved || saved != 2 {
		t.Fatalf("returned %d updates done, the last saved checkpoint has %d", ck.Done, saved)
	}
	best, err := net.WithParams(ck.Best) // rounded to float32, as every network is
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(net.Params(), best.Params()) {
		t.Error("the returned network is not the checkpoint's best")
	}
}

// TestLearnedPolicyLoads: the shipped network is the reference architecture
// and dispatches a valid schedule.
func TestLearnedPolicyLoads(t *testing.T) {
	p, err := LearnedPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*NetworkPolicy); !ok || p.Name() != LearnedName {
		t.Fatalf("the shipped policy is %T named %q", p, p.Name())
	}
	res, err := Solve(context.Background(), instances.GenerateJobShop(10, 5, 3), Settings{Method: Dispatch, Policy: p, Samples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Solution.Makespan <= 0 {
		t.Fatalf("makespan %d", res.Solution.Makespan)
	}
}

// TestValidationScoresBothDecodes: with K samples the score is the mean of
// the greedy and the best-of-K ratios to FDD/MWKR; with none, the greedy one.
func TestValidationScoresBothDecodes(t *testing.T) {
	ctx := context.Background()
	net := NewNetwork(3)
	set := tinyValidation()
	ratio := func(k int) float64 {
		sum := 0.0
		for _, js := range set {
			ref, err := Solve(ctx, js, Settings{Method: Dispatch, Policy: FDDMWKR})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Solve(ctx, js, Settings{Method: Dispatch, Policy: &NetworkPolicy{Net: net}, Samples: k, Limits: solvers.Limits{Threads: 1}})
			if err != nil {
				t.Fatal(err)
			}
			sum += res.Objective / ref.Objective
		}
		return sum / float64(len(set))
	}
	greedy, best := ratio(0), ratio(4)
	if greedy == best {
		t.Fatal("the greedy and the sampled decode agree here; the test cannot tell them apart")
	}
	for _, c := range []struct {
		samples int
		want    float64
	}{{0, greedy}, {4, (greedy + best) / 2}} {
		got, err := ValidationScore(ctx, net, set, c.samples, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%d samples: score %v, want %v", c.samples, got, c.want)
		}
	}
}
