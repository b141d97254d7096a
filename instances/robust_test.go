package instances

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

const rkpSmall = `3 10 1.5
 10 4 2 5 12
 8 8 1 3 9
 6 0 0 4 7
`

func TestReadRobustKnapsack(t *testing.T) {
	k, err := ReadRobustKnapsack(strings.NewReader(rkpSmall), "small")
	if err != nil {
		t.Fatal(err)
	}
	if k.N() != 3 || k.Capacity != 10 || k.Gamma != 1.5 {
		t.Fatalf("header: n=%d C=%d Γ=%v", k.N(), k.Capacity, k.Gamma)
	}
	if k.Profit[1] != 8 || k.Degradation[1] != 8 || k.RepairWeight[1] != 1 || k.Weight[1] != 3 || k.Outsource[1] != 9 {
		t.Fatalf("item 2 = %v %v %v %v %v", k.Profit[1], k.Degradation[1], k.RepairWeight[1], k.Weight[1], k.Outsource[1])
	}
	var buf bytes.Buffer
	if err := WriteRobustKnapsack(&buf, k); err != nil {
		t.Fatal(err)
	}
	k2, err := ReadRobustKnapsack(&buf, "small")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(k) != fmt.Sprint(k2) {
		t.Fatalf("round trip differs:\n%v\n%v", k, k2)
	}
}

func TestReadRobustKnapsackErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"header fields", "3 10\n", "f:1: header has 2 fields"},
		{"bad n", "x 10 1\n", "f:1: item count"},
		{"negative capacity", "1 -3 1\n1 1 1 1 1\n", "f:1: capacity"},
		{"gamma above n", "1 3 2\n1 1 1 1 1\n", "f:1: budget"},
		{"gamma NaN", "1 3 NaN\n1 1 1 1 1\n", "f:1: budget"},
		{"short item", "2 3 1\n1 1 1 1 1\n\n1 1 1\n", "f:4: item 2 has 3 fields"},
		{"not a number", "1 3 1\n1 z 1 1 1\n", "f:2: item 1 field 2"},
		{"fractional weight", "1 3 1\n1 1 1.5 1 1\n", "f:2: item 1: weights"},
		{"negative degradation", "1 3 1\n1 -1 1 1 1\n", "f:2: item 1: degradation"},
		{"truncated", "3 3 1\n1 1 1 1 1\n", "file ends after 1 of 3 items"},
		{"trailing", "1 3 1\n1 1 1 1 1\n7\n", "f:3: unexpected content"},
		{"huge n", "99999999999 3 1\n", "f:1: item count"},
		{"huge weight", "1 3 1\n1 1 1 2199023255553 1\n", "f:2: item 1: weights"},
		{"garbage", "1 3 1\n1 \x00\xff" + strings.Repeat("\xfe", 100) + " 1 1 1\n", `f:2: item 1 field 2: "\x00\xff\xfe`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadRobustKnapsack(strings.NewReader(c.in), "f")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidInstance) {
				t.Errorf("error %v does not wrap ErrInvalidInstance", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

// The published branch-and-price value belongs to an instance of the item count
// its name encodes; robust instances were matched by name alone.
func TestRobustKnapsackReferenceChecksSize(t *testing.T) {
	dir := datadirtest.ForTest(t)
	const name = "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"
	k, err := LoadRobustKnapsack(filepath.Join(dir, RKPInstanceDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if ref, ok, err := RobustKnapsackReferenceFor(dir, k); err != nil || !ok || ref.Value != 4358.41 {
		t.Errorf("published instance: %+v, %v, %v", ref, ok, err)
	}
	small, err := ReadRobustKnapsack(strings.NewReader(rkpSmall), name)
	if err != nil {
		t.Fatal(err)
	}
	if ref, ok, err := RobustKnapsackReferenceFor(dir, small); ok || err != nil {
		t.Errorf("3 items named %s: reference %+v, %v, %v", name, ref, ok, err)
	}
}

func FuzzReadRobustKnapsack(f *testing.F) {
	f.Add([]byte(rkpSmall))
	f.Add([]byte("\ufeff1 0 0\n1 0 0 0 0\n"))
	f.Add([]byte("2 5 0.5\r\n 3 1 1 2 4\r\n 3 1 1 2 4\r\n"))
	f.Add([]byte("1 3 1\n1 1 1e300 1 1\n"))
	f.Add([]byte("3 3 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ReadRobustKnapsack(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) {
				t.Fatalf("error does not wrap ErrInvalidInstance: %v", err)
			}
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("accepted an invalid instance: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteRobustKnapsack(&buf, k); err != nil {
			t.Fatal(err)
		}
		k2, err := ReadRobustKnapsack(&buf, "fuzz")
		if err != nil {
			t.Fatalf("cannot re-read written instance: %v\n%s", err, buf.Bytes())
		}
		if fmt.Sprint(k) != fmt.Sprint(k2) {
			t.Fatal("round trip differs")
		}
	})
}

func TestParseRKPName(t *testing.T) {
	p, err := ParseRKPName("/some/dir/RKP_ASC_n30_R1000_H100_h40_dev0.15_d0.5")
	if err != nil {
		t.Fatal(err)
	}
	want := RKPParams{Corr: AlmostStronglyCorrelated, N: 30, R: 1000, H: 100, HSmall: 40, BudgetFactor: 0.15, Delta: 0.5}
	if p != want {
		t.Fatalf("got %+v want %+v", p, want)
	}
	if p.Name() != "RKP_ASC_n30_R1000_H100_h40_dev0.15_d0.5" {
		t.Fatalf("Name() = %s", p.Name())
	}
	for _, bad := range []string{"RKP_XX_n30_R1000_H100_h40_dev0.15_d0.5", "RKP_UN_n30", "RKP_UN_nX_R1000_H100_h40_dev0.15_d0.5", "TSP_UN_n30_R1000_H100_h40_dev0.15_d0.5"} {
		if _, err := ParseRKPName(bad); !errors.Is(err, ErrInvalidInstance) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
}

func TestGenerateRobustKnapsack(t *testing.T) {
	for _, corr := range Correlations {
		for _, delta := range []float64{0.1, 0.5, 1} {
			p := RKPParams{Corr: corr, N: 60, R: 1000, H: 100, HSmall: 40, BudgetFactor: 0.15, Delta: delta}
			k, err := GenerateRobustKnapsack(p, 7)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := GenerateRobustKnapsack(p, 7)
			if fmt.Sprint(k) != fmt.Sprint(again) {
				t.Fatal("same seed gave different instances")
			}
			other, _ := GenerateRobustKnapsack(p, 8)
			if fmt.Sprint(k.Weight) == fmt.Sprint(other.Weight) {
				t.Fatal("different seeds gave the same weights")
			}
			if k.Gamma != 9 {
				t.Fatalf("Γ = %v, want 9", k.Gamma)
			}
			sum := 0
			for i := 0; i < k.N(); i++ {
				c, pb, ph, f, tr := float64(k.Weight[i]), k.Profit[i], k.Degradation[i], k.Outsource[i], float64(k.RepairWeight[i])
				sum += k.Weight[i]
				if c < 1 || c > 1000 {
					t.Fatalf("weight %v outside [1, R]", c)
				}
				if ph < math.Floor(pb*(1-delta)/2)-1 || ph > pb*(1+delta)/2 {
					t.Fatalf("%s δ=%v: p̂=%v outside p̄·[(1−δ)/2, (1+δ)/2], p̄=%v", corr, delta, ph, pb)
				}
				if f < math.Floor(1.1*pb)-1 || f > 1.5*pb {
					t.Fatalf("f=%v outside p̄·[1.1, 1.5], p̄=%v", f, pb)
				}
				switch corr {
				case StronglyCorrelated:
					if pb != c+100 || tr != math.Max(1, math.Floor(ph/2+c/10)) {
						t.Fatalf("SC item: p̄=%v c=%v t=%v p̂=%v", pb, c, tr, ph)
					}
				case AlmostStronglyCorrelated:
					if pb < c+99-1 || pb > c+101 {
						t.Fatalf("ASC item: p̄=%v c=%v", pb, c)
					}
				case WeaklyCorrelated:
					if pb < c-51 || pb > c+50 {
						t.Fatalf("WC item: p̄=%v c=%v", pb, c)
					}
				case Uncorrelated:
					if tr < 1 || tr > c {
						t.Fatalf("UN item: t=%v c=%v", tr, c)
					}
				}
			}
			if want := int(math.Floor(40.0 / 101 * float64(sum))); k.Capacity != want {
				t.Fatalf("C = %d, want %d", k.Capacity, want)
			}
		}
	}
	if _, err := GenerateRobustKnapsack(RKPParams{Corr: "XX", N: 3, R: 10, H: 10, HSmall: 4}, 1); !errors.Is(err, ErrInvalidInstance) {
		t.Fatalf("bad correlation: err = %v", err)
	}
}

func TestFirstStageStrings(t *testing.T) {
	x, err := ParseFirstStage("0110", 4)
	if err != nil || !x[1] || !x[2] || x[0] || x[3] {
		t.Fatalf("x=%v err=%v", x, err)
	}
	if FormatFirstStage(x) != "0110" {
		t.Fatal("format differs")
	}
	for _, bad := range []string{"011", "01101", "01x0"} {
		if _, err := ParseFirstStage(bad, 4); !errors.Is(err, ErrInvalidSolution) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestCheckSecondStage(t *testing.T) {
	k, err := ReadRobustKnapsack(strings.NewReader(rkpSmall), "small")
	if err != nil {
		t.Fatal(err)
	}
	x := []bool{true, true, false}
	xi := []float64{0.5, 1, 0}
	cases := []struct {
		name string
		y, r []bool
		want float64
		err  bool
	}{
		// all outsourced: (10−12) + (8−9)
		{"outsource", []bool{false, false, false}, []bool{false, false, false}, -3, false},
		// item 1 produced (10 − 4·0.5), item 2 repaired (8), load 5 + 3 + 1 = 9
		{"produce+repair", []bool{true, true, false}, []bool{false, true, false}, 16, false},
		// both repaired: load 7 + 4 = 11 > 10
		{"over capacity", []bool{true, true, false}, []bool{true, true, false}, 0, true},
		{"repair without produce", []bool{false, true, false}, []bool{true, true, false}, 0, true},
		{"produce unselected", []bool{false, false, true}, []bool{false, false, false}, 0, true},
	}
	for _, c := range cases {
		got, err := CheckSecondStage(k, x, xi, c.y, c.r)
		if c.err {
			if !errors.Is(err, ErrInvalidSolution) {
				t.Errorf("%s: err = %v", c.name, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := CheckSecondStage(k, x, []float64{1, 1, 0}, x, []bool{false, false, false}); !errors.Is(err, ErrInvalidSolution) {
		t.Errorf("Σξ = 2 > Γ = 1.5 accepted: %v", err)
	}
}

// TestPublishedRobustKnapsacks reads all 504 files and the branch-and-price table,
// and checks that the names agree with the contents.
func TestPublishedRobustKnapsacks(t *testing.T) {
	dir := datadirtest.Path(t, RKPInstanceDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	f, err := os.Open(filepath.Join(datadirtest.ForTest(t), RKPBranchAndPricePath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bp, err := ReadRKPBranchAndPrice(f, f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if len(bp) != 504 {
		t.Fatalf("branch-and-price table has %d rows, want 504", len(bp))
	}
	limit := 0
	for _, e := range bp {
		if math.IsNaN(e.TimeS) {
			limit++
		}
	}
	if limit != 225 {
		t.Errorf("%d rows hit the time limit, want 225", limit)
	}
	count := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "RKP_") {
			continue
		}
		count++
		k, err := LoadRobustKnapsack(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParseRKPName(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if k.N() != p.N || math.Abs(k.Gamma-float64(p.N)*p.BudgetFactor) > 1e-9 {
			t.Errorf("%s: n=%d Γ=%v disagree with the name", e.Name(), k.N(), k.Gamma)
		}
		sum := 0
		for _, c := range k.Weight {
			sum += c
		}
		if want := int(math.Floor(float64(p.HSmall) / float64(p.H+1) * float64(sum))); k.Capacity != want {
			t.Errorf("%s: C=%d, recipe gives %d", e.Name(), k.Capacity, want)
		}
		if _, ok := bp[e.Name()]; !ok {
			t.Errorf("%s: no branch-and-price row", e.Name())
		}
	}
	if count != 504 {
		t.Fatalf("read %d instances, want 504", count)
	}
	ref, ok, err := RobustKnapsackReference(datadirtest.ForTest(t), "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1")
	if err != nil || !ok || ref.Value != 4358.41 || ref.Kind != RefOptimal {
		t.Fatalf("reference = %+v, %v, %v", ref, ok, err)
	}
	ref, ok, err = RobustKnapsackReference(datadirtest.ForTest(t), "RKP_ASC_n30_R1000_H100_h40_dev0.15_d0.1")
	if err != nil || !ok || ref.Value != 6324 || ref.Kind != RefBestKnown {
		t.Fatalf("reference = %+v, %v, %v", ref, ok, err)
	}
}

func ExampleGenerateRobustKnapsack() {
	p := RKPParams{Corr: StronglyCorrelated, N: 5, R: 1000, H: 100, HSmall: 40, BudgetFactor: 0.2, Delta: 0.5}
	k, _ := GenerateRobustKnapsack(p, 1)
	x, _ := ParseFirstStage("10110", k.N())
	fmt.Println(k.Name, k.N(), k.Gamma)
	fmt.Println(k.Profit[0]-float64(k.Weight[0]), CheckFirstStage(k, x))
	// Output:
	// RKP_SC_n5_R1000_H100_h40_dev0.2_d0.5 5 1
	// 100 <nil>
}
