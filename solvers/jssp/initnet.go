package jssp

import (
	"math"
	"math/rand/v2"
	"strings"
)

// NewNetwork returns an untrained network of the reference architecture, its
// weights drawn from seed the way the authors' PyTorch model starts: Linear
// layers uniform in ±1/√fan-in (weights and biases), the attention's stacked
// q/k/v projection Xavier-uniform with zero biases, LayerNorms at one and zero,
// embeddings standard normal, and the two heads orthogonal with gain √2 and
// 0.01 on their last layer and zero biases (their layer_init). The positional
// table is the sinusoidal one, which the authors' checkpoint also holds.
func NewNetwork(seed uint64) *Network {
	rng := rand.New(rand.NewPCG(seed, 0x6e6574))
	sd := map[string]stateTensor{"actor.pos_encoder.pe": {Shape: []int{peLen, dModel}, Data: sinusoidalTable()}}
	for _, t := range trainableTensors {
		d := make([]float64, t.size())
		fanIn := t.shape[len(t.shape)-1]
		uniform := func(bound float64) {
			for i := range d {
				d[i] = (2*rng.Float64() - 1) * bound
			}
		}
		head := strings.HasPrefix(t.name, "actor.final_tmp.") || strings.HasPrefix(t.name, "actor.no_op.")
		switch {
		case head && strings.HasSuffix(t.name, "bias"):
		case head && strings.HasSuffix(t.name, "0.weight"):
			orthogonal(d, t.shape[0], t.shape[1], math.Sqrt2, rng)
		case head:
			orthogonal(d, t.shape[0], t.shape[1], 0.01, rng)
		case strings.Contains(t.name, "embedding") || strings.Contains(t.name, "tokens"):
			for i := range d {
				d[i] = rng.NormFloat64()
			}
		case strings.Contains(t.name, "norm") && strings.HasSuffix(t.name, "weight"):
			for i := range d {
				d[i] = 1
			}
		case strings.Contains(t.name, "norm"), strings.HasSuffix(t.name, "in_proj_bias"), strings.HasSuffix(t.name, "out_proj.bias"):
		case strings.HasSuffix(t.name, "in_proj_weight"):
			uniform(math.Sqrt(6 / float64(t.shape[0]+t.shape[1])))
		case strings.HasSuffix(t.name, "bias"):
			// A Linear's bias shares its weight's bound, 1/√fan-in of the weight.
			uniform(1 / math.Sqrt(float64(linearFanIn(t.name))))
		default:
			uniform(1 / math.Sqrt(float64(fanIn)))
		}
		sd[t.name] = stateTensor{Shape: t.shape, Data: d}
	}
	n, err := networkFromTensors(sd, "initialisation")
	if err != nil {
		panic("jssp: bug: the initial network does not load: " + err.Error())
	}
	return n
}

// linearFanIn is the input width of the Linear layer a bias belongs to.
func linearFanIn(bias string) int {
	w := strings.TrimSuffix(bias, "bias") + "weight"
	for _, t := range trainableTensors {
		if t.name == w {
			return t.shape[len(t.shape)-1]
		}
	}
	return 1
}

// sinusoidalTable is the transformer's positional table: row p holds
// sin(p·ω_i) in even and cos(p·ω_i) in odd columns, ω_i = 10000^(−2i/dModel).
func sinusoidalTable() []float64 {
	pe := make([]float64, peLen*dModel)
	for p := 0; p < peLen; p++ {
		for i := 0; i < dModel; i += 2 {
			// In float32 steps, as PyTorch builds the table.
			w := float32(math.Exp(float64(float32(i) * float32(-math.Log(10000)/dModel))))
			arg := float64(float32(p) * w)
			pe[p*dModel+i] = float64(float32(math.Sin(arg)))
			pe[p*dModel+i+1] = float64(float32(math.Cos(arg)))
		}
	}
	return pe
}

// orthogonal fills the rows×cols matrix d (row-major) with a random matrix
// whose rows (wide) or columns (tall) are orthonormal, times gain: Gram–Schmidt
// on Gaussian vectors, PyTorch's orthogonal_ in distribution.
func orthogonal(d []float64, rows, cols int, gain float64, rng *rand.Rand) {
	tall := rows > cols
	n, length := rows, cols // orthonormalise n vectors of the given length
	if tall {
		n, length = cols, rows
	}
	vecs := make([][]float64, n)
	for i := range vecs {
		for {
			v := make([]float64, length)
			for k := range v {
				v[k] = rng.NormFloat64()
			}
			for _, u := range vecs[:i] {
				dot := 0.0
				for k := range v {
					dot += v[k] * u[k]
				}
				for k := range v {
					v[k] -= dot * u[k]
				}
			}
			norm := 0.0
			for _, x := range v {
				norm += x * x
			}
			if norm = math.Sqrt(norm); norm > 1e-6 {
				for k := range v {
					v[k] /= norm
				}
				vecs[i] = v
				break
			}
		}
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if tall {
				d[r*cols+c] = gain * vecs[c][r]
			} else {
				d[r*cols+c] = gain * vecs[r][c]
			}
		}
	}
}
