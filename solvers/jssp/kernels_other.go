//go:build !amd64

package jssp

func matvec(dst *float32, w *[dModel]float32, b *float32, h *vec, n int) { matvecGo(dst, w, b, h, n) }

func ffAcc(x *vec, t *[dFF][dModel]float32, b *vec, hid *[dFF]float32) { ffAccGo(x, t, b, hid) }
