package nnsurrogate

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// kernels lists every operator the package runs; the interpreter borrows the ones gonnx lacks.
var kernels map[string]kernel

func init() {
	kernels = map[string]kernel{
		"Add": binaryKernel(opAdd), "Sub": binaryKernel(opSub), "Mul": binaryKernel(opMul), "Div": binaryKernel(opDiv),
		"Pow": powKernel, "Equal": binaryKernel(opEq), "Greater": binaryKernel(opGt), "Less": binaryKernel(opLt),
		"And": binaryKernel(opAnd), "Or": binaryKernel(opOr), "Max": binaryKernel(opMax), "Min": binaryKernel(opMin),
		"Relu": reluKernel, "Tanh": unary(tanh32), "Sigmoid": unary(sigmoid32), "Sqrt": unary(sqrt32),
		"Exp": unary(exp32), "Log": unary(log32), "Neg": unary(func(x float32) float32 { return -x }),
		"Abs": unary(abs32), "Reciprocal": unary(func(x float32) float32 { return 1 / x }),
		"Erf":       unary(func(x float32) float32 { return float32(math.Erf(float64(x))) }),
		"LeakyRelu": leakyReluKernel, "Not": notKernel, "Cast": castKernel,
		"MatMul": matmulKernel, "Gemm": gemmKernel, "Softmax": softmaxKernel,
		"ReduceSum": reduceKernel(redSum), "ReduceMean": reduceKernel(redMean),
		"ReduceMax": reduceKernel(redMax), "ReduceMin": reduceKernel(redMin),
		"LogSoftmax": logSoftmaxKernel, "Clip": clipKernel,
		"LayerNormalization": layerNormKernel, "Transpose": transposeKernel, "Concat": concatKernel,
		"Gather": gatherKernel, "Slice": sliceKernel, "Where": whereKernel, "Expand": expandKernel,
		"Reshape": reshapeKernel, "Squeeze": squeezeKernel, "Unsqueeze": unsqueezeKernel,
		"Flatten": flattenKernel, "Identity": identityKernel, "Dropout": dropoutKernel,
		"Shape": shapeKernel, "Size": sizeKernel, "Constant": constantKernel,
		"ConstantOfShape": constantOfShapeKernel, "Range": rangeKernel,
	}
}

// SupportedOps lists the operators both engines run.
func SupportedOps() []string {
	var s []string
	for op := range kernels {
		s = append(s, op)
	}
	slices.Sort(s)
	return s
}

func tanh32(x float32) float32    { return float32(math.Tanh(float64(x))) }
func sqrt32(x float32) float32    { return float32(math.Sqrt(float64(x))) }
func exp32(x float32) float32     { return float32(math.Exp(float64(x))) }
func log32(x float32) float32     { return float32(math.Log(float64(x))) }
func abs32(x float32) float32     { return float32(math.Abs(float64(x))) }
func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func unary(f func(float32) float32) kernel {
	return func(k *kctx) ([]*value, func() error, error) {
		if err := k.need(1, 1); err != nil {
			return nil, nil, err
		}
		x := k.in[0]
		if err := k.wantDT(x, dtF32); err != nil {
			return nil, nil, err
		}
		y := k.alloc(dtF32, x.shape)
		return []*value{y}, func() error {
			for i, v := range x.f {
				y.f[i] = f(v)
			}
			return nil
		}, nil
	}
}

func reluKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	if err := k.wantDT(x, dtF32); err != nil {
		return nil, nil, err
	}
	y := k.alloc(dtF32, x.shape)
	return []*value{y}, func() error {
		yf := y.f[:len(x.f)]
		for i, v := range x.f {
			yf[i] = max(v, 0)
		}
		return nil
	}, nil
}

func leakyReluKernel(k *kctx) ([]*value, func() error, error) {
	alpha := k.n.attrFloat("alpha", 0.01)
	return unary(func(x float32) float32 {
		if x < 0 {
			return alpha * x
		}
		return x
	})(k)
}

func notKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	if err := k.wantDT(x, dtBool); err != nil {
		return nil, nil, err
	}
	y := k.alloc(dtBool, x.shape)
	return []*value{y}, func() error {
		for i, v := range x.b {
			y.b[i] = !v
		}
		return nil
	}, nil
}

func castKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	to, err := elemType(int32(k.n.attrInt("to", 0)))
	if err != nil {
		return nil, nil, fmt.Errorf("%v: %w", k.n, err)
	}
	if to == x.dt {
		return []*value{x.alias(x.shape)}, nil, nil
	}
	y := k.alloc(to, x.shape)
	return []*value{y}, func() error {
		n := len(y.f) + len(y.i) + len(y.b)
		for j := 0; j < n; j++ {
			var f float64
			switch x.dt {
			case dtF32:
				f = float64(x.f[j])
			case dtI64:
				f = float64(x.i[j])
			default:
				f = float64(b2f(x.b[j]))
			}
			switch to {
			case dtF32:
				y.f[j] = float32(f)
			case dtI64:
				y.i[j] = int64(f)
			default:
				y.b[j] = f != 0
			}
		}
		return nil
	}, nil
}

// ---- broadcasting binary operators ----

const (
	opAdd = iota
	opSub
	opMul
	opDiv
	opMax
	opMin
	opPow
	opEq
	opGt
	opLt
	opAnd
	opOr
)

func binaryKernel(op int) kernel {
	return func(k *kctx) ([]*value, func() error, error) {
		if (op == opMax || op == opMin) && len(k.in) == 1 && k.in[0] != nil {
			return []*value{k.in[0].alias(k.in[0].shape)}, nil, nil
		}
		if err := k.need(2, 2); err != nil {
			return nil, nil, err
		}
		a, b := k.in[0], k.in[1]
		if a.dt != b.dt {
			return nil, nil, k.fail("element types %v and %v differ", a.dt, b.dt)
		}
		switch op {
		case opAnd, opOr:
			if err := k.wantDT(a, dtBool); err != nil {
				return nil, nil, err
			}
		case opEq:
		default:
			if err := k.wantDT(a, dtF32, dtI64); err != nil {
				return nil, nil, err
			}
		}
		shape, ok := broadcastShapes(a.shape, b.shape)
		if !ok {
			return nil, nil, k.fail("shapes %v and %v do not broadcast", a.shape, b.shape)
		}
		odt := a.dt
		if op >= opEq {
			odt = dtBool
		}
		y := k.alloc(odt, shape)
		if k.err != nil {
			return nil, nil, k.err
		}
		var ia, ib []int32
		if !slices.Equal(a.shape, shape) || !slices.Equal(b.shape, shape) {
			ia, ib = bcastIdx(shape, a.shape), bcastIdx(shape, b.shape)
		}
		switch {
		case op >= opEq:
			return []*value{y}, func() error { compare(op, y.b, a, b, ia, ib); return nil }, nil
		case a.dt == dtF32:
			return []*value{y}, func() error { arithF32(op, y.f, a.f, b.f, ia, ib); return nil }, nil
		default:
			return []*value{y}, func() error { return arithI64(op, y.i, a.i, b.i, ia, ib) }, nil
		}
	}
}

func arithF32(op int, o, a, b []float32, ia, ib []int32) {
	if ia == nil {
		a, b = a[:len(o)], b[:len(o)]
		switch op {
		case opAdd:
			for i := range o {
				o[i] = a[i] + b[i]
			}
		case opSub:
			for i := range o {
				o[i] = a[i] - b[i]
			}
		case opMul:
			for i := range o {
				o[i] = a[i] * b[i]
			}
		case opDiv:
			for i := range o {
				o[i] = a[i] / b[i]
			}
		case opMax:
			for i := range o {
				o[i] = max(a[i], b[i])
			}
		case opMin:
			for i := range o {
				o[i] = min(a[i], b[i])
			}
		}
		return
	}
	ia, ib = ia[:len(o)], ib[:len(o)]
	switch op {
	case opAdd:
		for i := range o {
			o[i] = a[ia[i]] + b[ib[i]]
		}
	case opSub:
		for i := range o {
			o[i] = a[ia[i]] - b[ib[i]]
		}
	case opMul:
		for i := range o {
			o[i] = a[ia[i]] * b[ib[i]]
		}
	case opDiv:
		for i := range o {
			o[i] = a[ia[i]] / b[ib[i]]
		}
	case opMax:
		for i := range o {
			o[i] = max(a[ia[i]], b[ib[i]])
		}
	case opMin:
		for i := range o {
			o[i] = min(a[ia[i]], b[ib[i]])
		}
	}
}

var errDivZero = errors.New("integer division by zero")

func arithI64(op int, o, a, b []int64, ia, ib []int32) error {
	for i := range o {
		x, y := a[i%len(a)], b[i%len(b)]
		if ia != nil {
			x, y = a[ia[i]], b[ib[i]]
		}
		switch op {
		case opAdd:
			o[i] = x + y
		case opSub:
			o[i] = x - y
		case opMul:
			o[i] = x * y
		case opDiv:
			if y == 0 {
				return errDivZero
			}
			o[i] = x / y
		case opMax:
			o[i] = max(x, y)
		case opMin:
			o[i] = min(x, y)
		}
	}
	return nil
}

func compare(op int, o []bool, a, b *value, ia, ib []int32) {
	for i := range o {
		ja, jb := i, i
		if ia != nil {
			ja, jb = int(ia[i]), int(ib[i])
		}
		var x, y float64
		switch a.dt {
		case dtF32:
			x, y = float64(a.f[ja]), float64(b.f[jb])
		case dtI64:
			x, y = float64(a.i[ja]), float64(b.i[jb])
		default:
			x, y = float64(b2f(a.b[ja])), float64(b2f(b.b[jb]))
		}
		switch op {
		case opEq:
			o[i] = x == y
		case opGt:
			o[i] = x > y
		case opLt:
			o[i] = x < y
		case opAnd:
			o[i] = x != 0 && y != 0
		case opOr:
			o[i] = x != 0 || y != 0
		}
	}
}

func powKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 2); err != nil {
		return nil, nil, err
	}
	a, e := k.in[0], k.in[1]
	if err := k.wantDT(a, dtF32); err != nil {
		return nil, nil, err
	}
	if s, ok := scalarOf(e); ok && s == 2 {
		y := k.alloc(dtF32, a.shape)
		return []*value{y}, func() error {
			for i, v := range a.f {
				y.f[i] = v * v
			}
			return nil
		}, nil
	}
	shape, ok := broadcastShapes(a.shape, e.shape)
	if !ok {
		return nil, nil, k.fail("shapes %v and %v do not broadcast", a.shape, e.shape)
	}
	y := k.alloc(dtF32, shape)
	if k.err != nil {
		return nil, nil, k.err
	}
	ia, ie := bcastIdx(shape, a.shape), bcastIdx(shape, e.shape)
	return []*value{y}, func() error {
		for i := range y.f {
			var p float64
			if e.dt == dtF32 {
				p = float64(e.f[ie[i]])
			} else {
				p = float64(e.i[ie[i]])
			}
			y.f[i] = float32(math.Pow(float64(a.f[ia[i]]), p))
		}
		return nil
	}, nil
}

func clipKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 3); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	if err := k.wantDT(x, dtF32); err != nil {
		return nil, nil, err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	for i, p := range []*float32{&lo, &hi} {
		if v := k.arg(i + 1); v != nil {
			s, ok := scalarOf(v)
			if !ok {
				return nil, nil, k.unsupported("Clip bounds must be constant scalars")
			}
			*p = float32(s)
		}
	}
	y := k.alloc(dtF32, x.shape)
	return []*value{y}, func() error {
		for i, v := range x.f {
			y.f[i] = min(max(v, lo), hi)
		}
		return nil
	}, nil
}

// ---- matrix products ----

// blasF32 supplies gonum's assembly dot and axpy loops, several times faster than Go loops.
var blasF32 gonum.Implementation

// linearRows computes y[r] = W·x[r] for rows of length K, W being N×K row-major.
func linearRows(y, x, w []float32, rows, K, N int) {
	if K == 0 {
		clear(y[:rows*N])
		return
	}
	for r := 0; r < rows; r++ {
		blasF32.Sgemv(blas.NoTrans, N, K, 1, w, K, x[r*K:r*K+K], 1, 0, y[r*N:r*N+N], 1)
	}
}

// transpose2 writes the transpose of the r×c matrix src into dst (c×r).
func transpose2(dst, src []float32, r, c int) {
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			dst[j*r+i] = src[i*c+j]
		}
	}
}

func matmulKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 2); err != nil {
		return nil, nil, err
	}
	a, b := k.in[0], k.in[1]
	if err := k.wantDT(a, dtF32); err != nil {
		return nil, nil, err
	}
	if err := k.wantDT(b, dtF32); err != nil {
		return nil, nil, err
	}
	if len(a.shape) == 0 || len(b.shape) == 0 {
		return nil, nil, k.fail("MatMul of a scalar")
	}
	as, bs := a.shape, b.shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	M, K, N := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	if bs[len(bs)-2] != K {
		return nil, nil, k.fail("shapes %v and %v do not multiply", a.shape, b.shape)
	}
	batch, ok := broadcastShapes(as[:len(as)-2], bs[:len(bs)-2])
	if !ok {
		return nil, nil, k.fail("batch dims of %v and %v do not broadcast", a.shape, b.shape)
	}
	out := append(slices.Clone(batch), M, N)
	if len(a.shape) == 1 {
		out = append(out[:len(out)-2], N)
	}
	if len(b.shape) == 1 {
		out = out[:len(out)-1]
	}
	y := k.alloc(dtF32, out)
	if k.err != nil {
		return nil, nil, k.err
	}
	if b.konst && len(b.shape) == 2 {
		// Weights: transpose once so each output is a contiguous dot product.
		bt := make([]float32, K*N)
		transpose2(bt, b.f, K, N)
		rows := len(a.f) / max(K, 1)
		return []*value{y}, func() error {
			linearRows(y.f, a.f, bt, rows, K, N)
			return nil
		}, nil
	}
	nb := numel(batch)
	abatch, bbatch := as[:len(as)-2], bs[:len(bs)-2]
	ia, ib := bcastIdx(batch, abatch), bcastIdx(batch, bbatch)
	return []*value{y}, func() error {
		for t := 0; t < nb; t++ {
			A := a.f[int(ia[t])*M*K:]
			B := b.f[int(ib[t])*K*N:]
			C := y.f[t*M*N : (t+1)*M*N]
			clear(C)
			for i := 0; i < M; i++ {
				c := C[i*N : i*N+N]
				for p := 0; p < K; p++ {
					blasF32.Saxpy(N, A[i*K+p], B[p*N:p*N+N], 1, c, 1)
				}
			}
		}
		return nil
	}, nil
}

func gemmKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 3); err != nil {
		return nil, nil, err
	}
	a, b, c := k.in[0], k.in[1], k.arg(2)
	for _, v := range k.in {
		if v != nil {
			if err := k.wantDT(v, dtF32); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(a.shape) != 2 || len(b.shape) != 2 {
		return nil, nil, k.fail("Gemm needs 2-D inputs, got %v and %v", a.shape, b.shape)
	}
	alpha, beta := k.n.attrFloat("alpha", 1), k.n.attrFloat("beta", 1)
	ta, tb := k.n.attrInt("transA", 0) != 0, k.n.attrInt("transB", 0) != 0
	M, K := a.shape[0], a.shape[1]
	if ta {
		M, K = K, M
	}
	N, K2 := b.shape[1], b.shape[0]
	if tb {
		N, K2 = K2, N
	}
	if K != K2 {
		return nil, nil, k.fail("shapes %v and %v do not multiply", a.shape, b.shape)
	}
	y := k.alloc(dtF32, []int{M, N})
	if k.err != nil {
		return nil, nil, k.err
	}
	var cidx []int32
	bias := false
	if c != nil {
		if _, ok := broadcastShapes(c.shape, y.shape); !ok || len(c.shape) > 2 {
			return nil, nil, k.fail("C of shape %v does not broadcast to %v", c.shape, y.shape)
		}
		if c.size() == N && (len(c.shape) == 1 || c.shape[0] == 1) {
			bias = true
		} else {
			cidx = bcastIdx(y.shape, c.shape)
		}
	}
	// bt holds B as N×K. For constant weights with transB=1 (torch's Linear) it is the
	// initializer itself; otherwise it is filled once (constant) or per call.
	var bt []float32
	fillB := func() {}
	switch {
	case tb:
		bt = b.f
	case b.konst:
		bt = make([]float32, N*K)
		transpose2(bt, b.f, K, N)
	default:
		bt = make([]float32, N*K)
		fillB = func() { transpose2(bt, b.f, K, N) }
	}
	var at []float32
	if ta {
		at = make([]float32, M*K)
	}
	return []*value{y}, func() error {
		fillB()
		A := a.f
		if ta {
			transpose2(at, a.f, K, M)
			A = at
		}
		linearRows(y.f, A, bt, M, K, N)
		for i := 0; i < M; i++ {
			o := y.f[i*N : i*N+N]
			if alpha != 1 {
				for j := range o {
					o[j] *= alpha
				}
			}
			switch {
			case bias && beta == 1:
				cb := c.f[:len(o)]
				for j := range o {
					o[j] += cb[j]
				}
			case bias:
				for j := range o {
					o[j] += beta * c.f[j]
				}
			case cidx != nil:
				for j := range o {
					o[j] += beta * c.f[cidx[i*N+j]]
				}
			}
		}
		return nil
	}, nil
}

// ---- normalisation and reductions ----

func softmaxKernel(k *kctx) ([]*value, func() error, error) { return softmaxLike(k, false) }

func logSoftmaxKernel(k *kctx) ([]*value, func() error, error) { return softmaxLike(k, true) }

func softmaxLike(k *kctx, logOut bool) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	if err := k.wantDT(x, dtF32); err != nil {
		return nil, nil, err
	}
	ax, ok := normAxis(k.n.attrInt("axis", -1), len(x.shape))
	if !ok {
		return nil, nil, k.fail("axis out of range for shape %v", x.shape)
	}
	outer, L, inner := numel(x.shape[:ax]), x.shape[ax], numel(x.shape[ax+1:])
	y := k.alloc(dtF32, x.shape)
	return []*value{y}, func() error {
		for o := 0; o < outer; o++ {
			for in := 0; in < inner; in++ {
				base := o*L*inner + in
				m := float32(math.Inf(-1))
				for t := 0; t < L; t++ {
					m = max(m, x.f[base+t*inner])
				}
				var s float64
				for t := 0; t < L; t++ {
					e := math.Exp(float64(x.f[base+t*inner] - m))
					y.f[base+t*inner] = float32(e)
					s += e
				}
				if logOut {
					ls := float32(math.Log(s))
					for t := 0; t < L; t++ {
						y.f[base+t*inner] = x.f[base+t*inner] - m - ls
					}
					continue
				}
				inv := float32(1 / s)
				for t := 0; t < L; t++ {
					y.f[base+t*inner] *= inv
				}
			}
		}
		return nil
	}, nil
}

const (
	redSum = iota
	redMean
	redMax
	redMin
)

func reduceKernel(kind int) kernel {
	return func(k *kctx) ([]*value, func() error, error) {
		if err := k.need(1, 2); err != nil {
			return nil, nil, err
		}
		x := k.in[0]
		if err := k.wantDT(x, dtF32); err != nil {
			return nil, nil, err
		}
		axes, fromAttr := k.n.attrInts("axes")
		if !fromAttr {
			var err error
			if axes, err = k.ints(1); err != nil {
				return nil, nil, err
			}
		}
		keep := k.n.attrInt("keepdims", 1) != 0
		r := len(x.shape)
		red := make([]bool, r)
		if len(axes) == 0 {
			if k.n.attrInt("noop_with_empty_axes", 0) != 0 {
				return []*value{x.alias(x.shape)}, nil, nil
			}
			for i := range red {
				red[i] = true
			}
		}
		for _, a := range axes {
			ax, ok := normAxis(a, r)
			if !ok {
				return nil, nil, k.fail("axis %d out of range for shape %v", a, x.shape)
			}
			red[ax] = true
		}
		var out, kept []int
		count := 1
		for i, d := range x.shape {
			switch {
			case !red[i]:
				out = append(out, d)
				kept = append(kept, d)
			case keep:
				out = append(out, 1)
				kept = append(kept, 1)
				count *= d
			default:
				kept = append(kept, 1)
				count *= d
			}
		}
		if out == nil {
			out = []int{}
		}
		y := k.alloc(dtF32, out)
		if k.err != nil {
			return nil, nil, k.err
		}
		// For each input element, the output element it adds to: the broadcast map from
		// the kept shape to the input shape, read backwards.
		idx := bcastIdx(x.shape, kept)
		if count == 0 && (kind == redMax || kind == redMin) {
			return nil, nil, k.fail("%s over an empty axis", k.n.op)
		}
		scale := float32(1)
		if kind == redMean && count > 0 {
			scale = 1 / float32(count)
		}
		return []*value{y}, func() error {
			switch kind {
			case redMax:
				for i := range y.f {
					y.f[i] = float32(math.Inf(-1))
				}
				for i, v := range x.f {
					y.f[idx[i]] = max(y.f[idx[i]], v)
				}
			case redMin:
				for i := range y.f {
					y.f[i] = float32(math.Inf(1))
				}
				for i, v := range x.f {
					y.f[idx[i]] = min(y.f[idx[i]], v)
				}
			default:
				clear(y.f)
				for i, v := range x.f {
					y.f[idx[i]] += v
				}
				if kind == redMean {
					for i := range y.f {
						y.f[i] *= scale
					}
				}
			}
			return nil
		}, nil
	}
}

func layerNormKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 3); err != nil {
		return nil, nil, err
	}
	x, sc, bi := k.in[0], k.in[1], k.arg(2)
	for _, v := range k.in {
		if v != nil {
			if err := k.wantDT(v, dtF32); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, o := range k.n.out[1:] {
		if o != "" {
			return nil, nil, k.unsupported("mean and inverse deviation outputs")
		}
	}
	ax, ok := normAxis(k.n.attrInt("axis", -1), len(x.shape))
	if !ok {
		return nil, nil, k.fail("axis out of range for shape %v", x.shape)
	}
	eps := float64(k.n.attrFloat("epsilon", 1e-5))
	D := numel(x.shape[ax:])
	if sc.size() != D || (bi != nil && bi.size() != D) {
		return nil, nil, k.unsupported("scale/bias must hold %d values", D)
	}
	y := k.alloc(dtF32, x.shape)
	rows := x.size() / max(D, 1)
	return []*value{y}, func() error {
		for r := 0; r < rows; r++ {
			xs := x.f[r*D : r*D+D]
			ys := y.f[r*D : r*D+D]
			var m float64
			for _, v := range xs {
				m += float64(v)
			}
			m /= float64(D)
			var s float64
			for _, v := range xs {
				d := float64(v) - m
				s += d * d
			}
			inv := 1 / math.Sqrt(s/float64(D)+eps)
			for j, v := range xs {
				ys[j] = float32((float64(v)-m)*inv) * sc.f[j]
			}
			if bi != nil {
				for j := range ys {
					ys[j] += bi.f[j]
				}
			}
		}
		return nil
	}, nil
}

// ---- data movement ----

// gatherInto returns a function copying src elements idx[i] into dst[i] for any element type.
func gatherInto(dst, src *value, idx []int32) func() error {
	switch src.dt {
	case dtF32:
		return func() error {
			for i, j := range idx {
				dst.f[i] = src.f[j]
			}
			return nil
		}
	case dtI64:
		return func() error {
			for i, j := range idx {
				dst.i[i] = src.i[j]
			}
			return nil
		}
	}
	return func() error {
		for i, j := range idx {
			dst.b[i] = src.b[j]
		}
		return nil
	}
}

func transposeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	r := len(x.shape)
	perm, ok := k.n.attrInts("perm")
	if !ok {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != r {
		return nil, nil, k.fail("perm %v for rank %d", perm, r)
	}
	out := make([]int, r)
	seen := make([]bool, r)
	for i, p := range perm {
		if p < 0 || int(p) >= r || seen[p] {
			return nil, nil, k.fail("invalid perm %v", perm)
		}
		seen[p] = true
		out[i] = x.shape[p]
	}
	y := k.alloc(x.dt, out)
	if k.err != nil {
		return nil, nil, k.err
	}
	st := stridesOf(x.shape)
	pst := make([]int, r)
	for i, p := range perm {
		pst[i] = st[p]
	}
	idx := make([]int32, y.size())
	ctr := make([]int, r)
	src := 0
	for j := range idx {
		idx[j] = int32(src)
		for d := r - 1; d >= 0; d-- {
			ctr[d]++
			src += pst[d]
			if ctr[d] < out[d] {
				break
			}
			src -= pst[d] * ctr[d]
			ctr[d] = 0
		}
	}
	return []*value{y}, gatherInto(y, x, idx), nil
}

func concatKernel(k *kctx) ([]*value, func() error, error) {
	if len(k.in) == 0 {
		return nil, nil, k.fail("no inputs")
	}
	x0 := k.in[0]
	if x0 == nil {
		return nil, nil, k.fail("input 0 missing")
	}
	ax, ok := normAxis(k.n.attrInt("axis", 0), len(x0.shape))
	if !ok {
		return nil, nil, k.fail("axis out of range for shape %v", x0.shape)
	}
	out := slices.Clone(x0.shape)
	out[ax] = 0
	for _, v := range k.in {
		if v == nil || v.dt != x0.dt || len(v.shape) != len(out) {
			return nil, nil, k.fail("inputs differ in type or rank")
		}
		for i, d := range v.shape {
			if i != ax && d != out[i] {
				return nil, nil, k.fail("shapes %v and %v differ off axis %d", x0.shape, v.shape, ax)
			}
		}
		out[ax] += v.shape[ax]
	}
	y := k.alloc(x0.dt, out)
	if k.err != nil {
		return nil, nil, k.err
	}
	outer, inner := numel(out[:ax]), numel(out[ax+1:])
	idx := make([]int32, 0, y.size())
	// Element sources are encoded as (input, offset) in two parallel arrays so that all
	// inputs share one copy loop.
	from := make([]int32, 0, y.size())
	for o := 0; o < outer; o++ {
		for t, v := range k.in {
			w := v.shape[ax] * inner
			for e := 0; e < w; e++ {
				from = append(from, int32(t))
				idx = append(idx, int32(o*w+e))
			}
		}
	}
	ins := k.in
	return []*value{y}, func() error {
		for i := range idx {
			src := ins[from[i]]
			switch y.dt {
			case dtF32:
				y.f[i] = src.f[idx[i]]
			case dtI64:
				y.i[i] = src.i[idx[i]]
			default:
				y.b[i] = src.b[idx[i]]
			}
		}
		return nil
	}, nil
}

var errIndex = errors.New("index out of range")

func gatherKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 2); err != nil {
		return nil, nil, err
	}
	x, ind := k.in[0], k.in[1]
	if err := k.wantDT(ind, dtI64); err != nil {
		return nil, nil, err
	}
	ax, ok := normAxis(k.n.attrInt("axis", 0), len(x.shape))
	if !ok {
		return nil, nil, k.fail("axis out of range for shape %v", x.shape)
	}
	out := append(append(slices.Clone(x.shape[:ax]), ind.shape...), x.shape[ax+1:]...)
	y := k.alloc(x.dt, out)
	if k.err != nil {
		return nil, nil, k.err
	}
	outer, D, inner := numel(x.shape[:ax]), x.shape[ax], numel(x.shape[ax+1:])
	ni := len(ind.i)
	return []*value{y}, func() error {
		for q, id := range ind.i {
			if id < 0 {
				id += int64(D)
			}
			if id < 0 || id >= int64(D) {
				return fmt.Errorf("%w: index %d for a dimension of %d", errIndex, ind.i[q], D)
			}
			for o := 0; o < outer; o++ {
				dst := (o*ni + q) * inner
				src := (o*D + int(id)) * inner
				switch x.dt {
				case dtF32:
					copy(y.f[dst:dst+inner], x.f[src:src+inner])
				case dtI64:
					copy(y.i[dst:dst+inner], x.i[src:src+inner])
				default:
					copy(y.b[dst:dst+inner], x.b[src:src+inner])
				}
			}
		}
		return nil
	}, nil
}

func sliceKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(3, 5); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	starts, err := k.ints(1)
	if err != nil {
		return nil, nil, err
	}
	ends, err := k.ints(2)
	if err != nil {
		return nil, nil, err
	}
	axes, err := k.ints(3)
	if err != nil {
		return nil, nil, err
	}
	steps, err := k.ints(4)
	if err != nil {
		return nil, nil, err
	}
	r := len(x.shape)
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, k.fail("starts, ends, axes and steps differ in length")
	}
	first := make([]int, r)
	step := make([]int, r)
	out := slices.Clone(x.shape)
	for i := range step {
		step[i] = 1
	}
	for i := range starts {
		a := i
		if axes != nil {
			var ok bool
			if a, ok = normAxis(axes[i], r); !ok {
				return nil, nil, k.fail("axis %d out of range", axes[i])
			}
		}
		s := int64(1)
		if steps != nil {
			s = steps[i]
		}
		if s == 0 {
			return nil, nil, k.fail("step 0")
		}
		d := int64(x.shape[a])
		clamp := func(v, lo, hi int64) int64 {
			if v < 0 {
				v += d
			}
			return min(max(v, lo), hi)
		}
		var b, e int64
		if s > 0 {
			b, e = clamp(starts[i], 0, d), clamp(ends[i], 0, d)
		} else {
			b, e = clamp(starts[i], -1, d-1), clamp(ends[i], -1, d-1)
		}
		cnt := int64(0)
		if s > 0 && e > b {
			cnt = (e - b + s - 1) / s
		} else if s < 0 && b > e {
			cnt = (b - e - s - 1) / -s
		}
		first[a], step[a], out[a] = int(b), int(s), int(cnt)
	}
	y := k.alloc(x.dt, out)
	if k.err != nil {
		return nil, nil, k.err
	}
	st := stridesOf(x.shape)
	idx := make([]int32, y.size())
	ctr := make([]int, r)
	for j := range idx {
		src := 0
		for d := 0; d < r; d++ {
			src += (first[d] + ctr[d]*step[d]) * st[d]
		}
		idx[j] = int32(src)
		for d := r - 1; d >= 0; d-- {
			ctr[d]++
			if ctr[d] < out[d] {
				break
			}
			ctr[d] = 0
		}
	}
	return []*value{y}, gatherInto(y, x, idx), nil
}

func whereKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(3, 3); err != nil {
		return nil, nil, err
	}
	c, a, b := k.in[0], k.in[1], k.in[2]
	if err := k.wantDT(c, dtBool); err != nil {
		return nil, nil, err
	}
	if a.dt != b.dt {
		return nil, nil, k.fail("element types %v and %v differ", a.dt, b.dt)
	}
	shape, ok := broadcastShapes(c.shape, a.shape, b.shape)
	if !ok {
		return nil, nil, k.fail("shapes %v, %v, %v do not broadcast", c.shape, a.shape, b.shape)
	}
	y := k.alloc(a.dt, shape)
	if k.err != nil {
		return nil, nil, k.err
	}
	ic, ia, ib := bcastIdx(shape, c.shape), bcastIdx(shape, a.shape), bcastIdx(shape, b.shape)
	return []*value{y}, func() error {
		for i := range ic {
			if c.b[ic[i]] {
				switch y.dt {
				case dtF32:
					y.f[i] = a.f[ia[i]]
				case dtI64:
					y.i[i] = a.i[ia[i]]
				default:
					y.b[i] = a.b[ia[i]]
				}
			} else {
				switch y.dt {
				case dtF32:
					y.f[i] = b.f[ib[i]]
				case dtI64:
					y.i[i] = b.i[ib[i]]
				default:
					y.b[i] = b.b[ib[i]]
				}
			}
		}
		return nil
	}, nil
}

func expandKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 2); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	s, err := k.ints(1)
	if err != nil {
		return nil, nil, err
	}
	shape, ok := broadcastShapes(x.shape, toInts(s))
	if !ok {
		return nil, nil, k.fail("cannot expand %v to %v", x.shape, s)
	}
	y := k.alloc(x.dt, shape)
	if k.err != nil {
		return nil, nil, k.err
	}
	return []*value{y}, gatherInto(y, x, bcastIdx(shape, x.shape)), nil
}

// ---- shapes and constants (no run-time work) ----

func reshapeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(2, 2); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	s, err := k.ints(1)
	if err != nil {
		return nil, nil, err
	}
	allowZero := k.n.attrInt("allowzero", 0) != 0
	out := make([]int, len(s))
	infer, known := -1, 1
	for i, d := range s {
		switch {
		case d == 0 && !allowZero:
			if i >= len(x.shape) {
				return nil, nil, k.fail("shape %v copies a missing dim of %v", s, x.shape)
			}
			out[i] = x.shape[i]
		case d == -1:
			if infer >= 0 {
				return nil, nil, k.fail("two -1 in shape %v", s)
			}
			infer = i
			continue
		case d < 0 || d > maxElements:
			return nil, nil, k.fail("invalid shape %v", s)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	if infer >= 0 {
		if known == 0 || x.size()%known != 0 {
			return nil, nil, k.fail("cannot reshape %v to %v", x.shape, s)
		}
		out[infer] = x.size() / known
	}
	if numel(out) != x.size() {
		return nil, nil, k.fail("cannot reshape %v to %v", x.shape, s)
	}
	return []*value{x.alias(out)}, nil, nil
}

func axesArg(k *kctx) ([]int64, error) {
	if a, ok := k.n.attrInts("axes"); ok {
		return a, nil
	}
	return k.ints(1)
}

func squeezeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 2); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	axes, err := axesArg(k)
	if err != nil {
		return nil, nil, err
	}
	drop := make([]bool, len(x.shape))
	for _, a := range axes {
		ax, ok := normAxis(a, len(x.shape))
		if !ok || x.shape[ax] != 1 {
			return nil, nil, k.fail("cannot squeeze axis %d of %v", a, x.shape)
		}
		drop[ax] = true
	}
	out := []int{}
	for i, d := range x.shape {
		if !drop[i] && (len(axes) > 0 || d != 1) {
			out = append(out, d)
		}
	}
	return []*value{x.alias(out)}, nil, nil
}

func unsqueezeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 2); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	axes, err := axesArg(k)
	if err != nil {
		return nil, nil, err
	}
	r := len(x.shape) + len(axes)
	ins := make([]bool, r)
	for _, a := range axes {
		ax, ok := normAxis(a, r)
		if !ok || ins[ax] {
			return nil, nil, k.fail("invalid axes %v for %v", axes, x.shape)
		}
		ins[ax] = true
	}
	out := make([]int, 0, r)
	j := 0
	for i := 0; i < r; i++ {
		if ins[i] {
			out = append(out, 1)
		} else {
			out = append(out, x.shape[j])
			j++
		}
	}
	return []*value{x.alias(out)}, nil, nil
}

func flattenKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	ax := k.n.attrInt("axis", 1)
	if ax < 0 {
		ax += int64(len(x.shape))
	}
	if ax < 0 || ax > int64(len(x.shape)) {
		return nil, nil, k.fail("axis out of range for %v", x.shape)
	}
	return []*value{x.alias([]int{numel(x.shape[:ax]), numel(x.shape[ax:])})}, nil, nil
}

func identityKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	return []*value{k.in[0].alias(k.in[0].shape)}, nil, nil
}

// dropoutKernel is the identity at inference, and also in training mode with ratio 0 (torch
// exports layers kept in training mode that way); the optional mask output is then all true.
func dropoutKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 3); err != nil {
		return nil, nil, err
	}
	x := k.in[0]
	ratio, training := 0.5, false
	if r := k.arg(1); r != nil {
		var ok bool
		if ratio, ok = scalarOf(r); !ok {
			return nil, nil, k.unsupported("ratio must be a constant scalar")
		}
	}
	if t := k.arg(2); t != nil {
		if !t.konst || t.dt != dtBool || len(t.b) != 1 {
			return nil, nil, k.unsupported("training_mode must be a constant boolean")
		}
		training = t.b[0]
	}
	if training && ratio != 0 {
		return nil, nil, k.unsupported("random dropout (training mode with ratio %g)", ratio)
	}
	mask := k.alloc(dtBool, x.shape)
	mask.konst = true
	for i := range mask.b {
		mask.b[i] = true
	}
	return []*value{x.alias(x.shape), mask}, nil, nil
}

func shapeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	s := k.in[0].shape
	r := int64(len(s))
	clampEnd := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return min(max(v, 0), r)
	}
	b, e := clampEnd(k.n.attrInt("start", 0)), clampEnd(k.n.attrInt("end", r))
	v := &value{dt: dtI64, shape: []int{0}, i: []int64{}, konst: true}
	for i := b; i < e; i++ {
		v.i = append(v.i, int64(s[i]))
	}
	v.shape[0] = len(v.i)
	return []*value{v}, nil, nil
}

func sizeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	return []*value{{dt: dtI64, shape: []int{}, i: []int64{int64(k.in[0].size())}, konst: true}}, nil, nil
}

func constantKernel(k *kctx) ([]*value, func() error, error) {
	if len(k.n.attrs) != 1 {
		return nil, nil, k.fail("Constant needs exactly one value attribute")
	}
	for _, a := range k.n.attrs {
		v, err := constFromAttr(k, a)
		if err != nil {
			return nil, nil, err
		}
		return []*value{v}, nil, nil
	}
	return nil, nil, nil
}

func constantOfShapeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(1, 1); err != nil {
		return nil, nil, err
	}
	s, err := k.ints(0)
	if err != nil {
		return nil, nil, err
	}
	fill := &value{dt: dtF32, f: []float32{0}}
	if a, ok := k.n.attrs["value"]; ok && a.GetT() != nil {
		if fill, err = tensorFromProto(a.GetT(), true); err != nil {
			return nil, nil, fmt.Errorf("%v: %w", k.n, err)
		}
		if fill.size() != 1 {
			return nil, nil, k.fail("value must hold one element")
		}
	}
	y := k.alloc(fill.dt, toInts(s))
	if k.err != nil {
		return nil, nil, k.err
	}
	y.konst = true
	for i := range y.f {
		y.f[i] = fill.f[0]
	}
	for i := range y.i {
		y.i[i] = fill.i[0]
	}
	for i := range y.b {
		y.b[i] = fill.b[0]
	}
	return []*value{y}, nil, nil
}

func rangeKernel(k *kctx) ([]*value, func() error, error) {
	if err := k.need(3, 3); err != nil {
		return nil, nil, err
	}
	var p [3]float64
	for i := range p {
		var ok bool
		if p[i], ok = scalarOf(k.in[i]); !ok {
			return nil, nil, k.unsupported("Range bounds must be constant scalars")
		}
	}
	if p[2] == 0 {
		return nil, nil, k.fail("Range with delta 0")
	}
	n := int(max(math.Ceil((p[1]-p[0])/p[2]), 0))
	y := k.alloc(k.in[0].dt, []int{n})
	if k.err != nil {
		return nil, nil, k.err
	}
	y.konst = true
	for i := 0; i < n; i++ {
		v := p[0] + float64(i)*p[2]
		if y.dt == dtF32 {
			y.f[i] = float32(v)
		} else {
			y.i[i] = int64(v)
		}
	}
	return []*value{y}, nil, nil
}
