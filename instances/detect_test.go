package instances

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestDetectKind(t *testing.T) {
	cases := []struct {
		text string
		want Kind
	}{
		{"NAME: x\nTYPE: TSP\n", KindTSP},
		{"0.1 0.2 0.3 0.4 0.5 0.6 output 1 2 3 1\n", KindTSP},
		{"# comment\n# more\n 2 2\n0 1 1 2\n1 2 0 1\n", KindJobShop},
		{"Nb of jobs, Nb of Machines\n", KindJobShop},
		{"20 1234 4.5\n1 2 3 4 5\n", KindRobustKnapsack},
		{"", KindUnknown},
		{"1 10 4 19.1 38.3\n4.7 7.4\n", KindCapitalBudget},
		{"1 2 3 4\n", KindUnknown},
	}
	for _, c := range cases {
		if got := DetectKind([]byte(c.text)); got != c.want {
			t.Errorf("DetectKind(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestDetectKindOnData(t *testing.T) {
	dir := datadirtest.ForTest(t)
	files := map[string]Kind{
		"tsplib/gr666.tsp":                        KindTSP,
		"tsp/tsp500_test_concorde.txt":            KindTSP,
		"jssp/tassel_e2e/instances_run/ta01":      KindJobShop,
		"jssp/jsplib/instances/ft10":              KindJobShop,
		"jssp/thomasweise/taillard/tai015_15.txt": KindJobShop,
		"robust/RobustDecomposition/TwoStageRobustKnapsack/TwoStageRobustKnapsackInstances/RKP_UN_n40_R1000_H100_h40_dev0.15_d0.5": KindRobustKnapsack,
		"robust/Neur2RO/cb_eval_instances/CB_n100_xi4_s7":                                                                          KindCapitalBudget,
	}
	for rel, want := range files {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		head := make([]byte, 4096)
		n, _ := f.Read(head)
		f.Close()
		if got := DetectKind(head[:n]); got != want {
			t.Errorf("%s: DetectKind = %q, want %q", rel, got, want)
		}
	}
}
