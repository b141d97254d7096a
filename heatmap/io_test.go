package heatmap

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// allocated is the number of bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A header claiming a huge node count must cost nothing before data backs it:
// "10000000\n" made ReadDense allocate some 400 MB of rows and sums.
func TestHeaderAloneAllocatesLittle(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		read           func(io.Reader, string) (*Heatmap, error)
	}{
		{"dense", "10000000\n", "h:2: 0 numbers after the node count", ReadDense},
		{"dense via Read", "10000000\n", "h:2: 0 numbers after the node count", Read},
		{"sparse", sparseMagic + " 1 100000000\n", "h:2: 0 rows, want 100000000", ReadSparse},
		{"sparse via Read", sparseMagic + " 1 100000000\n", "h:2: 0 rows, want 100000000", Read},
	} {
		var err error
		bytes := allocated(func() { _, err = tc.read(strings.NewReader(tc.in), "h") })
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrInvalid with %q", tc.name, err, tc.want)
		}
		if bytes > 1<<20 {
			t.Errorf("%s: a 9-byte header allocated %d bytes", tc.name, bytes)
		}
	}
}

// endless yields the same bytes forever.
type endless []byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e[i%len(e)]
	}
	return len(p), nil
}

// Endless input without a separator must end in an error, not a growing buffer.
func TestEndlessInputStops(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"zeros", endless{0}},
		{"digits", endless("7")},
		{"digits after a header", io.MultiReader(strings.NewReader("5\n"), endless("1"))},
		{"sparse row", io.MultiReader(strings.NewReader(sparseMagic+" 1 5\n"), endless("9"))},
	} {
		var err error
		bytes := allocated(func() { _, err = Read(tc.r, "h") })
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "longer than") {
			t.Errorf("%s: error %v, want ErrInvalid about a long token", tc.name, err)
		}
		if bytes > 1<<20 {
			t.Errorf("%s: allocated %d bytes", tc.name, bytes)
		}
	}
}

func TestByteOrderMarkAndGarbage(t *testing.T) {
	const dense = "3\n0 1 1\n1 0 1\n1 1 0\n"
	sparse := sparseMagic + " 1 3\n1 1 0.5 2 0.5\n1 0 1\n1 0 1\n"
	for _, tc := range []struct {
		name, in string
		read     func(io.Reader, string) (*Heatmap, error)
	}{
		{"dense", dense, ReadDense},
		{"dense via Read", dense, Read},
		{"sparse", sparse, ReadSparse},
		{"sparse via Read", sparse, Read},
	} {
		want, err := tc.read(strings.NewReader(tc.in), "h")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := tc.read(strings.NewReader("\ufeff"+tc.in), "h")
		if err != nil {
			t.Errorf("%s with a byte-order mark: %v", tc.name, err)
			continue
		}
		if got.N != want.N || got.NNZ() != want.NNZ() {
			t.Errorf("%s with a byte-order mark: %d nodes %d entries, want %d and %d", tc.name, got.N, got.NNZ(), want.N, want.NNZ())
		}
	}
	garbage := "3\n0 1 \x00\x01\xfe" + strings.Repeat("\xff", 500) + "\n"
	_, err := ReadDense(strings.NewReader(garbage), "h")
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("garbage: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "h:2: \"\\x00\\x01\\xfe\\xff") || len(msg) > 200 || strings.IndexByte(msg, 0) >= 0 || strings.IndexByte(msg, 0xff) >= 0 {
		t.Errorf("garbage is not escaped and cut short: %q", msg)
	}
}

// FuzzRead covers the format detection (magic word, byte-order mark) and both
// headers.
func FuzzRead(f *testing.F) {
	f.Add("3\n0 1 1\n1 0 1\n1 1 0\n")
	f.Add("\ufeff3\n0 1 1\n1 0 1\n1 1 0\n")
	f.Add(sparseMagic + " 1 3\n1 1 0.5 2 0.5\n1 0 1\n1 0 1\n")
	f.Add("\ufeff" + sparseMagic + " 1 3\n0\n0\n0\n")
	f.Add(sparseMagic + " 1 10000000\n")
	f.Add(sparseMagic + "\n1 3\n0\n0\n0\n")
	f.Add(sparseMagic[:5])
	f.Add("10000000\n")
	f.Add("\ufeff\ufeff3")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Read(strings.NewReader(s), "f")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted heatmap fails validation: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteSparse(&buf, h); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(&buf, "f"); err != nil {
			t.Fatalf("written heatmap does not read back: %v", err)
		}
	})
}
