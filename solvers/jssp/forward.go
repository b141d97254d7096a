package jssp

import "math"

type vec [dModel]float32

// forward holds the buffers of one evaluation of a Network for J jobs, so that
// repeated evaluations allocate nothing. Not safe for concurrent use.
type forward struct {
	net    *Network
	J, M   int
	x      []vec // J·Window slot states
	qkv    [Window][3 * dModel]float32
	h      []vec // pooled job states
	jq     []vec // job-level queries, keys, values
	jk     []vec
	jv     []vec
	bucket []int32 // jobs grouped by the machine their next operation needs
	start  []int32 // M+1 offsets into bucket
	scores []float32
	logits []float32
	tokX   [3]vec // slot states of the three tokens before the first layer
	tokQKV [3][3 * dModel]float32
}

func newForward(net *Network, J, M int) *forward {
	f := &forward{
		net: net, J: J, M: M,
		x:      make([]vec, J*Window),
		h:      make([]vec, J),
		jq:     make([]vec, J),
		jk:     make([]vec, J),
		jv:     make([]vec, J),
		bucket: make([]int32, J),
		start:  make([]int32, M+2),
		scores: make([]float32, J),
		logits: make([]float32, J+1),
	}
	for tok := range f.tokX {
		net.project(&net.tokens[tok], &f.tokX[tok])
		h := layerNorm(&f.tokX[tok], &net.enc1.n1W, &net.enc1.n1B)
		net.enc1.qkvOf(&h, &f.tokQKV[tok])
	}
	return f
}

// project is the input projection of a slot's 4 features.
func (n *Network) project(emb *[featIn]float32, x *vec) {
	for r := 0; r < dModel; r++ {
		w := &n.projW[r]
		x[r] = n.projB[r] + (w[0]*emb[0] + w[1]*emb[1]) + (w[2]*emb[2] + w[3]*emb[3])
	}
}

// dot8 is an unrolled 8-term dot product (the compiler neither unrolls nor
// vectorises the loop, and these products are most of a forward pass).
func dot8(w *[dModel]float32, x *vec) float32 {
	return (w[0]*x[0] + w[1]*x[1]) + (w[2]*x[2] + w[3]*x[3]) + (w[4]*x[4] + w[5]*x[5]) + (w[6]*x[6] + w[7]*x[7])
}

// layerNorm sums pairwise: the tree's dependency chain is three additions deep
// instead of eight, and this chain is on the critical path of every slot.
// scaled is k·x, written out: the compiler neither unrolls nor vectorises
// 8-element loops, and this runs for every attention query.
func scaled(x *vec, k float32) vec {
	return vec{x[0] * k, x[1] * k, x[2] * k, x[3] * k, x[4] * k, x[5] * k, x[6] * k, x[7] * k}
}

func layerNorm(x *vec, w, b *[dModel]float32) vec {
	mean := (((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]))) / dModel
	var d vec
	for i, v := range x {
		d[i] = v - mean
	}
	variance := (((d[0]*d[0] + d[1]*d[1]) + (d[2]*d[2] + d[3]*d[3])) + ((d[4]*d[4] + d[5]*d[5]) + (d[6]*d[6] + d[7]*d[7]))) / dModel
	inv := float32(1 / math.Sqrt(float64(variance)+lnEps))
	var y vec
	for i, v := range d {
		y[i] = v*inv*w[i] + b[i]
	}
	return y
}

// qkvOf projects a normalised state into query, key and value.
func (l *encoderLayer) qkvOf(h *vec, dst *[3 * dModel]float32) {
	matvec(&dst[0], &l.inW[0], &l.inB[0], h, 3*dModel)
}

// vOf is the value rows of qkvOf alone.
func (l *encoderLayer) vOf(h *vec, dst *vec) {
	matvec(&dst[0], &l.inW[2*dModel], &l.inB[2*dModel], h, dModel)
}

// addOut adds the attention output projection of a to x.
func (l *encoderLayer) addOut(x *vec, a *vec) {
	var o vec
	matvec(&o[0], &l.outW[0], &l.outB[0], a, dModel)
	for r := range x {
		x[r] += o[r]
	}
}

// addFF adds the pre-norm feed-forward block to x; the second layer runs on
// the transposed weights.
func (l *encoderLayer) addFF(x *vec) {
	h := layerNorm(x, &l.n2W, &l.n2B)
	var hid [dFF]float32
	matvec(&hid[0], &l.l1W[0], &l.l1B[0], &h, dFF)
	ffAcc(x, &l.l2T, (*vec)(&l.l2B), &hid)
}

func (m *mlpHead) eval(x *vec) float32 {
	var a [dHead]float32
	matvec(&a[0], &m.w1[0], &m.b1[0], x, dHead)
	s := m.b2
	for r, v := range a {
		s += m.w2[r] * tanh32(v)
	}
	return s
}

var invSqrtD = float32(1 / math.Sqrt(dModel))

// run evaluates the network on o and leaves the masked logits in f.logits.
func (f *forward) run(o *Observation) {
	n := f.net
	J := f.J
	for j := 0; j < J; j++ {
		xs := f.x[j*Window : (j+1)*Window]
		toks := o.StartEndTokens[j*Window : (j+1)*Window]
		l := &n.enc1
		for s := 0; s < Window; s++ {
			i := j*Window + s
			tok := int(toks[s])
			if tok != TokenInterval {
				// Token slots carry neither features nor positions: constant.
				xs[s], f.qkv[s] = f.tokX[tok], f.tokQKV[tok]
				continue
			}
			r := o.IntervalRep[i*4 : i*4+4]
			emb := [featIn]float32{n.embFixed[int(r[0])&1], r[1], r[2], n.embNext[int(r[3])&1]}
			n.project(&emb, &xs[s])
			p := &n.pe[min(int(o.IndexInterval[i]), peLen-1)]
			for c := 0; c < dModel; c++ {
				xs[s][c] += p[c]
			}
			h := layerNorm(&xs[s], &l.n1W, &l.n1B)
			l.qkvOf(&h, &f.qkv[s])
		}
		mask := o.AttentionMask[j*Window : (j+1)*Window]
		var pooled vec
		firstEnd := -1
		for s := 0; s < Window; s++ {
			if toks[s] == TokenEnd {
				// Every end slot has the same query over the same keys, so the
				// same output.
				if firstEnd >= 0 {
					xs[s] = xs[firstEnd]
					for c := 0; c < dModel; c++ {
						pooled[c] += xs[s][c]
					}
					continue
				}
				firstEnd = s
			}
			q := scaled((*vec)(f.qkv[s][:dModel]), invSqrtD)
			var w [Window]float32
			mx := float32(math.Inf(-1))
			for t := 0; t < Window; t++ {
				if mask[t] != 0 {
					continue
				}
				d := dot8((*[dModel]float32)(f.qkv[t][dModel:2*dModel]), &q)
				w[t] = d
				mx = max(mx, d)
			}
			var sum float32
			for t := 0; t < Window; t++ {
				if mask[t] != 0 {
					w[t] = 0
					continue
				}
				w[t] = exp32(w[t] - mx)
				sum += w[t]
			}
			var att vec
			for t := 0; t < Window; t++ {
				if w[t] == 0 {
					continue
				}
				p, v := w[t]/sum, (*vec)(f.qkv[t][2*dModel:])
				att[0] += p * v[0]
				att[1] += p * v[1]
				att[2] += p * v[2]
				att[3] += p * v[3]
				att[4] += p * v[4]
				att[5] += p * v[5]
				att[6] += p * v[6]
				att[7] += p * v[7]
			}
			l.addOut(&xs[s], &att)
			l.addFF(&xs[s])
			for c, v := range &xs[s] {
				pooled[c] += v
			}
		}
		for c := 0; c < dModel; c++ {
			pooled[c] /= Window
		}
		f.h[j] = pooled
	}

	// Job-level layer: a legal job attends to the legal jobs needing the same
	// machine, any other job to itself only.
	// Queries and keys matter only in groups of two or more jobs: alone, a job's
	// attention is its own value.
	l := &n.enc2
	f.groupJobs(o.Group)
	for j := 0; j < J; j++ {
		h := layerNorm(&f.h[j], &l.n1W, &l.n1B)
		if g := o.Group[j]; g >= 0 && f.start[g+1]-f.start[g] > 1 {
			var qkv [3 * dModel]float32
			l.qkvOf(&h, &qkv)
			f.jq[j] = vec(qkv[:dModel])
			f.jk[j] = vec(qkv[dModel : 2*dModel])
			f.jv[j] = vec(qkv[2*dModel:])
		} else {
			l.vOf(&h, &f.jv[j])
		}
	}
	var noop float32
	for j := 0; j < J; j++ {
		y := f.h[j]
		var a vec
		if g := o.Group[j]; g < 0 || f.start[g+1]-f.start[g] == 1 {
			a = f.jv[j]
		} else {
			members := f.bucket[f.start[g]:f.start[g+1]]
			var q vec
			for c := 0; c < dModel; c++ {
				q[c] = f.jq[j][c] * invSqrtD
			}
			mx := float32(math.Inf(-1))
			for _, i := range members {
				d := dot8((*[dModel]float32)(&f.jk[i]), &q)
				f.scores[i] = d
				mx = max(mx, d)
			}
			var sum float32
			for _, i := range members {
				e := exp32(f.scores[i] - mx)
				f.scores[i] = e
				sum += e
			}
			for _, i := range members {
				p := f.scores[i] / sum
				for c := 0; c < dModel; c++ {
					a[c] += p * f.jv[i][c]
				}
			}
		}
		l.addOut(&y, &a)
		l.addFF(&y)
		for c := 0; c < dModel; c++ {
			y[c] += f.h[j][c]
		}
		if o.ActionMask[J] != 0 {
			noop += n.noop.eval(&y)
		}
		if o.ActionMask[j] != 0 {
			f.logits[j] = n.job.eval(&y)
		} else {
			f.logits[j] = masked
		}
	}
	f.logits[J] = masked
	if o.ActionMask[J] != 0 {
		f.logits[J] = noop / float32(J)
	}
}

// groupJobs buckets jobs by group with a counting sort (stable, so members stay
// in job order).
func (f *forward) groupJobs(group []int32) {
	clear(f.start)
	for _, g := range group {
		if g >= 0 {
			f.start[g+1]++
		}
	}
	for m := 1; m < len(f.start); m++ {
		f.start[m] += f.start[m-1]
	}
	// start[g] is now the first slot of group g; fill using start[g+1] as cursor
	// shifted by one group, then restore.
	for j, g := range group {
		if g >= 0 {
			f.bucket[f.start[g]] = int32(j)
			f.start[g]++
		}
	}
	for m := len(f.start) - 1; m > 0; m-- {
		f.start[m] = f.start[m-1]
	}
	f.start[0] = 0
}

// tanh32 is tanh through one exponential: accurate to a few float32 ulps, which
// is as close to PyTorch's float32 tanh as math.Tanh and several times cheaper.
// Near 0 the float64 cancellation in e-1 costs relative accuracy but leaves an
// absolute error of about 1e-16, far below what the head's float32 sum resolves.
func tanh32(x float32) float32 {
	if x > 9 {
		return 1
	}
	if x < -9 {
		return -1
	}
	e := exp64(2 * float64(x))
	return float32((e - 1) / (e + 1))
}

// exp32 is e^x for the softmaxes, whose arguments are ≤ 0.
func exp32(x float32) float32 { return float32(exp64(float64(x))) }

// exp64 is e^x to about 3e-10 relative error for |x| < 700: 2^n through the
// exponent bits times a degree-8 Taylor polynomial of e^r on |r| ≤ ln2/2, n found
// by the round-to-nearest of adding 1.5·2^52. Several times cheaper than math.Exp
// and far more accurate than float32 needs.
func exp64(x float64) float64 {
	if x < -700 {
		return 0
	}
	const (
		log2e = 1.4426950408889634
		ln2   = 0.6931471805599453
		magic = 6755399441055744.0 // 1.5·2^52
	)
	t := x*log2e + magic
	n := t - magic
	r := x - n*ln2
	// Estrin's scheme: the same polynomial with a dependency chain half as long
	// as Horner's, which is what bounds the softmax loops.
	r2 := r * r
	r4 := r2 * r2
	p := ((1 + r) + r2*(1.0/2+r*(1.0/6))) + r4*((1.0/24+r*(1.0/120))+r2*(1.0/720+r*(1.0/5040))) + (r4*r4)*(1.0/40320)
	return math.Float64frombits(math.Float64bits(p) + uint64(int64(n))<<52)
}
