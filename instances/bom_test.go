package instances

import (
	"strings"
	"testing"
)

// A UTF-8 byte-order mark, invisible in an editor, made every reader report an
// unknown keyword or a malformed number, and format detection guess wrong.
func TestByteOrderMarkIsIgnored(t *testing.T) {
	const tsplib = "NAME: tri\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 0\n3 0 4\nEOF\n"
	const line = "0 0 1 0 0 1 output 1 2 3 1\n"
	const jobShop = "2 2\n0 3 1 2\n1 4 0 1\n"
	const taillard = "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n1 1 1 1 0 0\nTimes\n5\nMachines\n1\n"
	for _, tc := range []struct {
		name, in string
		kind     Kind
		read     func(string) error
	}{
		{"TSPLIB", tsplib, KindTSP, func(s string) error { _, _, err := ReadTSP(strings.NewReader(s), "f", 0); return err }},
		{"TSP line", line, KindTSP, func(s string) error { _, _, err := ReadTSP(strings.NewReader(s), "f", 0); return err }},
		{"tour", "TOUR_SECTION\n1 2 3 -1\n", KindTSP, func(s string) error { _, err := ReadTour(strings.NewReader(s), "f", 3); return err }},
		{"job shop", jobShop, KindJobShop, func(s string) error { _, err := ReadJobShopAuto(strings.NewReader(s), "f", 0); return err }},
		{"Taillard", taillard, KindJobShop, func(s string) error { _, err := ReadJobShopAuto(strings.NewReader(s), "f", 0); return err }},
		{"schedule", `{"objective": 1, "starts": [[0]]}`, KindUnknown, func(s string) error { _, err := ReadSchedule(strings.NewReader(s), "f"); return err }},
		{"robust", rkpSmall, KindRobustKnapsack, func(s string) error { _, err := ReadRobustKnapsack(strings.NewReader(s), "f"); return err }},
		{"bounds", `[{"instance": "a", "status": "open", "lower_bound": 1, "upper_bound": 2}]`, KindUnknown, func(s string) error { _, err := ReadBKS(strings.NewReader(s), "f"); return err }},
		{"LKH-3 lengths", "0 1.5\n1 2.5\n", KindUnknown, func(s string) error { _, err := readLKH3Lengths(strings.NewReader(s), "f"); return err }},
	} {
		if err := tc.read(tc.in); err != nil {
			t.Fatalf("%s without a mark: %v", tc.name, err)
		}
		if err := tc.read(bom + tc.in); err != nil {
			t.Errorf("%s with a byte-order mark: %v", tc.name, err)
		}
		if tc.kind != KindUnknown {
			if got := DetectKind([]byte(bom + tc.in)); got != tc.kind {
				t.Errorf("%s with a byte-order mark detected as %q, want %q", tc.name, got, tc.kind)
			}
		}
	}
}
