package jssp

// matvec computes n rows (a multiple of 4) of dst = b + w·h with SSE, bit for
// bit as matvecGo: the products and sums are the same float32 operations in the
// same order, four rows per vector.
//
//go:noescape
func matvec(dst *float32, w *[dModel]float32, b *float32, h *vec, n int)

// ffAcc is ffAccGo with SSE, bit for bit.
//
//go:noescape
func ffAcc(x *vec, t *[dFF][dModel]float32, b *vec, hid *[dFF]float32)
