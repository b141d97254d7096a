package robust

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cosolve/cosolve/instances"
	"github.com/cosolve/cosolve/internal/datadirtest"
	"github.com/cosolve/cosolve/milp"
)

// fullLPWorstCase is a second method for the worst case: one LP with a cut for
// every feasible recourse (enumerated), so no oracle loop is involved.
func fullLPWorstCase(t *testing.T, k *instances.RobustKnapsack, x []bool) float64 {
	n := k.N()
	var active []int
	base := 0.0
	for i := range x {
		if x[i] {
			base += k.Profit[i] - k.Outsource[i]
			if k.Degradation[i] > 0 {
				active = append(active, i)
			}
		}
	}
	zero := make([]float64, n)
	y, r := make([]bool, n), make([]bool, n)
	var cuts []cut
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			if _, err := instances.CheckSecondStage(k, x, zero, y, r); err != nil {
				return
			}
			c := cut{slope: make([]float64, len(active))}
			for j := range x {
				if y[j] {
					c.constant += k.Outsource[j]
				}
			}
			for a, j := range active {
				if y[j] && !r[j] {
					c.slope[a] = k.Degradation[j]
				}
			}
			cuts = append(cuts, c)
			return
		}
		y[i], r[i] = false, false
		rec(i + 1)
		if x[i] {
			y[i] = true
			rec(i + 1)
			r[i] = true
			rec(i + 1)
			y[i], r[i] = false, false
		}
	}
	rec(0)
	if len(active) == 0 || k.Gamma == 0 {
		v := 0.0
		for _, c := range cuts {
			v = math.Max(v, c.constant)
		}
		return base + v
	}
	xi := make([]float64, n)
	v, err := solveCutLP(context.Background(), milp.Default(), k.Gamma, active, cuts, xi)
	if err != nil {
		t.Fatal(err)
	}
	return base + v
}

func TestEvaluateMatchesFullLP(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 40; trial++ {
		n := 2 + rng.IntN(4)
		k := randomKnapsack(rng, n)
		x := make([]bool, n)
		for i := range x {
			x[i] = rng.IntN(5) > 0
		}
		ev, err := Evaluate(context.Background(), k, x, EvalSettings{})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		want := fullLPWorstCase(t, k, x)
		if math.Abs(ev.Profit-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("trial %d: cutting planes %v, full LP %v", trial, ev.Profit, want)
		}
		// The witness scenario is feasible and the recourse achieves the witness value.
		got, err := instances.CheckSecondStage(k, x, ev.Scenario, ev.Produce, ev.Repair)
		if err != nil || math.Abs(got-ev.Witness) > 1e-9 {
			t.Fatalf("trial %d: witness recourse checks to %v (%v), witness %v", trial, got, err, ev.Witness)
		}
		// No sampled scenario is worse than the worst case.
		ss := NewSecondStage(k)
		for s := 0; s < 50; s++ {
			xi := randomScenario(rng, k)
			if v := ss.Solve(x, xi, nil, nil); v < ev.Profit-1e-6 {
				t.Fatalf("trial %d: scenario %v gives %v below the worst case %v", trial, xi, v, ev.Profit)
			}
		}
	}
}

func TestEvaluateRejectsWrongLength(t *testing.T) {
	k := randomKnapsack(rand.New(rand.NewPCG(1, 1)), 4)
	if _, err := Evaluate(context.Background(), k, make([]bool, 3), EvalSettings{}); err == nil {
		t.Fatal("no error for a first stage of the wrong length")
	}
}

// authorsRow is one row of Neur2RO's evaluation results.
type authorsRow struct {
	name string
	n    int
	x    string
	obj  float64
}

func readAuthors(t *testing.T) []authorsRow {
	path := datadirtest.Path(t, "robust", "Neur2RO", "derived", "neur2ro_kp_eval_results.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []authorsRow
	for _, rec := range recs[1:] {
		obj, err1 := strconv.ParseFloat(rec[col["neur2ro_obj"]], 64)
		n, err2 := strconv.Atoi(rec[col["n_items"]])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad row %v", rec)
		}
		rows = append(rows, authorsRow{rec[col["inst_name"]], n, rec[col["neur2ro_x"]], obj})
	}
	return rows
}

// TestEvaluateReproducesNeur2RO is acceptance 1 of the robust solver: the exact
// evaluation reproduces Neur2RO's worst-case profit of its own first-stage solutions.
// By default it checks every 21st instance up to n = 40 (every 21st up to n = 20
// with -short); with COSOLVE_LONG_TESTS=1 it checks all 504.
func TestEvaluateReproducesNeur2RO(t *testing.T) {
	rows := readAuthors(t)
	dir := datadirtest.Path(t, instances.RKPInstanceDir)
	all := os.Getenv("COSOLVE_LONG_TESTS") != ""
	var rels []float64
	worst, worstName, backendName := 0.0, "", ""
	start := time.Now()
	for idx, row := range rows {
		if !all && (idx%21 != 0 || row.n > 40 || testing.Short() && row.n > 20) {
			continue
		}
		k, err := instances.LoadRobustKnapsack(filepath.Join(dir, row.name))
		if err != nil {
			t.Fatal(err)
		}
		x, err := instances.ParseFirstStage(row.x, k.N())
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Evaluate(context.Background(), k, x, EvalSettings{})
		if err != nil {
			t.Fatalf("%s: %v", row.name, err)
		}
		backendName = ev.LPBackend
		rel := math.Abs(ev.Profit-row.obj) / math.Abs(row.obj)
		rels = append(rels, rel)
		if rel > worst {
			worst, worstName = rel, row.name
		}
	}
	if len(rels) == 0 {
		t.Skip("no rows selected")
	}
	within := 0
	for _, r := range rels {
		if r <= 1e-4 {
			within++
		}
	}
	sort.Float64s(rels)
	t.Logf("%d instances (%s LP) in %v: %d within 1e-4 relative (%.1f%%), median %.2g, largest %.3g (%s)",
		len(rels), backendName, time.Since(start).Round(time.Millisecond), within, 100*float64(within)/float64(len(rels)), rels[len(rels)/2], worst, worstName)
	if float64(within) < 0.99*float64(len(rels)) {
		t.Fatalf("only %d of %d within 1e-4", within, len(rels))
	}
}

func TestEvaluateCutoff(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for trial := 0; trial < 30; trial++ {
		k := randomKnapsack(rng, 6)
		x := []bool{true, true, true, true, false, true}
		full, err := Evaluate(context.Background(), k, x, EvalSettings{})
		if err != nil {
			t.Fatal(err)
		}
		above := full.Profit + 1
		ev, err := Evaluate(context.Background(), k, x, EvalSettings{Cutoff: &above})
		if err != nil || !ev.CutOff || ev.Profit > above {
			t.Fatalf("cutoff above the worst case: %+v, %v", ev, err)
		}
		below := full.Profit - 1
		ev, err = Evaluate(context.Background(), k, x, EvalSettings{Cutoff: &below})
		if err != nil || ev.CutOff || math.Abs(ev.Profit-full.Profit) > 1e-9 {
			t.Fatalf("cutoff below the worst case: %+v, %v", ev, err)
		}
	}
}

// hugeNoisyRKP has weights near 5·10^10 that share no divisor. Its cuts left the
// warm-started dual simplex with a singular basis ("cutting-plane LP failed").
const hugeNoisyRKP = `40 1000000000000 8
983 931 4659489758 50897110089 1103
273 200 5618403321 50650627595 373
317 192 8372589819 50584305648 422
555 278 3741058123 50390857518 810
576 536 9296406990 50190520927 842
341 78 745558047 50547787317 399
622 223 2404710607 50959465132 812
556 442 7571535520 50847985071 774
707 250 8426300369 50173070700 1055
872 348 5368287220 50299683745 1216
610 305 8086783134 50966046150 873
572 200 6255839402 50707472708 795
327 307 3586411087 50941345350 466
731 196 5624530808 50858197687 1070
823 683 6041603929 50784829979 1090
312 152 3788459865 50842114074 388
940 320 3500653829 50799704361 1037
208 12 9762889011 50243327644 283
798 698 2243530592 50916914326 911
372 91 3782069875 50454104366 440
834 633 1547126599 50267900403 936
788 18 289766813 50043888741 903
846 777 4019940339 50788971574 1056
288 150 2531703886 50852720571 317
353 53 4780792108 50362080535 393
600 18 3178046721 50968536771 767
370 279 3029434305 50507643128 534
330 30 3600906747 50025988662 453
558 439 7649592841 50522828225 825
627 205 5759770350 50281145763 909
720 698 4118873461 50720009710 980
158 39 733197168 50486823713 182
750 173 1059828511 50766509363 1099
555 40 9570059944 50849956392 628
919 573 7235132793 50299291714 1143
638 478 5947467862 50172051830 740
213 109 437705472 50021262010 241
286 214 8694904059 50718859072 326
575 260 1632099225 50735176650 755
878 845 6157840070 50549220384 1221
`

func TestEvaluateSurvivesASingularWarmBasis(t *testing.T) {
	k, err := instances.ReadRobustKnapsack(strings.NewReader(hugeNoisyRKP), "huge-noisy")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]bool, k.N())
	for i := range x {
		x[i] = true
	}
	ev, err := Evaluate(context.Background(), k, x, EvalSettings{})
	if err != nil {
		t.Fatalf("%v (backend %s)", err, ev.LPBackend)
	}
	ref, err := Evaluate(context.Background(), k, x, EvalSettings{LP: milp.Simplex{}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.Profit-ref.Profit) > 1e-6*math.Abs(ref.Profit) {
		t.Errorf("worst case %v (%s), %v from scratch", ev.Profit, ev.LPBackend, ref.Profit)
	}
}
