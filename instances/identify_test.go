package instances

import (
	"path/filepath"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestIdentifyByContent(t *testing.T) {
	ta, _ := TaillardInstance("ta42")
	ta.Name = "stdin"
	if name, ok := IdentifyJobShop("", ta); !ok || name != "ta42" {
		t.Errorf("Taillard without data: %q %v", name, ok)
	}
	if _, ok := IdentifyJobShop("", GenerateJobShop(15, 15, 3)); ok {
		t.Error("a random job shop was identified")
	}
	dir := datadirtest.ForTest(t)
	ft10, err := LoadJobShop(filepath.Join(dir, "jssp", "jsplib", "instances", "ft10"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if name, ok := IdentifyJobShop(dir, ft10); !ok || name != "ft10" {
		t.Errorf("ft10: %q %v", name, ok)
	}
	set := filepath.Join(dir, "tsp", "tsp1000_test_concorde.txt")
	p, _, err := LoadTSP(set, 5)
	if err != nil {
		t.Fatal(err)
	}
	if path, i, ok := IdentifyTSPLine(dir, p); !ok || i != 5 || path != set {
		t.Errorf("TSP-1000 #5: %s %d %v", path, i, ok)
	}
	kp, err := LoadRobustKnapsack(filepath.Join(dir, RKPInstanceDir, "RKP_WC_n50_R1000_H100_h40_dev0.1_d1"))
	if err != nil {
		t.Fatal(err)
	}
	if name, ok := IdentifyRobustKnapsack(dir, kp); !ok || name != "RKP_WC_n50_R1000_H100_h40_dev0.1_d1" {
		t.Errorf("robust: %q %v", name, ok)
	}
}
