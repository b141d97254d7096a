package instances

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// Fuzz targets for the readers whose own files have none: ReadTSP's format
// detection, DetectKind, the reference tables and CountTSPLines. Their seeds
// run as ordinary tests.

func FuzzReadTSP(f *testing.F) {
	for _, s := range []string{
		"NAME: tri\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 0\n3 0 4\nEOF\n",
		"0 0 1 0 0 1 output 1 2 3 1\n", "\ufeff0 0 1 0 0 1\n", "\ufeffDIMENSION: 3\n", "", "\n\n", "-", ".5",
		"0 0 1e308 0 0 1\n", "DIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 1e16 1\n",
	} {
		f.Add([]byte(s), 0)
		f.Add([]byte(s), 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		p, tour, err := ReadTSP(bytes.NewReader(data), "fuzz", index)
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if p.N() < 3 || p.N() > MaxTSPNodes {
			t.Fatalf("accepted n = %d", p.N())
		}
		identity := make([]int, p.N())
		for i := range identity {
			identity[i] = i
		}
		if length, err := CheckTour(p, identity); err != nil || math.IsInf(length, 0) || math.IsNaN(length) {
			t.Fatalf("accepted an instance whose tours measure %v (%v)", length, err)
		}
		if tour != nil {
			if _, err := CheckTour(p, tour); err != nil {
				t.Fatalf("accepted a bad stored tour: %v", err)
			}
		}
	})
}

func FuzzDetectKind(f *testing.F) {
	for _, s := range []string{"NAME: x\n", "0.1 0.2 0.3 0.4 0.5 0.6 output 1 2 3 1\n", "2 2\n0 1 1 2\n", "Nb of jobs\n",
		"20 1234 4.5\n", "\ufeff2 2\n", "# c\n\n", "", "\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		k := DetectKind(head)
		if !bytes.HasPrefix(head, []byte(bom)) {
			if withMark := DetectKind(append([]byte(bom), head...)); withMark != k {
				t.Fatalf("a byte-order mark changed the kind from %q to %q", k, withMark)
			}
		}
	})
}

func FuzzReadBKS(f *testing.F) {
	for _, s := range []string{
		`[{"instance": "ft10", "size": "10 x 10", "status": "closed", "lower_bound": 930, "upper_bound": 930}]`,
		`[{"instance": "a", "status": "open", "lower_bound": 1, "upper_bound": 2}]`,
		`[{"instance": "a", "size": "x", "status": "open", "lower_bound": 1, "upper_bound": 2}]`,
		`[]`, `{}`, ``, `[{"instance": "ta01"}, {"instance": "ta01js"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBKS(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) {
				t.Fatalf("error %v does not wrap ErrInvalidInstance", err)
			}
			return
		}
		for _, name := range b.Names() {
			bd, ok := b.Lookup(name)
			if !ok || bd.LowerBound > bd.UpperBound || bd.Jobs < 0 || bd.Machines < 0 {
				t.Fatalf("%q: %+v, %v", name, bd, ok)
			}
		}
	})
}

func FuzzReadRKPBranchAndPrice(f *testing.F) {
	const head = "\ufeffFile name,Time,Best primal bound,Active columns in best primal sol,Total columns generated,Solved to optimality\n"
	for _, s := range []string{
		head + "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1,20.9437,4358.41,5,2476,1\n",
		head + "a,TIME_LIMIT,1,2,3,0\r\na,1,1,1,1,1\n", head + "a,b\n", "x\n", "", "\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ReadRKPBranchAndPrice(bytes.NewReader(data), "fuzz.csv"); err != nil && !errors.Is(err, ErrInvalidInstance) {
			t.Fatalf("error %v does not wrap ErrInvalidInstance", err)
		}
	})
}

func FuzzReadLKH3Lengths(f *testing.F) {
	for _, s := range []string{"0 1.5\n1 2.5\n", "1 2\n0 3\n", "0 1\n0 1\n", "3 1\n", "0 -1\n", "0 NaN\n", "x y z\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lengths, err := readLKH3Lengths(bytes.NewReader(data), "fuzz.txt")
		if err != nil {
			if !errors.Is(err, ErrInvalidInstance) && !errors.Is(err, bufio.ErrTooLong) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		for i, v := range lengths {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Fatalf("length %d is %v", i, v)
			}
		}
	})
}

func FuzzCountTSPLines(f *testing.F) {
	for _, s := range []string{"", "\n", "a\n\nb", " \t\n x", strings.Repeat("1 ", 40000) + "\n2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := CountTSPLines(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, l := range strings.Split(string(data), "\n") {
			if strings.TrimLeft(l, " \t\r\v\f") != "" {
				want++
			}
		}
		if n != want {
			t.Fatalf("%d lines counted, want %d", n, want)
		}
	})
}
