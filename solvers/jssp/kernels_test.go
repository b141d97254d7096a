package jssp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKernelsMatchPortable checks that the kernels used by the forward pass give
// the same bits as their portable forms (on amd64 the kernels are assembly).
func TestKernelsMatchPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := func() float32 { return float32(rng.NormFloat64()) }
	for trial := 0; trial < 200; trial++ {
		var w [dFF][dModel]float32
		var b, hid, got, want [dFF]float32
		var h vec
		for r := range w {
			for c := range w[r] {
				w[r][c] = f()
			}
			b[r], hid[r] = f(), f()
		}
		if trial%10 == 0 {
			hid[3] = float32(math.Copysign(0, -1))
		}
		for c := range h {
			h[c] = f()
		}
		for _, n := range []int{4, 8, 24, 32} {
			matvec(&got[0], &w[0], &b[0], &h, n)
			matvecGo(&want[0], &w[0], &b[0], &h, n)
			for r := 0; r < n; r++ {
				if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
					t.Fatalf("trial %d, n %d: matvec row %d = %v, portable %v", trial, n, r, got[r], want[r])
				}
			}
		}
		bias := vec(b[:dModel])
		x1, x2 := h, h
		ffAcc(&x1, &w, &bias, &hid)
		ffAccGo(&x2, &w, &bias, &hid)
		for c := range x1 {
			if math.Float32bits(x1[c]) != math.Float32bits(x2[c]) {
				t.Fatalf("trial %d: ffAcc[%d] = %v, portable %v", trial, c, x1[c], x2[c])
			}
		}
	}
}
