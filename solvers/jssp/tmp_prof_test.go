package jssp

import (
	"context"
	"testing"
	"time"

	"github.com/cosolve/cosolve/solvers"
)

func TestTmpProf(t *testing.T) {
	net := loadAuthorsNetwork(t)
	js := longInstance(t, "tai_j100_m100_1")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	res, err := searchDispatch(ctx, js, Settings{Limits: solvers.Limits{Threads: 1, Seed: 1}, Policy: &NetworkPolicy{Net: net}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v %+v rollouts %d inferences %d", res.Objective, *res.Stats.MCTS, res.Stats.Rollouts, res.Stats.Inferences)
}
