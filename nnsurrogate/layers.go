package nnsurrogate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

type layer interface {
	forward(in []*tval, out *tval) error
	// backward adds to in[i].g and to grads (one per parameter, in the node's order).
	backward(in []*tval, out *tval, grads [][]float64)
}

type inputLayer struct{}

func (inputLayer) forward([]*tval, *tval) error         { return nil }
func (inputLayer) backward([]*tval, *tval, [][]float64) {}

type denseLayer struct {
	in, out int
	w, b    *Param
}

func mat(r, c int, d []float64) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: d}
}

func (d *denseLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if x.width() != d.in {
		return fmt.Errorf("dense layer expects %d features, got %d", d.in, x.width())
	}
	R := x.rows()
	out.shape = append(slices.Clone(x.shape[:len(x.shape)-1]), d.out)
	out.v = grow(out.v, R*d.out)
	if d.b != nil {
		for r := 0; r < R; r++ {
			copy(out.v[r*d.out:], d.b.W)
		}
	} else {
		clear(out.v)
	}
	if R > 0 {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, d.in, x.v), mat(d.out, d.in, d.w.W), 1, mat(R, d.out, out.v))
	}
	return nil
}

func (d *denseLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	R := x.rows()
	if R == 0 {
		return
	}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(R, d.out, out.g), mat(R, d.in, x.v), 1, mat(d.out, d.in, grads[0]))
	if d.b != nil {
		gb := grads[1]
		for r := 0; r < R; r++ {
			for j, v := range out.g[r*d.out : (r+1)*d.out] {
				gb[j] += v
			}
		}
	}
	if !x.noGrad {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(R, d.out, out.g), mat(d.out, d.in, d.w.W), 1, mat(R, d.in, x.g))
	}
}

type reluLayer struct{}

func (reluLayer) forward(in []*tval, out *tval) error {
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = max(v, 0)
	}
	return nil
}

func (reluLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for i, v := range in[0].v {
		if v > 0 {
			in[0].g[i] += out.g[i]
		}
	}
}

type tanhLayer struct{}

func (tanhLayer) forward(in []*tval, out *tval) error {
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = math.Tanh(v)
	}
	return nil
}

func (tanhLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for i, y := range out.v {
		in[0].g[i] += out.g[i] * (1 - y*y)
	}
}

type embeddingLayer struct {
	vocab, dim int
	w          *Param
}

func (e *embeddingLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if x.width() != 1 {
		return fmt.Errorf("embedding input must have width 1, got %d", x.width())
	}
	out.shape = append(slices.Clone(x.shape[:len(x.shape)-1]), e.dim)
	out.v = grow(out.v, len(x.v)*e.dim)
	for r, f := range x.v {
		id := int(math.Round(f))
		if id < 0 || id >= e.vocab || float64(id) != f {
			return fmt.Errorf("embedding index %v outside 0..%d", f, e.vocab-1)
		}
		copy(out.v[r*e.dim:(r+1)*e.dim], e.w.W[id*e.dim:(id+1)*e.dim])
	}
	return nil
}

func (e *embeddingLayer) backward(in []*tval, out *tval, grads [][]float64) {
	for r, f := range in[0].v {
		id := int(f)
		g := grads[0][id*e.dim : (id+1)*e.dim]
		for j, v := range out.g[r*e.dim : (r+1)*e.dim] {
			g[j] += v
		}
	}
}

type layerNormLayer struct {
	d    int
	eps  float64
	g, b *Param
}

func (l *layerNormLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	R, D := x.rows(), l.d
	out.shape = x.shape
	out.v = grow(out.v, len(x.v))
	out.cache = grow(out.cache, len(x.v)+R) // normalised values, then 1/σ per row
	xhat, inv := out.cache[:len(x.v)], out.cache[len(x.v):]
	for r := 0; r < R; r++ {
		xs := x.v[r*D : (r+1)*D]
		m := 0.0
		for _, v := range xs {
			m += v
		}
		m /= float64(D)
		s := 0.0
		for _, v := range xs {
			s += (v - m) * (v - m)
		}
		inv[r] = 1 / math.Sqrt(s/float64(D)+l.eps)
		for j, v := range xs {
			h := (v - m) * inv[r]
			xhat[r*D+j] = h
			out.v[r*D+j] = h*l.g.W[j] + l.b.W[j]
		}
	}
	return nil
}

func (l *layerNormLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	R, D := x.rows(), l.d
	xhat, inv := out.cache[:len(x.v)], out.cache[len(x.v):]
	for r := 0; r < R; r++ {
		dy := out.g[r*D : (r+1)*D]
		h := xhat[r*D : (r+1)*D]
		var s1, s2 float64
		for j := range dy {
			grads[0][j] += dy[j] * h[j]
			grads[1][j] += dy[j]
			dh := dy[j] * l.g.W[j]
			s1 += dh
			s2 += dh * h[j]
		}
		s1 /= float64(D)
		s2 /= float64(D)
		for j := range dy {
			x.g[r*D+j] += inv[r] * (dy[j]*l.g.W[j] - s1 - h[j]*s2)
		}
	}
}

type poolLayer struct{ mean bool }

func (p poolLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if len(x.shape) != 3 {
		return errors.New("pooling needs a set input [batch, items, features]")
	}
	B, N, F := x.shape[0], x.shape[1], x.shape[2]
	out.shape = []int{B, F}
	out.v = grow(out.v, B*F)
	clear(out.v)
	scale := 1.0
	if p.mean && N > 0 {
		scale = 1 / float64(N)
	}
	for b := 0; b < B; b++ {
		o := out.v[b*F : (b+1)*F]
		for i := 0; i < N; i++ {
			for j, v := range x.v[(b*N+i)*F : (b*N+i+1)*F] {
				o[j] += v * scale
			}
		}
	}
	return nil
}

func (p poolLayer) backward(in []*tval, out *tval, _ [][]float64) {
	x := in[0]
	B, N, F := x.shape[0], x.shape[1], x.shape[2]
	scale := 1.0
	if p.mean && N > 0 {
		scale = 1 / float64(N)
	}
	for b := 0; b < B; b++ {
		g := out.g[b*F : (b+1)*F]
		for i := 0; i < N; i++ {
			xg := x.g[(b*N+i)*F : (b*N+i+1)*F]
			for j, v := range g {
				xg[j] += v * scale
			}
		}
	}
}

type addLayer struct{}

func (addLayer) forward(in []*tval, out *tval) error {
	if !slices.Equal(in[0].shape, in[1].shape) {
		return fmt.Errorf("adding shapes %v and %v", in[0].shape, in[1].shape)
	}
	out.shape = in[0].shape
	out.v = grow(out.v, len(in[0].v))
	for i, v := range in[0].v {
		out.v[i] = v + in[1].v[i]
	}
	return nil
}

func (addLayer) backward(in []*tval, out *tval, _ [][]float64) {
	for _, x := range in {
		for i, g := range out.g {
			x.g[i] += g
		}
	}
}

type concatLayer struct{}

func (concatLayer) forward(in []*tval, out *tval) error {
	R := in[0].rows()
	W := 0
	for _, x := range in {
		if x.rows() != R || len(x.shape) != len(in[0].shape) {
			return errors.New("concatenated values differ in shape")
		}
		W += x.width()
	}
	out.shape = append(slices.Clone(in[0].shape[:len(in[0].shape)-1]), W)
	out.v = grow(out.v, R*W)
	for r := 0; r < R; r++ {
		off := r * W
		for _, x := range in {
			w := x.width()
			copy(out.v[off:off+w], x.v[r*w:(r+1)*w])
			off += w
		}
	}
	return nil
}

func (concatLayer) backward(in []*tval, out *tval, _ [][]float64) {
	R, W := out.rows(), out.width()
	for r := 0; r < R; r++ {
		off := r * W
		for _, x := range in {
			w := x.width()
			for j := 0; j < w; j++ {
				x.g[r*w+j] += out.g[off+j]
			}
			off += w
		}
	}
}

// attentionLayer keeps Q, K, V, the attention weights P and the pre-projection output H in
// cache for its backward pass.
type attentionLayer struct {
	d      int
	masked bool
	w, b   [4]*Param
}

const maskedScore = -1e9

func (a *attentionLayer) forward(in []*tval, out *tval) error {
	x := in[0]
	if len(x.shape) != 3 || x.shape[2] != a.d {
		return fmt.Errorf("attention needs [batch, items, %d], got %v", a.d, x.shape)
	}
	B, N, D := x.shape[0], x.shape[1], a.d
	if a.masked && len(in[1].v) != B*N {
		return fmt.Errorf("attention mask holds %d values for %d×%d items", len(in[1].v), B, N)
	}
	R := B * N
	out.shape = x.shape
	out.v = grow(out.v, R*D)
	out.cache = grow(out.cache, 4*R*D+B*N*N)
	q, k, v, h := out.cache[:R*D], out.cache[R*D:2*R*D], out.cache[2*R*D:3*R*D], out.cache[3*R*D:4*R*D]
	p := out.cache[4*R*D:]
	lin := func(dst, src []float64, i int) {
		for r := 0; r < R; r++ {
			copy(dst[r*D:(r+1)*D], a.b[i].W)
		}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, D, src), mat(D, D, a.w[i].W), 1, mat(R, D, dst))
	}
	lin(q, x.v, 0)
	lin(k, x.v, 1)
	lin(v, x.v, 2)
	scale := 1 / math.Sqrt(float64(D))
	for b := 0; b < B; b++ {
		qb, kb, vb := q[b*N*D:(b+1)*N*D], k[b*N*D:(b+1)*N*D], v[b*N*D:(b+1)*N*D]
		pb := p[b*N*N : (b+1)*N*N]
		blas64.Gemm(blas.NoTrans, blas.Trans, scale, mat(N, D, qb), mat(N, D, kb), 0, mat(N, N, pb))
		for i := 0; i < N; i++ {
			row := pb[i*N : (i+1)*N]
			if a.masked {
				for j := range row {
					if in[1].v[b*N+j] == 0 {
						row[j] += maskedScore
					}
				}
			}
			m := math.Inf(-1)
			for _, s := range row {
				m = max(m, s)
			}
			sum := 0.0
			for j, s := range row {
				row[j] = math.Exp(s - m)
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(N, N, pb), mat(N, D, vb), 0, mat(N, D, h[b*N*D:(b+1)*N*D]))
	}
	for r := 0; r < R; r++ {
		copy(out.v[r*D:(r+1)*D], a.b[3].W)
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(R, D, h), mat(D, D, a.w[3].W), 1, mat(R, D, out.v))
	return nil
}

func (a *attentionLayer) backward(in []*tval, out *tval, grads [][]float64) {
	x := in[0]
	B, N, D := x.shape[0], x.shape[1], a.d
	R := B * N
	q, k, v, h := out.cache[:R*D], out.cache[R*D:2*R*D], out.cache[2*R*D:3*R*D], out.cache[3*R*D:4*R*D]
	p := out.cache[4*R*D:]
	// Gradients of the projections' outputs, in one scratch block.
	scratch := make([]float64, 4*R*D+N*N)
	dq, dk, dv, dh := scratch[:R*D], scratch[R*D:2*R*D], scratch[2*R*D:3*R*D], scratch[3*R*D:4*R*D]
	dp := scratch[4*R*D:]
	linBack := func(dy, src []float64, i int, dx []float64) {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(R, D, dy), mat(R, D, src), 1, mat(D, D, grads[2*i]))
		gb := grads[2*i+1]
		for r := 0; r < R; r++ {
			for j, g := range dy[r*D : (r+1)*D] {
				gb[j] += g
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, mat(R, D, dy), mat(D, D, a.w[i].W), 1, mat(R, D, dx))
	}
	linBack(out.g, h, 3, dh)
	scale := 1 / math.Sqrt(float64(D))
	for b := 0; b < B; b++ {
		o := b * N * D
		qb, kb, vb := q[o:o+N*D], k[o:o+N*D], v[o:o+N*D]
		pb := p[b*N*N : (b+1)*N*N]
		dhb := dh[o : o+N*D]
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, mat(N, N, pb), mat(N, D, dhb), 0, mat(N, D, dv[o:o+N*D]))
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, mat(N, D, dhb), mat(N, D, vb), 0, mat(N, N, dp))
		for i := 0; i < N; i++ {
			row, drow := pb[i*N:(i+1)*N], dp[i*N:(i+1)*N]
			s := 0.0
			for j := range row {
				s += row[j] * drow[j]
			}
			for j := range row {
				drow[j] = row[j] * (drow[j] - s)
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, scale, mat(N, N, dp), mat(N, D, kb), 0, mat(N, D, dq[o:o+N*D]))
		blas64.Gemm(blas.Trans, blas.NoTrans, scale, mat(N, N, dp), mat(N, D, qb), 0, mat(N, D, dk[o:o+N*D]))
	}
	linBack(dq, x.v, 0, x.g)
	linBack(dk, x.v, 1, x.g)
	linBack(dv, x.v, 2, x.g)
}
