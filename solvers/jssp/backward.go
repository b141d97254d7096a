package jssp

import (
	"fmt"
	"math"
)

// This file is the float64 reference of the network for training: a forward pass
// that keeps what its backward pass needs, and the backward pass itself, layer by
// layer. It is slower than forward.go (no shortcuts for token and padding slots,
// no fast exponentials) on purpose: it is the ground truth that finite
// differences check, and the gradients Adam follows. Parameters and gradients
// live in flat []float64 vectors laid out as trainableTensors, so Network.Params
// and Network.WithParams move weights between the two without a name lookup.

type tensorSpec struct {
	name  string
	shape []int
}

// trainableTensors are the trainable tensors in flat-vector order: paramNames
// without the positional table, which is a buffer in the reference and stays
// fixed during training.
var trainableTensors = func() []tensorSpec {
	s := []tensorSpec{
		{"actor.project.weight", []int{dModel, featIn}}, {"actor.project.bias", []int{dModel}},
		{"actor.embedding_fixed.weight", []int{2, 1}}, {"actor.embedding_legal_op.weight", []int{2, 1}},
		{"actor.tokens_start_end.weight", []int{3, featIn}},
	}
	for _, p := range []string{"actor.enc1.", "actor.enc2."} {
		s = append(s,
			tensorSpec{p + "self_attn.in_proj_weight", []int{3 * dModel, dModel}}, tensorSpec{p + "self_attn.in_proj_bias", []int{3 * dModel}},
			tensorSpec{p + "self_attn.out_proj.weight", []int{dModel, dModel}}, tensorSpec{p + "self_attn.out_proj.bias", []int{dModel}},
			tensorSpec{p + "linear1.weight", []int{dFF, dModel}}, tensorSpec{p + "linear1.bias", []int{dFF}},
			tensorSpec{p + "linear2.weight", []int{dModel, dFF}}, tensorSpec{p + "linear2.bias", []int{dModel}},
			tensorSpec{p + "norm1.weight", []int{dModel}}, tensorSpec{p + "norm1.bias", []int{dModel}},
			tensorSpec{p + "norm2.weight", []int{dModel}}, tensorSpec{p + "norm2.bias", []int{dModel}})
	}
	for _, p := range []string{"actor.final_tmp.", "actor.no_op."} {
		s = append(s,
			tensorSpec{p + "0.weight", []int{dHead, dModel}}, tensorSpec{p + "0.bias", []int{dHead}},
			tensorSpec{p + "2.weight", []int{1, dHead}}, tensorSpec{p + "2.bias", []int{1}})
	}
	return s
}()

func (t tensorSpec) size() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// Params returns the trainable parameters as one flat vector (nParams values,
// trainableTensors order, each tensor row-major as in PyTorch).
func (n *Network) Params() []float64 {
	p := make([]float64, 0, nParams)
	for _, t := range trainableTensors {
		p = append(p, n.raw[t.name].Data...)
	}
	return p
}

// WithParams returns a copy of n with its trainable parameters replaced by p
// (rounded to float32, the precision of the forward pass and of ONNX); the
// positional table is kept.
func (n *Network) WithParams(p []float64) (*Network, error) {
	if len(p) != nParams {
		return nil, fmt.Errorf("%w: %d parameters, want %d", ErrWeights, len(p), nParams)
	}
	sd := make(map[string]stateTensor, len(n.raw))
	for k, v := range n.raw {
		sd[k] = v
	}
	off := 0
	for _, t := range trainableTensors {
		d := make([]float64, t.size())
		for i, v := range p[off : off+len(d)] {
			d[i] = float64(float32(v))
		}
		off += len(d)
		sd[t.name] = stateTensor{Shape: t.shape, Data: d}
	}
	return networkFromTensors(sd, "parameters")
}

// lin64 is a PyTorch Linear: w is [out,in] row-major.
type lin64 struct {
	w, b    []float64
	out, in int
}

// fwd sets y = w·x + b.
func (l *lin64) fwd(y, x []float64) {
	x = x[:l.in]
	for r := range y[:l.out] {
		row := l.w[r*l.in : (r+1)*l.in]
		row = row[:len(x)]
		s := l.b[r]
		for c, v := range x {
			s += row[c] * v
		}
		y[r] = s
	}
}

// bwd adds dL/dw and dL/db into g (the same layer bound to the gradient vector)
// and wᵀ·dy into dx unless dx is nil. Every backward function adds rather than
// sets, so residual branches need no temporaries.
func (l *lin64) bwd(g *lin64, dx, dy, x []float64) {
	x = x[:l.in]
	for r, d := range dy[:l.out] {
		if d == 0 { // ReLU and masked rows: nothing flows back
			continue
		}
		g.b[r] += d
		grow := g.w[r*l.in : (r+1)*l.in]
		grow = grow[:len(x)]
		for c, v := range x {
			grow[c] += d * v
		}
		if dx != nil {
			row := l.w[r*l.in : (r+1)*l.in]
			dx := dx[:len(row)]
			for c, v := range row {
				dx[c] += d * v
			}
		}
	}
}

// lnFwd is layer normalisation over x: it sets xhat (the normalised input, kept
// for the backward pass) and y = xhat·w + b, and returns 1/σ.
func lnFwd(y, xhat, x, w, b []float64) float64 {
	n := float64(len(x))
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= n
	var variance float64
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	inv := 1 / math.Sqrt(variance/n+lnEps)
	for i, v := range x {
		xhat[i] = (v - mean) * inv
		y[i] = xhat[i]*w[i] + b[i]
	}
	return inv
}

// lnBwd adds the gradients of lnFwd: dx = inv·(g − mean(g) − xhat·mean(g·xhat))
// with g = dy·w.
func lnBwd(dx, dw, db, dy, xhat []float64, inv float64, w []float64) {
	n := float64(len(dy))
	var mg, mgx float64
	for i, d := range dy {
		dw[i] += d * xhat[i]
		db[i] += d
		g := d * w[i]
		mg += g
		mgx += g * xhat[i]
	}
	mg /= n
	mgx /= n
	for i, d := range dy {
		dx[i] += inv * (d*w[i] - mg - xhat[i]*mgx)
	}
}

// enc64 is one pre-norm encoder layer's parameters.
type enc64 struct {
	in, out, l1, l2    lin64
	n1w, n1b, n2w, n2b []float64
}

// head64 is Linear(8,32) → tanh → Linear(32,1).
type head64 struct{ l1, l2 lin64 }

// params64 views a flat parameter or gradient vector as the network's layers.
type params64 struct {
	proj                      lin64
	embFixed, embNext, tokens []float64
	enc                       [2]enc64
	job, noop                 head64
}

func bindParams(flat []float64) params64 {
	if len(flat) != nParams {
		panic(fmt.Sprintf("jssp: %d parameters, want %d", len(flat), nParams))
	}
	v := make(map[string][]float64, len(trainableTensors))
	off := 0
	for _, t := range trainableTensors {
		v[t.name] = flat[off : off+t.size() : off+t.size()]
		off += t.size()
	}
	lin := func(p string, out, in int) lin64 { return lin64{w: v[p+"weight"], b: v[p+"bias"], out: out, in: in} }
	var p params64
	p.proj = lin("actor.project.", dModel, featIn)
	p.embFixed, p.embNext, p.tokens = v["actor.embedding_fixed.weight"], v["actor.embedding_legal_op.weight"], v["actor.tokens_start_end.weight"]
	for i := range p.enc {
		pre := fmt.Sprintf("actor.enc%d.", i+1)
		p.enc[i] = enc64{
			in: lin(pre+"self_attn.in_proj_", 3*dModel, dModel), out: lin(pre+"self_attn.out_proj.", dModel, dModel),
			l1: lin(pre+"linear1.", dFF, dModel), l2: lin(pre+"linear2.", dModel, dFF),
			n1w: v[pre+"norm1.weight"], n1b: v[pre+"norm1.bias"], n2w: v[pre+"norm2.weight"], n2b: v[pre+"norm2.bias"],
		}
	}
	p.job = head64{l1: lin("actor.final_tmp.0.", dHead, dModel), l2: lin("actor.final_tmp.2.", 1, dHead)}
	p.noop = head64{l1: lin("actor.no_op.0.", dHead, dModel), l2: lin("actor.no_op.2.", 1, dHead)}
	return p
}

// attn64 holds one single-head self-attention over S tokens: the input h (the
// normalised states), the projections, the attention weights and the output.
// allow[i*S+t] says whether query i may attend to key t.
type attn64 struct {
	S        int
	allow    []bool
	h        []float64 // S×8
	qkv      []float64 // S×24
	p        []float64 // S×S, 0 where not allowed
	a        []float64 // S×8, Σ p·v
	o        []float64 // S×8, output projection of a
	dqkv, da []float64
	dp       []float64 // S
}

func newAttn64(S int) *attn64 {
	return &attn64{
		S: S, allow: make([]bool, S*S), h: make([]float64, S*dModel), qkv: make([]float64, S*3*dModel),
		p: make([]float64, S*S), a: make([]float64, S*dModel), o: make([]float64, S*dModel),
		dqkv: make([]float64, S*3*dModel), da: make([]float64, S*dModel), dp: make([]float64, S),
	}
}

var scale64 = 1 / math.Sqrt(dModel)

// fwd attends over a.h (filled by the caller) and leaves the output in a.o. Every
// query must be allowed at least one key.
func (a *attn64) fwd(in, out *lin64) {
	S, d := a.S, dModel
	for i := 0; i < S; i++ {
		in.fwd(a.qkv[i*3*d:(i+1)*3*d], a.h[i*d:(i+1)*d])
	}
	for i := 0; i < S; i++ {
		q := a.qkv[i*3*d : i*3*d+d]
		p := a.p[i*S : (i+1)*S]
		mx := math.Inf(-1)
		for t := 0; t < S; t++ {
			if !a.allow[i*S+t] {
				continue
			}
			k := a.qkv[t*3*d+d : t*3*d+2*d]
			var s float64
			for c := range q {
				s += q[c] * k[c]
			}
			p[t] = s * scale64
			mx = max(mx, p[t])
		}
		var sum float64
		for t := 0; t < S; t++ {
			if !a.allow[i*S+t] {
				p[t] = 0
				continue
			}
			p[t] = math.Exp(p[t] - mx)
			sum += p[t]
		}
		ai := a.a[i*d : (i+1)*d]
		clear(ai)
		for t := 0; t < S; t++ {
			p[t] /= sum
			v := a.qkv[t*3*d+2*d : (t+1)*3*d]
			for c := range ai {
				ai[c] += p[t] * v[c]
			}
		}
		out.fwd(a.o[i*d:(i+1)*d], ai)
	}
}

// bwd adds into dh the gradient of the loss through the attention, given do,
// and the parameter gradients into gin and gout.
func (a *attn64) bwd(in, out, gin, gout *lin64, dh, do []float64) {
	S, d := a.S, dModel
	clear(a.dqkv)
	clear(a.da)
	for i := 0; i < S; i++ {
		dai := a.da[i*d : (i+1)*d]
		out.bwd(gout, dai, do[i*d:(i+1)*d], a.a[i*d:(i+1)*d])
		p := a.p[i*S : (i+1)*S]
		// dp_t = da·v_t; dv_t += p_t·da; then through the softmax:
		// ds_t = p_t (dp_t − Σ_u p_u dp_u).
		var dot float64
		for t := 0; t < S; t++ {
			if p[t] == 0 {
				a.dp[t] = 0
				continue
			}
			v, dv := a.qkv[t*3*d+2*d:(t+1)*3*d], a.dqkv[t*3*d+2*d:(t+1)*3*d]
			var s float64
			for c := range v {
				s += dai[c] * v[c]
				dv[c] += p[t] * dai[c]
			}
			a.dp[t] = s
			dot += p[t] * s
		}
		q, dq := a.qkv[i*3*d:i*3*d+d], a.dqkv[i*3*d:i*3*d+d]
		for t := 0; t < S; t++ {
			if p[t] == 0 {
				continue
			}
			ds := p[t] * (a.dp[t] - dot) * scale64
			k, dk := a.qkv[t*3*d+d:t*3*d+2*d], a.dqkv[t*3*d+d:t*3*d+2*d]
			for c := range q {
				dq[c] += ds * k[c]
				dk[c] += ds * q[c]
			}
		}
	}
	for i := 0; i < S; i++ {
		in.bwd(gin, dh[i*d:(i+1)*d], a.dqkv[i*3*d:(i+1)*3*d], a.h[i*d:(i+1)*d])
	}
}

// encTape is one pre-norm encoder layer over S tokens:
// x1 = x + Attn(LN1(x)), y = x1 + W2·relu(W1·LN2(x1)).
type encTape struct {
	S          int
	x          []float64 // input, S×8, filled by the caller
	xh1, xh2   []float64 // normalised inputs of the two norms
	inv1, inv2 []float64
	att        *attn64
	x1, h2, y  []float64
	z, r       []float64 // S×32 pre- and post-ReLU
	dx1, dh    []float64
	dz         []float64
	dx         []float64 // gradient w.r.t. x after bwd
}

func newEncTape(S int) *encTape {
	n := S * dModel
	return &encTape{
		S: S, x: make([]float64, n), xh1: make([]float64, n), xh2: make([]float64, n),
		inv1: make([]float64, S), inv2: make([]float64, S), att: newAttn64(S),
		x1: make([]float64, n), h2: make([]float64, n), y: make([]float64, n),
		z: make([]float64, S*dFF), r: make([]float64, S*dFF),
		dx1: make([]float64, n), dh: make([]float64, n), dz: make([]float64, S*dFF), dx: make([]float64, n),
	}
}

// fwd runs the layer on e.x with e.att.allow set by the caller; output in e.y.
func (e *encTape) fwd(p *enc64) {
	d := dModel
	for i := 0; i < e.S; i++ {
		s := i * d
		e.inv1[i] = lnFwd(e.att.h[s:s+d], e.xh1[s:s+d], e.x[s:s+d], p.n1w, p.n1b)
	}
	e.att.fwd(&p.in, &p.out)
	for i := 0; i < e.S; i++ {
		s := i * d
		for c := 0; c < d; c++ {
			e.x1[s+c] = e.x[s+c] + e.att.o[s+c]
		}
		e.inv2[i] = lnFwd(e.h2[s:s+d], e.xh2[s:s+d], e.x1[s:s+d], p.n2w, p.n2b)
		z, r := e.z[i*dFF:(i+1)*dFF], e.r[i*dFF:(i+1)*dFF]
		p.l1.fwd(z, e.h2[s:s+d])
		for c, v := range z {
			r[c] = max(v, 0)
		}
		p.l2.fwd(e.y[s:s+d], r)
		for c := 0; c < d; c++ {
			e.y[s+c] += e.x1[s+c]
		}
	}
}

// bwd sets e.dx to the gradient w.r.t. e.x given dy, adding parameter
// gradients into g.
func (e *encTape) bwd(p, g *enc64, dy []float64) {
	d := dModel
	copy(e.dx1, dy)
	clear(e.dz)
	clear(e.dh)
	for i := 0; i < e.S; i++ {
		s := i * d
		z, dz := e.z[i*dFF:(i+1)*dFF], e.dz[i*dFF:(i+1)*dFF]
		// dr lands in dz, then the ReLU keeps it where z > 0.
		p.l2.bwd(&g.l2, dz, dy[s:s+d], e.r[i*dFF:(i+1)*dFF])
		for c, v := range z {
			if v <= 0 {
				dz[c] = 0
			}
		}
		p.l1.bwd(&g.l1, e.dh[s:s+d], dz, e.h2[s:s+d])
		lnBwd(e.dx1[s:s+d], g.n2w, g.n2b, e.dh[s:s+d], e.xh2[s:s+d], e.inv2[i], p.n2w)
	}
	copy(e.dx, e.dx1)
	clear(e.dh)
	e.att.bwd(&p.in, &p.out, &g.in, &g.out, e.dh, e.dx1)
	for i := 0; i < e.S; i++ {
		s := i * d
		lnBwd(e.dx[s:s+d], g.n1w, g.n1b, e.dh[s:s+d], e.xh1[s:s+d], e.inv1[i], p.n1w)
	}
}

// headTape is one evaluation of an MLP head.
type headTape struct {
	x     []float64 // input, 8 (a view, set by the caller)
	t, dt []float64 // tanh activations and their gradient, 32
}

func newHeadTape() headTape {
	return headTape{t: make([]float64, dHead), dt: make([]float64, dHead)}
}

func (h *headTape) fwd(p *head64) float64 {
	p.l1.fwd(h.t, h.x)
	for i, v := range h.t {
		h.t[i] = math.Tanh(v)
	}
	var y [1]float64
	p.l2.fwd(y[:], h.t)
	return y[0]
}

// bwd adds into dx the gradient given dy, and the parameter gradients into g.
func (h *headTape) bwd(p, g *head64, dx []float64, dy float64) {
	clear(h.dt)
	dyv := [1]float64{dy}
	p.l2.bwd(&g.l2, h.dt, dyv[:], h.t)
	for i, t := range h.t {
		h.dt[i] *= 1 - t*t
	}
	p.l1.bwd(&g.l1, dx, h.dt, h.x)
}

// netTape is one float64 evaluation of the whole network on a state of J jobs,
// with everything its backward pass needs. Buffers are sized once per J; a tape
// serves any number of forward/backward pairs and is not safe for concurrent use.
type netTape struct {
	p, g     params64
	pe       [peLen][dModel]float64
	J        int
	emb      []float64 // J·5×4 inputs of the projection
	tok      []int8    // J·5 token of each slot
	flags    [][2]int8 // J·5 fixed and next-op flags
	enc1     []*encTape
	enc2     *encTape
	pooled   []float64 // J×8
	y        []float64 // J×8 job states after the residual
	dy       []float64
	jobH     []headTape
	noopH    []headTape
	legal    []bool // J+1
	Logits   []float64
	LogProbs []float64
	demb     []float64
	dwin     []float64 // Window×8 gradient w.r.t. one job's window states
}

// newNetTape binds params and grad (flat vectors of nParams values) and uses
// net's positional table. grad receives the gradients of every backward call
// (added, never cleared by the tape).
func newNetTape(net *Network, params, grad []float64, J int) *netTape {
	t := &netTape{
		p: bindParams(params), g: bindParams(grad), J: J,
		emb: make([]float64, J*Window*featIn), tok: make([]int8, J*Window), flags: make([][2]int8, J*Window),
		enc1: make([]*encTape, J), enc2: newEncTape(J),
		pooled: make([]float64, J*dModel), y: make([]float64, J*dModel), dy: make([]float64, J*dModel),
		jobH: make([]headTape, J), noopH: make([]headTape, J),
		legal: make([]bool, J+1), Logits: make([]float64, J+1), LogProbs: make([]float64, J+1),
		demb: make([]float64, featIn), dwin: make([]float64, Window*dModel),
	}
	for i := range t.pe {
		for c := range t.pe[i] {
			t.pe[i][c] = float64(net.pe[i][c])
		}
	}
	for j := 0; j < J; j++ {
		t.enc1[j] = newEncTape(Window)
		t.jobH[j], t.noopH[j] = newHeadTape(), newHeadTape()
		t.jobH[j].x, t.noopH[j].x = t.y[j*dModel:(j+1)*dModel], t.y[j*dModel:(j+1)*dModel]
	}
	return t
}

// forward evaluates the network on o: t.Logits are the masked logits (illegal
// actions get the same constant as the float32 pass) and t.LogProbs the log-
// probabilities of the categorical policy over the legal actions (−∞ elsewhere).
func (t *netTape) forward(o *Observation) {
	p, J, d := &t.p, t.J, dModel
	for a := 0; a <= J; a++ {
		t.legal[a] = o.ActionMask[a] != 0
	}
	for j := 0; j < J; j++ {
		e := t.enc1[j]
		for s := 0; s < Window; s++ {
			i := j*Window + s
			emb := t.emb[i*featIn : (i+1)*featIn]
			x := e.x[s*d : (s+1)*d]
			t.tok[i] = int8(o.StartEndTokens[i])
			if t.tok[i] != TokenInterval {
				copy(emb, p.tokens[int(t.tok[i])*featIn:])
				p.proj.fwd(x, emb)
			} else {
				r := o.IntervalRep[i*4 : i*4+4]
				t.flags[i] = [2]int8{int8(int(r[0]) & 1), int8(int(r[3]) & 1)}
				emb[0], emb[1], emb[2], emb[3] = p.embFixed[t.flags[i][0]], float64(r[1]), float64(r[2]), p.embNext[t.flags[i][1]]
				p.proj.fwd(x, emb)
				pe := &t.pe[min(int(o.IndexInterval[i]), peLen-1)]
				for c := range x {
					x[c] += pe[c]
				}
			}
			for u := 0; u < Window; u++ {
				e.att.allow[s*Window+u] = o.AttentionMask[j*Window+u] == 0
			}
		}
		e.fwd(&p.enc[0])
		pool := t.pooled[j*d : (j+1)*d]
		clear(pool)
		for s := 0; s < Window; s++ {
			for c := range pool {
				pool[c] += e.y[s*d+c] / Window
			}
		}
	}
	e := t.enc2
	copy(e.x, t.pooled)
	for i := 0; i < J; i++ {
		for k := 0; k < J; k++ {
			e.att.allow[i*J+k] = i == k || (o.Group[i] >= 0 && o.Group[i] == o.Group[k])
		}
	}
	e.fwd(&p.enc[1])
	var noop float64
	for j := 0; j < J; j++ {
		for c := 0; c < d; c++ {
			t.y[j*d+c] = e.y[j*d+c] + t.pooled[j*d+c]
		}
		t.Logits[j] = masked
		if t.legal[j] {
			t.Logits[j] = t.jobH[j].fwd(&p.job)
		}
		if t.legal[J] {
			noop += t.noopH[j].fwd(&p.noop)
		}
	}
	t.Logits[J] = masked
	if t.legal[J] {
		t.Logits[J] = noop / float64(J)
	}
	logSoftmax(t.LogProbs, t.Logits, t.legal)
}

// backward adds into the gradient vector the gradient of a loss whose
// derivative w.r.t. the log-probabilities is dLogProbs (entries of illegal
// actions are ignored). dLogProbs is overwritten with dL/dlogits.
func (t *netTape) backward(dLogProbs []float64) {
	p, g, J, d := &t.p, &t.g, t.J, dModel
	logSoftmaxBwd(dLogProbs, t.LogProbs, t.legal)
	dl := dLogProbs
	clear(t.dy)
	for j := 0; j < J; j++ {
		dy := t.dy[j*d : (j+1)*d]
		if t.legal[j] {
			t.jobH[j].bwd(&p.job, &g.job, dy, dl[j])
		}
		if t.legal[J] {
			t.noopH[j].bwd(&p.noop, &g.noop, dy, dl[J]/float64(J))
		}
	}
	e := t.enc2
	e.bwd(&p.enc[1], &g.enc[1], t.dy)
	for j := 0; j < J; j++ {
		// The residual around the job-level layer plus the layer's own gradient,
		// spread evenly over the pooled window.
		var dpool [dModel]float64
		for c := range dpool {
			dpool[c] = (t.dy[j*d+c] + e.dx[j*d+c]) / Window
		}
		e1 := t.enc1[j]
		for s := 0; s < Window; s++ {
			copy(t.dwin[s*d:(s+1)*d], dpool[:])
		}
		e1.bwd(&p.enc[0], &g.enc[0], t.dwin)
		for s := 0; s < Window; s++ {
			i := j*Window + s
			clear(t.demb)
			p.proj.bwd(&g.proj, t.demb, e1.dx[s*d:(s+1)*d], t.emb[i*featIn:(i+1)*featIn])
			if tok := int(t.tok[i]); tok != TokenInterval {
				for c, v := range t.demb {
					g.tokens[tok*featIn+c] += v
				}
				continue
			}
			g.embFixed[t.flags[i][0]] += t.demb[0]
			g.embNext[t.flags[i][1]] += t.demb[3]
		}
	}
}

// logSoftmax sets logp to the log-probabilities of the categorical distribution
// over the legal entries of logits, −∞ on the others.
func logSoftmax(logp, logits []float64, legal []bool) {
	mx := math.Inf(-1)
	for a, l := range logits {
		if legal[a] {
			mx = max(mx, l)
		}
	}
	var sum float64
	for a, l := range logits {
		if legal[a] {
			sum += math.Exp(l - mx)
		}
	}
	lse := mx + math.Log(sum)
	for a, l := range logits {
		logp[a] = math.Inf(-1)
		if legal[a] {
			logp[a] = l - lse
		}
	}
}

// logSoftmaxBwd turns dL/dlogp in place into dL/dlogits: d_a − p_a·Σ_b d_b over
// legal actions, 0 on illegal ones (their logits are constants).
func logSoftmaxBwd(d, logp []float64, legal []bool) {
	var sum float64
	for a := range d {
		if legal[a] {
			sum += d[a]
		}
	}
	for a := range d {
		if legal[a] {
			d[a] -= math.Exp(logp[a]) * sum
		} else {
			d[a] = 0
		}
	}
}
