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
	out    []vec
	bucket []int32 // jobs grouped by the machine their next operation needs
	start  []int32 // M+1 offsets into bucket
	scores []float32
	logits []float32
}

func newForward(net *Network, J, M int) *forward {
	return &forward{
		net: net, J: J, M: M,
		x:      make([]vec, J*Window),
		h:      make([]vec, J),
		jq:     make([]vec, J),
		jk:     make([]vec, J),
		jv:     make([]vec, J),
		out:    make([]vec, J),
		bucket: make([]int32, J),
		start:  make([]int32, M+2),
		scores: make([]float32, J),
		logits: make([]float32, J+1),
	}
}

func layerNorm(x *vec, w, b *[dModel]float32) vec {
	var mean float32
	for _, v := range x {
		mean += v
	}
	mean /= dModel
	var variance float32
	for _, v := range x {
		d := v - mean
		variance += d * d
	}
	variance /= dModel
	inv := float32(1 / math.Sqrt(float64(variance)+lnEps))
	var y vec
	for i, v := range x {
		y[i] = (v-mean)*inv*w[i] + b[i]
	}
	return y
}

// qkvOf projects a normalised state into query, key and value.
func (l *encoderLayer) qkvOf(h *vec, dst *[3 * dModel]float32) {
	for r := 0; r < 3*dModel; r++ {
		w := &l.inW[r]
		s := l.inB[r]
		for c := 0; c < dModel; c++ {
			s += w[c] * h[c]
		}
		dst[r] = s
	}
}

// outProj adds the attention output projection of a to x.
func (l *encoderLayer) addOut(x *vec, a *vec) {
	for r := 0; r < dModel; r++ {
		w := &l.outW[r]
		s := l.outB[r]
		for c := 0; c < dModel; c++ {
			s += w[c] * a[c]
		}
		x[r] += s
	}
}

// addFF adds the pre-norm feed-forward block to x.
func (l *encoderLayer) addFF(x *vec) {
	h := layerNorm(x, &l.n2W, &l.n2B)
	var hid [dFF]float32
	for r := 0; r < dFF; r++ {
		w := &l.l1W[r]
		s := l.l1B[r]
		for c := 0; c < dModel; c++ {
			s += w[c] * h[c]
		}
		if s < 0 {
			s = 0
		}
		hid[r] = s
	}
	for r := 0; r < dModel; r++ {
		w := &l.l2W[r]
		s := l.l2B[r]
		for c := 0; c < dFF; c++ {
			s += w[c] * hid[c]
		}
		x[r] += s
	}
}

func (m *mlpHead) eval(x *vec) float32 {
	s := m.b2
	for r := 0; r < dHead; r++ {
		w := &m.w1[r]
		a := m.b1[r]
		for c := 0; c < dModel; c++ {
			a += w[c] * x[c]
		}
		s += m.w2[r] * float32(math.Tanh(float64(a)))
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
		for s := 0; s < Window; s++ {
			i := j*Window + s
			var emb [featIn]float32
			tok := int(o.StartEndTokens[i])
			if tok != TokenInterval {
				emb = n.tokens[tok]
			} else {
				r := o.IntervalRep[i*4 : i*4+4]
				emb = [featIn]float32{n.embFixed[int(r[0])&1], r[1], r[2], n.embNext[int(r[3])&1]}
			}
			x := &xs[s]
			for r := 0; r < dModel; r++ {
				w := &n.projW[r]
				x[r] = n.projB[r] + w[0]*emb[0] + w[1]*emb[1] + w[2]*emb[2] + w[3]*emb[3]
			}
			if tok == TokenInterval {
				p := &n.pe[min(int(o.IndexInterval[i]), peLen-1)]
				for r := 0; r < dModel; r++ {
					x[r] += p[r]
				}
			}
		}
		l := &n.enc1
		for s := 0; s < Window; s++ {
			h := layerNorm(&xs[s], &l.n1W, &l.n1B)
			l.qkvOf(&h, &f.qkv[s])
		}
		mask := o.AttentionMask[j*Window : (j+1)*Window]
		var att [Window]vec
		for s := 0; s < Window; s++ {
			q := f.qkv[s][:dModel]
			var w [Window]float32
			mx := float32(math.Inf(-1))
			for t := 0; t < Window; t++ {
				if mask[t] != 0 {
					continue
				}
				k := f.qkv[t][dModel : 2*dModel]
				var d float32
				for c := 0; c < dModel; c++ {
					d += q[c] * invSqrtD * k[c]
				}
				w[t] = d
				mx = max(mx, d)
			}
			var sum float32
			for t := 0; t < Window; t++ {
				if mask[t] != 0 {
					w[t] = 0
					continue
				}
				w[t] = float32(math.Exp(float64(w[t] - mx)))
				sum += w[t]
			}
			for t := 0; t < Window; t++ {
				if w[t] == 0 {
					continue
				}
				p := w[t] / sum
				v := f.qkv[t][2*dModel:]
				for c := 0; c < dModel; c++ {
					att[s][c] += p * v[c]
				}
			}
		}
		var pooled vec
		for s := 0; s < Window; s++ {
			l.addOut(&xs[s], &att[s])
			l.addFF(&xs[s])
			for c := 0; c < dModel; c++ {
				pooled[c] += xs[s][c]
			}
		}
		for c := 0; c < dModel; c++ {
			pooled[c] /= Window
		}
		f.h[j] = pooled
	}

	// Job-level layer: a legal job attends to the legal jobs needing the same
	// machine, any other job to itself only.
	l := &n.enc2
	for j := 0; j < J; j++ {
		h := layerNorm(&f.h[j], &l.n1W, &l.n1B)
		var qkv [3 * dModel]float32
		l.qkvOf(&h, &qkv)
		copy(f.jq[j][:], qkv[:dModel])
		copy(f.jk[j][:], qkv[dModel:2*dModel])
		copy(f.jv[j][:], qkv[2*dModel:])
	}
	f.groupJobs(o.Group)
	var noop float32
	for j := 0; j < J; j++ {
		y := f.h[j]
		var a vec
		if g := o.Group[j]; g < 0 {
			a = f.jv[j]
		} else {
			members := f.bucket[f.start[g]:f.start[g+1]]
			q := &f.jq[j]
			mx := float32(math.Inf(-1))
			for _, i := range members {
				var d float32
				for c := 0; c < dModel; c++ {
					d += q[c] * invSqrtD * f.jk[i][c]
				}
				f.scores[i] = d
				mx = max(mx, d)
			}
			var sum float32
			for _, i := range members {
				e := float32(math.Exp(float64(f.scores[i] - mx)))
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
		f.out[j] = y
		noop += n.noop.eval(&y)
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
