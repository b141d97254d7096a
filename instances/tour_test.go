package instances

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReadTourFile(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "tsp", "small.tour"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tour, err := ReadTour(f, "small.tour", 5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2, 4, 3, 1}; !slices.Equal(tour, want) {
		t.Fatalf("tour %v, want %v", tour, want)
	}
}

func TestTourRoundTrip(t *testing.T) {
	for _, tour := range [][]int{{0, 1, 2}, {2, 0, 1, 3}, {4, 3, 2, 1, 0, 5, 6, 9, 8, 7}} {
		var buf bytes.Buffer
		if err := WriteTour(&buf, "rt tour\nname", tour); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), "NAME : rt tour name\nTYPE : TOUR\n") || !strings.HasSuffix(buf.String(), "\n-1\nEOF\n") {
			t.Fatalf("unexpected file:\n%s", buf.String())
		}
		for _, n := range []int{0, len(tour)} {
			got, err := ReadTour(bytes.NewReader(buf.Bytes()), "rt.tour", n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tour) {
				t.Fatalf("n=%d: %v became %v", n, tour, got)
			}
		}
	}
	if err := WriteTour(&bytes.Buffer{}, "x", []int{0, 0, 1}); !errors.Is(err, ErrInvalidSolution) {
		t.Fatalf("non-permutation written: %v", err)
	}
}

func TestReadTourVariants(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want []int
	}{
		{"TOUR_SECTION\n1 2 3\n-1\n", 3, []int{0, 1, 2}},
		{"TOUR_SECTION\n3\n1\n2\n", 3, []int{2, 0, 1}},   // no -1, no EOF
		{"TOUR_SECTION\n3 1 2 EOF\n", 0, []int{2, 0, 1}}, // EOF keyword ends it
		{"NAME:t\nTYPE:TOUR\nDIMENSION:3\nTOUR_SECTION:\n2 3 1 -1 -1\nEOF", 3, []int{1, 2, 0}},
		{"TYPE : TOUR (best)\nTOUR_SECTION\n1 2 3 -1\n3 2 1 -1\n", 3, []int{0, 1, 2}}, // second tour ignored
	}
	for _, tc := range cases {
		got, err := ReadTour(strings.NewReader(tc.in), "v.tour", tc.n)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestReadTourBadInput(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{"empty", "", 3, "1: empty input"},
		{"no section", "NAME: x\nTYPE: TOUR\n", 3, "3: no TOUR_SECTION"},
		{"EOF before section", "NAME: x\nEOF\n", 3, "2: no TOUR_SECTION"},
		{"not a tour", "TYPE: TSP\n", 3, "1: TYPE \"TSP\" is not a tour"},
		{"dimension mismatch", "DIMENSION: 4\nTOUR_SECTION\n1 2 3 4 -1\n", 3, "1: DIMENSION 4 but the instance has 3 nodes"},
		{"bad dimension", "DIMENSION: -4\n", 0, "1: DIMENSION \"-4\" is not a positive integer"},
		{"unknown keyword", "FOO: 1\n", 3, "1: unknown keyword \"FOO\""},
		{"duplicate keyword", "NAME: a\nNAME: b\n", 3, "2: NAME given twice"},
		{"non-integer node", "TOUR_SECTION\n1\n2.5\n", 3, "3: tour node \"2.5\" is not an integer"},
		{"NaN node", "TOUR_SECTION\n1 NaN\n", 3, "2: tour node \"NaN\" is not an integer"},
		{"out of range without n", "TOUR_SECTION\n1 2 9 -1\n", 0, "2: tour node 9 out of range 1…3"},
		{"zero without n", "TOUR_SECTION\n0\n", 0, "2: tour node 0 out of range (nodes are numbered from 1)"},
		{"huge", "TOUR_SECTION\n1 2 1000000000000 -1\n", 3, "2: tour node 1000000000000 is beyond any instance (at most 10000000 nodes)"},
		{"huge DIMENSION", "DIMENSION: 1000000000000\nTOUR_SECTION\n1 2 3\n", 0, "1: DIMENSION 1000000000000 is beyond any instance (at most 10000000 nodes)"},
		{"duplicate without n", "TOUR_SECTION\n1\n2\n1\n-1\n", 0, "4: tour node 1 listed twice (first at line 2)"},
		{"missing by DIMENSION", "DIMENSION: 4\nTOUR_SECTION\n1 3 2 -1\n", 0, "3: tour has 3 of 4 nodes: node 4 is missing"},
		{"too many by DIMENSION", "DIMENSION: 3\nTOUR_SECTION\n1 2 3 1\n", 0, "3: tour lists more than 3 nodes"},
		{"garbage", "TOUR_SECTION\n1 \x00\xff" + strings.Repeat("\xfe", 100) + "\n", 3, "2: tour node \"\\x00\\xff\\xfe"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tour, err := ReadTour(strings.NewReader(tc.in), "bad.tour", tc.n)
			if err == nil {
				t.Fatalf("accepted %v", tour)
			}
			if !errors.Is(err, ErrInvalidSolution) {
				t.Errorf("%v does not wrap ErrInvalidSolution", err)
			}
			if want := "bad.tour:" + tc.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q\nwant prefix %q", err, want)
			}
		})
	}
}

// A well-formed file with a wrong tour is read; CheckTour gives the verdict, an
// invalid solution (which the check command reports as such, exit 1), rather
// than the reader an input error (exit 2).
func TestReadTourLeavesPermutationToCheckTour(t *testing.T) {
	p, err := NewCoordTSP("tri", Euclidean, []float64{0, 1, 0}, []float64{0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in string
		kind     TourViolationKind
	}{
		{"out of range", "TOUR_SECTION\n1\n4\n", TourOutOfRange},
		{"zero", "TOUR_SECTION\n0\n", TourOutOfRange},
		{"negative", "TOUR_SECTION\n2 -7 1\n", TourOutOfRange},
		{"duplicate", "TOUR_SECTION\n1\n2\n1\n-1\n", TourDuplicate},
		{"missing", "TOUR_SECTION\n1\n3\n-1\n", TourMissing},
		{"too many", "TOUR_SECTION\n1 2 3 1 2 3 1 2 3\n", TourDuplicate},
		{"empty section", "TOUR_SECTION\n-1\n", TourMissing},
	} {
		tour, err := ReadTour(strings.NewReader(tc.in), "bad.tour", p.N())
		if err != nil {
			t.Errorf("%s: reader error %v", tc.name, err)
			continue
		}
		if len(tour) > p.N()+1 {
			t.Errorf("%s: %d nodes kept, want at most n+1", tc.name, len(tour))
		}
		_, err = CheckTour(p, tour)
		var v *TourViolation
		if !errors.As(err, &v) || v.Kind != tc.kind || !errors.Is(err, ErrInvalidSolution) {
			t.Errorf("%s: CheckTour says %v, want a %v violation", tc.name, err, tc.kind)
		}
	}
}

func FuzzReadTour(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "tsp", "small.tour"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, 5)
	f.Add(b, 0)
	for _, s := range []string{"", "TOUR_SECTION\n1 2 3 -1\n", "DIMENSION: 1000000000000\nTOUR_SECTION\n1 2 3\n",
		"TOUR_SECTION\n1 1 2\n", "TYPE: TSP\n", "TOUR_SECTION\n-5\n", "TOUR_SECTION\n9223372036854775807\n",
		"TOUR_SECTION\n-9223372036854775808\n", "\ufeffTOUR_SECTION\n1 2 3\n"} {
		f.Add([]byte(s), 3)
		f.Add([]byte(s), 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		tour, err := ReadTour(bytes.NewReader(data), "fuzz.tour", n)
		if err != nil {
			if !errors.Is(err, ErrInvalidSolution) || !strings.HasPrefix(err.Error(), "fuzz.tour:") {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if n > 0 {
			// The permutation is CheckTour's to judge; the reader bounds the length.
			if len(tour) > n+1 {
				t.Fatalf("kept %d nodes for n = %d", len(tour), n)
			}
			return
		}
		if err := tspCheckPermutation(tour, len(tour)); err != nil {
			t.Fatalf("accepted a non-permutation: %v", err)
		}
	})
}

func TestAppendDecimalMatchesStrconv(t *testing.T) {
	values := []uint64{0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 10001, 99999, 100000, 1000000, 9999999, 10000000, 123456789, 1<<63 - 1, 1<<64 - 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		values = append(values, r.Uint64()>>r.UintN(64))
	}
	for _, v := range values {
		if got, want := string(appendDecimal([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
			t.Fatalf("appendDecimal(%d) = %q, want %q", v, got, want)
		}
	}
}

func BenchmarkWriteTour1M(b *testing.B) {
	tour := rand.New(rand.NewPCG(3, 4)).Perm(1_000_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteTour(io.Discard, "bench", tour); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeTourRoundTrip covers the pieces formatted on several goroutines,
// and a writer that fails part-way (the formatters must not hang).
func TestLargeTourRoundTrip(t *testing.T) {
	tour := rand.New(rand.NewPCG(7, 8)).Perm(5*tourPiece + 123)
	var buf bytes.Buffer
	if err := WriteTour(&buf, "large", tour); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTour(bytes.NewReader(buf.Bytes()), "large.tour", len(tour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, tour) {
		t.Fatal("the tour read back differs")
	}
	for _, after := range []int{0, 1, 3} {
		w := &failingWriter{after: after}
		if err := WriteTour(w, "large", tour); !errors.Is(err, errWriteFailed) {
			t.Fatalf("failure after %d writes: %v", after, err)
		}
	}
}

var errWriteFailed = errors.New("disk full")

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errWriteFailed
	}
	w.after--
	return len(p), nil
}
