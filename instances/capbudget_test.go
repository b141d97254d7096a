package instances

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

const cbSmall = `7 2 2 9.7 3
4 6
0.8 1.2
0.25 0.75
1 0
0.5 0.5
0 1
`

func TestReadCapitalBudgeting(t *testing.T) {
	c, err := ReadCapitalBudgeting(strings.NewReader(cbSmall), "small")
	if err != nil {
		t.Fatal(err)
	}
	if c.N() != 2 || c.XiDim() != 2 || c.Seed != 7 || c.Budget != 9 || c.MaxLoan != 3 || c.RecourseFactor != 0.8 {
		t.Fatalf("header: %+v", c)
	}
	if c.Cost[1] != 6 || c.Revenue[0] != 0.8 || c.Phi[1][0] != 1 || c.Psi[1][1] != 1 {
		t.Fatalf("data: %+v", c)
	}
	// Worst-case cost of both projects: 1.5·(4+6) = 15 > 9; one project fits.
	for _, tc := range []struct {
		x  string
		ok bool
	}{{"00", true}, {"10", true}, {"01", true}, {"11", false}} {
		x, _ := ParseFirstStage(tc.x, 2)
		if err := CheckCBFirstStage(c, x); (err == nil) != tc.ok {
			t.Errorf("x = %s: %v", tc.x, err)
		}
	}
	// ξ = (1, −1): costs 4·(1+(0.25−0.75)/2) = 3 and 6·1.5 = 9; revenues 0.8·1 and 1.2·0.5.
	x, _ := ParseFirstStage("10", 2)
	rev, err := CheckCBSecondStage(c, x, []float64{1, -1}, []bool{false, true})
	if err == nil {
		t.Fatalf("accepted a recourse over budget (revenue %v)", rev)
	}
	rev, err = CheckCBSecondStage(c, x, []float64{1, -1}, []bool{false, false})
	if err != nil || math.Abs(rev-0.8) > 1e-12 {
		t.Fatalf("revenue %v, %v", rev, err)
	}
}

func TestReadCapitalBudgetingErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "f: empty file, want a header"},
		{"header fields", "1 2 2 9\n", "f:1: header (seed n d budget max_loan) has 4 fields, want 5"},
		{"fractional n", "1 2.5 2 9 0\n", "f:1: project count 2.5"},
		{"zero dimension", "1 2 0 9 0\n", "f:1: uncertainty dimension 0"},
		{"negative budget", "1 2 2 -9 0\n", "f:1: budget -9 is negative"},
		{"negative cost", "1 2 2 9 0\n4 -6\n", "f:2: cost of project 2 is -6: costs must not be negative"},
		{"short cost line", "1 2 2 9 0\n4\n", "f:2: cost line (c̄) has 1 fields, want 2"},
		{"negative revenue", "1 2 2 9 0\n4 6\n\n0.8 -1\n", "f:4: revenue of project 2"},
		{"not a number", "1 2 2 9 0\n4 x\n", `f:2: cost line (c̄) field 2: "x"`},
		{"NaN", "1 2 2 9 0\n4 NaN\n", "f:2: cost line (c̄) field 2"},
		{"negative loading", "1 2 2 9 0\n4 6\n1 1\n0.5 -0.5\n", "f:4: project 1: cost loading φ_1 = -0.5 is negative"},
		{"loadings over 2", "1 2 2 9 0\n4 6\n1 1\n1.5 1\n", "f:4: project 1: cost loadings sum to 2.5"},
		{"truncated", "1 2 2 9 0\n4 6\n1 1\n0.5 0.5\n", "f:4: file ends before the cost loadings φ of project 2"},
		{"trailing", cbSmall + "1\n", "f:8: unexpected content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCapitalBudgeting(strings.NewReader(c.in), "f")
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

func FuzzReadCapitalBudgeting(f *testing.F) {
	f.Add([]byte(cbSmall))
	f.Add([]byte("\ufeff1 1 1 0 0\n0\n0\n0\n0\n"))
	f.Add([]byte("1 1 1 1e308 0\n1e308\n1\n2\n-1e308\n"))
	f.Add([]byte("1 3 2 9 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCapitalBudgeting(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) || !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid instance: %v", err)
		}
		// The empty selection is always robustly feasible; costs never turn negative.
		if err := CheckCBFirstStage(c, make([]bool, c.N())); err != nil {
			t.Fatal(err)
		}
		low := make([]float64, c.XiDim())
		for j := range low {
			low[j] = -1
		}
		for i := 0; i < c.N(); i++ {
			if v := c.CostAt(i, low); v < -1e-9*c.Cost[i] {
				t.Fatalf("project %d costs %v at ξ = −1", i, v)
			}
		}
	})
}

// TestGenerateCapitalBudgetingMatchesPublished rebuilds the shipped instances
// (five with -short, all 1000 otherwise) bit for bit from their seeds (numpy's
// legacy generator ported to Go).
func TestGenerateCapitalBudgetingMatchesPublished(t *testing.T) {
	dir := datadirtest.Path(t, CBInstanceDir)
	names := []string{"CB_n10_xi4_s1", "CB_n10_xi4_s2", "CB_n30_xi4_s17", "CB_n50_xi4_s50", "CB_n100_xi4_s100"}
	if !testing.Short() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		names = names[:0]
		for _, e := range entries {
			names = append(names, e.Name())
		}
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ReadCapitalBudgeting(bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		fileBudget, _ := strconv.ParseFloat(strings.Fields(string(data))[3], 64)
		got, err := GenerateCapitalBudgeting(want.N(), want.XiDim(), uint32(want.Seed))
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name || got.Budget != fileBudget || fmt.Sprint(got.Cost, got.Revenue, got.Phi, got.Psi) != fmt.Sprint(want.Cost, want.Revenue, want.Phi, want.Psi) {
			t.Errorf("%s: generated instance differs (budget %v, file %v)", name, got.Budget, fileBudget)
		}
		if want.Budget != math.Trunc(fileBudget) {
			t.Errorf("%s: budget %v, want the file's truncated %v", name, want.Budget, math.Trunc(fileBudget))
		}
	}
}

func TestPublishedCapitalBudgetingResults(t *testing.T) {
	dir := datadirtest.ForTest(t)
	tab, err := LoadCBResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab) != 249 {
		t.Fatalf("%d rows, want 249 (n = 10…50, seeds 1…50, one missing)", len(tab))
	}
	p := tab["CB_n10_xi4_s1"]
	if p.N != 10 || p.Seed != 1 || p.Neur2RO.FirstStage != "0100101000" || p.Neur2RO.Objective != -3.082830960341914 || p.BestKnown() != -3.082830960341914 {
		t.Fatalf("CB_n10_xi4_s1: %+v, best %v", p, p.BestKnown())
	}
	if p := tab["CB_n10_xi4_s2"]; p.BestKnown() != -3.3214867060534723 {
		t.Fatalf("CB_n10_xi4_s2 best known %v", p.BestKnown())
	}
	f, err := os.Open(filepath.Join(dir, CBScenariosPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scen, err := ReadCBScenarios(bufio.NewReader(f), f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if s := scen["CB_n10_xi4_s1"]; len(s) < 3 || s[0][1] != 0.16419508810986458 || s[2][0] != 1 {
		t.Fatalf("CB_n10_xi4_s1 scenarios start %v", s[:min(3, len(s))])
	}
}
