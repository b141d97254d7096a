package instances

import (
	"errors"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func TestCanonicalJobShopName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ta01", "ta1"}, {"ta01js", "ta1"}, {"TA01JS.txt", "ta1"}, {"dir/sub/ta01js.txt", "ta1"},
		{"yn01", "yn1"}, {"yn1", "yn1"}, {"yn01.txt", "yn1"},
		{"ft06", "ft6"}, {"ft10", "ft10"}, {"abz5", "abz5"}, {"la01.txt", "la1"}, {"orb10", "orb10"},
		{"swv20.txt", "swv20"}, {"dmu01.txt", "dmu1"}, {"bel00", "bel0"},
		{"tai_j100_m10_1.data", "tai_100_10_1"}, {"tai_j100_m10_1", "tai_100_10_1"}, {"tai_100_10_1", "tai_100_10_1"},
		{"instances_run/tai_j1000_m100_10.data", "tai_1000_100_10"},
		{"dct-long-100-10000-1", "dct-long-100-10000-1"}, {"tai_x_1_2", "tai_x_1_2"}, {"tai_1_2", "tai_1_2"},
		{"tai015_15#3", "tai015_15#3"}, {"foo", "foo"}, {"12", "12"}, {"js", "js"},
	}
	for _, tc := range tests {
		if got := canonicalJobShopName(tc.in); got != tc.want {
			t.Errorf("canonicalJobShopName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadBKSErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"malformed", `[{"instance": "a",`, "unexpected EOF"},
		{"not_array", `{"instance": "a"}`, "cannot unmarshal"},
		{"extra", `[] []`, "extra data"},
		{"no_name", `[{"status": "open", "lower_bound": 1, "upper_bound": 2}]`, "no instance name"},
		{"no_bound", `[{"instance": "a", "status": "open", "lower_bound": 1}]`, "missing lower_bound or upper_bound"},
		{"crossed", `[{"instance": "a", "status": "open", "lower_bound": 3, "upper_bound": 2}]`, "lower bound 3 above upper bound 2"},
		{"status", `[{"instance": "a", "status": "solved", "lower_bound": 2, "upper_bound": 2}]`, `status "solved"`},
		{"duplicate", `[{"instance": "ta01", "status": "open", "lower_bound": 1, "upper_bound": 2}, {"instance": "ta01js", "status": "open", "lower_bound": 1, "upper_bound": 2}]`, `same instance as "ta01"`},
		{"size", `[{"instance": "a", "size": "10 by 10", "status": "open", "lower_bound": 1, "upper_bound": 2}]`, `size "10 by 10"`},
	}
	for _, tc := range tests {
		_, err := ReadBKS(strings.NewReader(tc.in), tc.name)
		if !errors.Is(err, ErrInvalidInstance) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.name+": ") {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestBKSLookup(t *testing.T) {
	dir := datadirtest.ForTest(t)
	b, err := LoadBKS(BKSPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 376 || len(b.Names()) != 376 {
		t.Errorf("%d entries, want 376", b.Len())
	}
	tests := []struct {
		name   string
		key    string
		lb, ub int
		closed bool
	}{
		{"ft10", "ft10", 930, 930, true},
		{"FT10.txt", "ft10", 930, 930, true},
		{"ta01", "ta01js", 1231, 1231, true},
		{"ta01js.txt", "ta01js", 1231, 1231, true},
		{"ta41", "ta41js", 1926, 2005, false},
		{"yn01", "yn1", 884, 884, true},
		{"yn01.txt", "yn1", 884, 884, true},
		{"tai_j100_m10_1.data", "tai_100_10_1", 54951, 54951, true},
		{"/some/dir/tai_j100_m10_1", "tai_100_10_1", 54951, 54951, true},
		{"dmu01", "dmu01", 2563, 2563, true},
		{"dmu80.txt", "dmu80", 6460, 6621, false},
		{"la01", "la01", 666, 666, true},
		{"abz5", "abz5", 1234, 1234, true},
		{"orb01.txt", "orb01", 1059, 1059, true},
		{"swv07", "swv07", 1541, 1594, false},
		{"bel00.txt", "bel00", 766329, 766329, true},
	}
	for _, tc := range tests {
		bd, ok := b.Lookup(tc.name)
		if !ok || bd.Instance != tc.key || bd.LowerBound != tc.lb || bd.UpperBound != tc.ub || bd.Closed != tc.closed {
			t.Errorf("Lookup(%q) = %+v, %v; want %s [%d, %d] closed=%v", tc.name, bd, ok, tc.key, tc.lb, tc.ub, tc.closed)
		}
		ref, ok := JobShopReference(dir, tc.name)
		wantKind := RefBestKnown
		if tc.closed {
			wantKind = RefOptimal
		}
		if !ok || ref.Value != float64(tc.ub) || ref.Kind != wantKind {
			t.Errorf("JobShopReference(%q) = %+v, %v", tc.name, ref, ok)
		}
	}
	for _, name := range []string{"ta81", "ft07", "tai_j100_m10_11", "nosuch", ""} {
		if bd, ok := b.Lookup(name); ok {
			t.Errorf("Lookup(%q) found %+v", name, bd)
		}
	}
	if _, ok := JobShopReference(t.TempDir(), "ft10"); ok {
		t.Error("JobShopReference found a reference without a bounds file")
	}
}

// A reference belongs to an instance of the recorded size: a 3×3 job shop named
// ft10 was reported at a gap of −98.8 % to ft10's optimum.
func TestJobShopReferenceChecksSize(t *testing.T) {
	dir := datadirtest.ForTest(t)
	op := func(m, d int) Operation { return Operation{Machine: m, Duration: d} }
	small := &JobShop{Name: "ft10", Machines: 3, Jobs: [][]Operation{
		{op(0, 1), op(1, 2), op(2, 3)}, {op(1, 1), op(0, 2), op(2, 3)}, {op(2, 1), op(1, 2), op(0, 3)}}}
	if ref, ok := JobShopReferenceFor(dir, small); ok {
		t.Errorf("3×3 instance named ft10 got ft10's reference %+v", ref)
	}
	for _, tc := range []struct {
		path []string
		want float64
	}{
		{[]string{"jssp", "scheduleopt", "instances", "text", "FisherThompson1963", "ft10.txt"}, 930},
		{[]string{"jssp", "scheduleopt", "instances", "text", "Taillard1993", "ta01js.txt"}, 1231},
		{[]string{"jssp", "tassel_e2e", "instances_run", "tai_j100_m10_1.data"}, 54951},
		{[]string{"jssp", "scheduleopt", "instances", "text", "BoverouxErnstLouveaux2025", "bel00.txt"}, 766329},
	} {
		js, err := LoadJobShop(datadirtest.Path(t, tc.path...), 0)
		if err != nil {
			t.Fatal(err)
		}
		if ref, ok := JobShopReferenceFor(dir, js); !ok || ref.Value != tc.want {
			t.Errorf("%s (%d×%d): reference %+v, %v; want %v", js.Name, js.NumJobs(), js.Machines, ref, ok, tc.want)
		}
	}
}
