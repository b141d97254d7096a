package nnsurrogate

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// gradCase builds a network and a batch for a finite-difference check.
type gradCase struct {
	name  string
	build func(n *Network) Node
	batch func(rng *rand.Rand) Batch
}

func randn(rng *rand.Rand, k int) []float64 {
	v := make([]float64, k)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func setBatch(B, N, F int) func(rng *rand.Rand) Batch {
	return func(rng *rand.Rand) Batch {
		return Batch{N: B, Inputs: map[string][]float64{"x": randn(rng, B*N*F)}}
	}
}

func maskedBatch(rng *rand.Rand) Batch {
	B, N, F := 3, 4, 5
	mask := make([]float64, B*N)
	for i := range mask {
		mask[i] = 1
	}
	mask[1*N+3], mask[2*N+1], mask[2*N+2] = 0, 0, 0
	return Batch{N: B, Inputs: map[string][]float64{"x": randn(rng, B*N*F), "mask": mask}}
}

var gradCases = []gradCase{
	{"dense", func(n *Network) Node { return n.Dense(n.Input("x", 5), 4, true) }, setBatch(3, 1, 5)},
	{"dense-nobias-set", func(n *Network) Node { return n.Dense(n.SetInput("x", 5), 4, false) }, setBatch(3, 4, 5)},
	{"relu", func(n *Network) Node { return n.ReLU(n.Dense(n.Input("x", 5), 6, true)) }, setBatch(3, 1, 5)},
	{"tanh", func(n *Network) Node { return n.Tanh(n.Dense(n.Input("x", 5), 6, true)) }, setBatch(3, 1, 5)},
	{"layernorm", func(n *Network) Node {
		x := n.Dense(n.Input("x", 5), 6, true)
		ln := n.LayerNorm(x)
		for i, p := range n.params[len(n.params)-2:] {
			for j := range p.W {
				p.W[j] = float64(i) + 0.5 + 0.1*float64(j)
			}
		}
		return ln
	}, setBatch(3, 1, 5)},
	{"sumpool", func(n *Network) Node { return n.SumPool(n.Dense(n.SetInput("x", 5), 3, true)) }, setBatch(3, 4, 5)},
	{"meanpool", func(n *Network) Node { return n.MeanPool(n.Dense(n.SetInput("x", 5), 3, true)) }, setBatch(3, 4, 5)},
	{"concat", func(n *Network) Node {
		x := n.Input("x", 5)
		return n.Concat(n.Tanh(n.Dense(x, 2, true)), n.Dense(x, 3, false))
	}, setBatch(3, 1, 5)},
	{"attention", func(n *Network) Node { return n.Attention(n.SetInput("x", 5), -1) }, setBatch(3, 4, 5)},
	{"pre-norm residual", func(n *Network) Node {
		x := n.SetInput("x", 5)
		h := n.Add(x, n.Attention(n.LayerNorm(x), -1))
		return n.Add(h, n.Dense(n.ReLU(n.Dense(n.LayerNorm(h), 8, true)), 5, true))
	}, setBatch(2, 3, 5)},
	{"attention-masked", func(n *Network) Node {
		return n.Attention(n.SetInput("x", 5), n.SetInput("mask", 1))
	}, maskedBatch},
	{"embedding", func(n *Network) Node {
		e := n.Embedding(n.SetInput("idx", 1), 7, 3)
		return n.Dense(n.SumPool(e), 2, true)
	}, func(rng *rand.Rand) Batch {
		idx := make([]float64, 3*4)
		for i := range idx {
			idx[i] = float64(rng.IntN(7))
		}
		return Batch{N: 3, Inputs: map[string][]float64{"idx": idx}}
	}},
}

// TestGradients checks every layer's backward pass against central finite differences of the
// loss Σ c·output with random c, for parameters and for float inputs.
func TestGradients(t *testing.T) {
	for _, tc := range gradCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 7))
			n := NewNetwork(3)
			n.inputGrads = true
			n.SetOutput("y", tc.build(n))
			b := tc.batch(rng)
			out, _, err := n.Forward(b)
			if err != nil {
				t.Fatal(err)
			}
			c := randn(rng, len(out))
			loss := func() float64 {
				o, _, err := n.Forward(b)
				if err != nil {
					t.Fatal(err)
				}
				s := 0.0
				for i, v := range o {
					s += c[i] * v
				}
				return s
			}
			n.ZeroGrad()
			loss()
			if err := n.Backward(c); err != nil {
				t.Fatal(err)
			}
			check := func(what string, w, g []float64) {
				const h = 1e-6
				for i := range w {
					old := w[i]
					w[i] = old + h
					lp := loss()
					w[i] = old - h
					lm := loss()
					w[i] = old
					fd := (lp - lm) / (2 * h)
					if math.Abs(fd-g[i]) > 1e-6*max(1, math.Abs(fd)) {
						t.Errorf("%s[%d]: backward %.9g, finite difference %.9g", what, i, g[i], fd)
						return
					}
				}
			}
			grads := map[*Param][]float64{}
			for _, p := range n.Params() {
				grads[p] = append([]float64(nil), p.G...)
			}
			inGrads := map[string][]float64{}
			for _, in := range n.inputs {
				inGrads[in.name] = append([]float64(nil), n.tape.vals[in.node].g...)
			}
			for _, p := range n.Params() {
				check(p.Name, p.W, grads[p])
			}
			for _, in := range n.inputs {
				if in.name == "x" {
					check("input "+in.name, b.Inputs[in.name], inGrads[in.name])
				}
			}
		})
	}
}

func TestPolicyGradient(t *testing.T) {
	logits := []float64{0.1, -0.4, 1.2, 0.3, math.Inf(-1), -1}
	actions, adv := []int{2, 0}, []float64{1.5, -0.5}
	grad := make([]float64, len(logits))
	l, err := PolicyGradient(logits, 3, actions, adv, grad)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	for i := range logits {
		if math.IsInf(logits[i], 0) {
			if grad[i] != 0 {
				t.Errorf("masked logit %d has gradient %g", i, grad[i])
			}
			continue
		}
		old := logits[i]
		logits[i] = old + h
		lp, _ := PolicyGradient(logits, 3, actions, adv, nil)
		logits[i] = old - h
		lm, _ := PolicyGradient(logits, 3, actions, adv, nil)
		logits[i] = old
		if fd := (lp - lm) / (2 * h); math.Abs(fd-grad[i]) > 1e-6 {
			t.Errorf("logit %d: gradient %g, finite difference %g", i, grad[i], fd)
		}
	}
	// Known value: row 0 alone, -1.5·log softmax(...)[2] / 2.
	z := math.Exp(0.1) + math.Exp(-0.4) + math.Exp(1.2)
	want := -1.5*(1.2-math.Log(z))/2 + 0.5*(0.3-math.Log(math.Exp(0.3)+math.Exp(-1)))/2
	if math.Abs(l-want) > 1e-12 {
		t.Errorf("loss %g, want %g", l, want)
	}
	if _, err := PolicyGradient(logits, 3, []int{1, 1}, adv, nil); err == nil {
		t.Error("a masked action was accepted")
	}
}

func TestSoftmaxCrossEntropy(t *testing.T) {
	for _, tc := range []struct {
		name           string
		A              int // logits per row
		logits, target []float64
		want           float64 // the loss
	}{
		{"one-hot", 3, []float64{0.1, -0.4, 1.2}, []float64{0, 0, 1}, -(1.2 - math.Log(math.Exp(0.1)+math.Exp(-0.4)+math.Exp(1.2)))},
		{"two halves", 4, []float64{0, 0, 0, 0}, []float64{0.5, 0.5, 0, 0}, math.Log(4)},
		{"half the mass outside", 2, []float64{3, -2}, []float64{0.5, 0}, -0.5 * (3 - math.Log(math.Exp(3)+math.Exp(-2)))},
		{"empty row", 2, []float64{5, -1}, []float64{0, 0}, 0},
		{"two rows averaged", 2, []float64{1, 0, 0, 1}, []float64{1, 0, 0, 1}, -(1 - math.Log(math.E+1))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			A := tc.A
			grad := make([]float64, len(tc.logits))
			l, err := SoftmaxCrossEntropy(tc.logits, A, tc.target, grad)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(l-tc.want) > 1e-12 {
				t.Errorf("loss %g, want %g", l, tc.want)
			}
			const h = 1e-6
			for i := range tc.logits {
				old := tc.logits[i]
				tc.logits[i] = old + h
				lp, _ := SoftmaxCrossEntropy(tc.logits, A, tc.target, nil)
				tc.logits[i] = old - h
				lm, _ := SoftmaxCrossEntropy(tc.logits, A, tc.target, nil)
				tc.logits[i] = old
				if fd := (lp - lm) / (2 * h); math.Abs(fd-grad[i]) > 1e-6 {
					t.Errorf("logit %d: gradient %g, finite difference %g", i, grad[i], fd)
				}
			}
		})
	}
	if _, err := SoftmaxCrossEntropy([]float64{1, 2, 3}, 2, []float64{1, 0, 0}, nil); !errors.Is(err, ErrNetwork) {
		t.Errorf("3 logits in rows of 2: %v, want ErrNetwork", err)
	}
}

func TestNetworkMisuse(t *testing.T) {
	cases := map[string]func(n *Network){
		"foreign node":   func(n *Network) { n.SetOutput("y", n.ReLU(Node(42))) },
		"pool no set":    func(n *Network) { n.SetOutput("y", n.SumPool(n.Input("x", 3))) },
		"no output":      func(n *Network) { n.Input("x", 3) },
		"twice":          func(n *Network) { n.Input("x", 3); n.SetOutput("y", n.Input("x", 2)) },
		"bad embedding":  func(n *Network) { n.SetOutput("y", n.Embedding(n.SetInput("x", 3), 5, 2)) },
		"mixed concat":   func(n *Network) { n.SetOutput("y", n.Concat(n.Input("a", 2), n.SetInput("b", 2))) },
		"attention mask": func(n *Network) { n.SetOutput("y", n.Attention(n.SetInput("x", 4), n.SetInput("m", 2))) },
	}
	for name, build := range cases {
		n := NewNetwork(1)
		build(n)
		if _, _, err := n.Forward(Batch{N: 1, Inputs: map[string][]float64{"x": {1, 2, 3}}}); !errors.Is(err, ErrNetwork) {
			t.Errorf("%s: Forward gave %v, want ErrNetwork", name, err)
		}
		if _, err := n.ONNX(); !errors.Is(err, ErrNetwork) {
			t.Errorf("%s: ONNX gave %v, want ErrNetwork", name, err)
		}
	}
	n := mlp16(1)
	if _, err := n.Fit(context.Background(), Batch{N: 2, Inputs: map[string][]float64{"x": make([]float64, 30)}}, []float64{1, 2}, FitSettings{}); !errors.Is(err, ErrNetwork) {
		t.Errorf("Fit with 15 features per sample: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, y := smoothData(1, 256)
	if _, err := n.Fit(ctx, d, y, FitSettings{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a canceled context: %v", err)
	}
}
