package jssp

import "unsafe"

// matvecGo is the portable form of matvec: dst[r] = b[r] + w[r]·h for n rows,
// the eight products summed as ((p0+p1)+(p2+p3)) + ((p4+p5)+(p6+p7)) and added to
// the bias first and the second half last. The order is fixed, and the
// conversions keep the compiler from fusing multiply-adds, so that the assembly
// kernel, which vectorises four rows at a time, gives the same bits.
func matvecGo(dst *float32, w *[dModel]float32, b *float32, h *vec, n int) {
	ws := unsafeRows(w, n)
	bs := unsafeFloats(b, n)
	ds := unsafeFloats(dst, n)
	h0, h1, h2, h3, h4, h5, h6, h7 := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for r := range ds {
		w := &ws[r]
		p0, p1, p2, p3 := float32(w[0]*h0), float32(w[1]*h1), float32(w[2]*h2), float32(w[3]*h3)
		p4, p5, p6, p7 := float32(w[4]*h4), float32(w[5]*h5), float32(w[6]*h6), float32(w[7]*h7)
		ds[r] = bs[r] + ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))
	}
}

// ffAccGo is the portable form of ffAcc: x += b + Σ_r t[r]·max(hid[r], 0), the
// terms accumulated in row order (unfused, as in matvecGo).
func ffAccGo(x *vec, t *[dFF][dModel]float32, b *vec, hid *[dFF]float32) {
	s := *b
	for r := 0; r < dFF; r++ {
		v := max(hid[r], 0)
		for c := 0; c < dModel; c++ {
			s[c] += float32(t[r][c] * v)
		}
	}
	for c := 0; c < dModel; c++ {
		x[c] += s[c]
	}
}

func unsafeRows(w *[dModel]float32, n int) [][dModel]float32 { return unsafe.Slice(w, n) }

func unsafeFloats(p *float32, n int) []float32 { return unsafe.Slice(p, n) }
