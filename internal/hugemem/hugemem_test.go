package hugemem

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	type edge struct {
		d    float64
		i, j int32
	}
	cases := []struct {
		name string
		n    int
	}{
		{"empty", 0},
		{"small, from the heap", 1000},
		{"large, mapped", 2 << 20}, // 32 MiB of edges
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, release := Make[edge](c.n)
			if len(s) != c.n || cap(s) != c.n {
				t.Fatalf("len %d cap %d, want %d", len(s), cap(s), c.n)
			}
			for k := range s {
				if s[k] != (edge{}) {
					t.Fatalf("element %d is %v, not zero", k, s[k])
				}
				s[k] = edge{float64(k), int32(k), int32(-k)}
			}
			for k := range s {
				if s[k].d != float64(k) || s[k].i != int32(k) || s[k].j != int32(-k) {
					t.Fatalf("element %d reads back %v", k, s[k])
				}
			}
			release()
		})
	}
}

func TestZeroSizedElements(t *testing.T) {
	s, release := Make[struct{}](1 << 30)
	defer release()
	if len(s) != 1<<30 {
		t.Fatalf("len %d", len(s))
	}
}

// TestMappingIsReleased maps and releases far more than the test's address
// space could hold at once if release did not unmap.
func TestMappingIsReleased(t *testing.T) {
	if testing.Short() {
		t.Skip("maps 64 GiB in turn")
	}
	before := mappedBytes(t)
	for range 256 {
		s, release := Make[byte](256 << 20)
		s[0], s[len(s)-1] = 1, 1
		release()
	}
	if after := mappedBytes(t); after > before+64<<20 {
		t.Fatalf("mapped memory grew from %d to %d bytes", before, after)
	}
}

// mappedBytes is the process's virtual size from /proc (Linux), or 0.
func mappedBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmSize in /proc/self/status")
	return 0
}
