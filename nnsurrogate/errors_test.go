package nnsurrogate

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
)

func mlpFixture(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "torch", "mlp_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mutated(t *testing.T, f func(mp *onnx.ModelProto)) []byte {
	mp := &onnx.ModelProto{}
	if err := proto.Unmarshal(mlpFixture(t), mp); err != nil {
		t.Fatal(err)
	}
	f(mp)
	b, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadErrors(t *testing.T) {
	good := mlpFixture(t)
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"truncated", good[:len(good)/2], ErrInvalidModel, ""},
		{"garbage", []byte("not an onnx file at all"), ErrInvalidModel, ""},
		{"empty", nil, ErrInvalidModel, "no graph"},
		{"unknown op", mutated(t, func(mp *onnx.ModelProto) { mp.Graph.Node[1].OpType = "Frobnicate" }), ErrUnsupported, "Frobnicate"},
		{"custom domain", mutated(t, func(mp *onnx.ModelProto) { mp.Graph.Node[1].Domain = "com.example" }), ErrUnsupported, "com.example.Relu"},
		{"opset 12", mutated(t, func(mp *onnx.ModelProto) { mp.OpsetImport[0].Version = 12 }), ErrUnsupported, "opset 12"},
		{"opset 19", mutated(t, func(mp *onnx.ModelProto) { mp.OpsetImport[0].Version = 19 }), ErrUnsupported, "opset 19"},
		{"NaN weight", mutated(t, func(mp *onnx.ModelProto) {
			w := mp.Graph.Initializer[0]
			nan := math.Float32bits(float32(math.NaN()))
			w.RawData[4], w.RawData[5], w.RawData[6], w.RawData[7] = byte(nan), byte(nan>>8), byte(nan>>16), byte(nan>>24)
		}), ErrInvalidModel, "NaN"},
		{"double weights", mutated(t, func(mp *onnx.ModelProto) { mp.Graph.Initializer[0].DataType = int32(onnx.TensorProto_DOUBLE) }), ErrUnsupported, "DOUBLE"},
		{"short weights", mutated(t, func(mp *onnx.ModelProto) { w := mp.Graph.Initializer[0]; w.RawData = w.RawData[:8] }), ErrInvalidModel, "values stored"},
		{"dangling input", mutated(t, func(mp *onnx.ModelProto) { mp.Graph.Node[1].Input[0] = "nowhere" }), ErrInvalidModel, "nowhere"},
		{"bad weight shape", mutated(t, func(mp *onnx.ModelProto) {
			w := mp.Graph.Initializer[0]
			w.Dims = []int64{int64(len(w.RawData) / 4 / 2), 2}
		}), ErrInvalidModel, "Gemm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadReader(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.want, tc.msg)
			}
			t.Log(err)
		})
	}
}

func TestRunErrors(t *testing.T) {
	m, err := LoadReader(bytes.NewReader(mlpFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	x := Tensor{Shape: []int{2, 16}, Data: make([]float32, 32)}
	nan := Tensor{Shape: []int{1, 16}, Data: make([]float32, 16)}
	nan.Data[3] = float32(math.NaN())
	cases := []struct {
		name string
		in   map[string]Tensor
		msg  string
	}{
		{"wrong name", map[string]Tensor{"z": x}, `no input "z"`},
		{"missing", map[string]Tensor{}, `input "x" missing`},
		{"wrong width", map[string]Tensor{"x": {Shape: []int{2, 15}, Data: make([]float32, 30)}}, "want [-1 16]"},
		{"wrong rank", map[string]Tensor{"x": {Shape: []int{32}, Data: make([]float32, 32)}}, "want rank 2"},
		{"short data", map[string]Tensor{"x": {Shape: []int{2, 16}, Data: make([]float32, 31)}}, "31 values"},
		{"NaN input", map[string]Tensor{"x": nan}, "NaN"},
	}
	for _, tc := range cases {
		for _, e := range []Engine{Fast, Interpreter} {
			_, err := m.RunEngine(e, tc.in)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s/%v: got %v, want ErrInput containing %q", tc.name, e, err, tc.msg)
			}
		}
	}
	r, _ := m.NewRunner()
	if err := r.Run(); !errors.Is(err, ErrInput) {
		t.Errorf("Run without inputs: %v", err)
	}
	if err := r.SetInput("x", x.Data, []int{4, 8}); !errors.Is(err, ErrInput) {
		t.Errorf("SetInput with a wrong shape: %v", err)
	}
}

// An embedding index outside the table is a run-time error, not a panic.
func TestRunIndexOutOfRange(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "torch", "embed_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]Tensor{"idx": {Shape: []int{1, 2}, Data: []float32{3, 12}}}
	if _, err := m.RunEngine(Fast, in); err == nil || !strings.Contains(err.Error(), "index 12") {
		t.Errorf("fast: %v", err)
	}
	if _, err := m.RunEngine(Interpreter, in); err == nil {
		t.Errorf("interpreter accepted index 12")
	}
	in["idx"].Data[1] = 2.5
	if _, err := m.Run(in); !errors.Is(err, ErrInput) {
		t.Errorf("index 2.5: %v, want ErrInput", err)
	}
}

// Runner: alternating batch sizes reuse their plans (no allocation) and give the same values as
// the Model; concurrent Model.Run calls are safe.
func TestRunnerPlansAndConcurrency(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "torch", "attention_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	in1 := benchInputs(t, m, "attention", 1)
	in8 := benchInputs(t, m, "attention", 8)
	r, err := m.NewRunner()
	if err != nil {
		t.Fatal(err)
	}
	set := func(in map[string]Tensor) {
		for name, v := range in {
			if err := r.SetInput(name, v.Data, v.Shape); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, in := range []map[string]Tensor{in1, in8} {
		set(in)
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(20, func() {
		set(in1)
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
		set(in8)
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pair of runs", allocs)
	}
	want, err := m.RunEngine(Interpreter, in8)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(r.Output("p"), want["p"].Data); d > 1e-5 {
		t.Errorf("runner differs from the interpreter by %g", d)
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 10; i++ {
				got, err := m.Run(in8)
				if err == nil && maxAbsDiff(got["p"].Data, want["p"].Data) > 1e-5 {
					err = errors.New("concurrent run gave different values")
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// An input declared without a shape is checked at the first call instead of at load time.
func TestUnknownRankInput(t *testing.T) {
	b := mutated(t, func(mp *onnx.ModelProto) { mp.Graph.Input[0].GetType().GetTensorType().Shape = nil })
	m, err := LoadReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Inputs()[0].Shape; s != nil {
		t.Errorf("shape %v, want nil", s)
	}
	if _, err := m.Run(map[string]Tensor{"x": {Shape: []int{2, 16}, Data: make([]float32, 32)}}); err != nil {
		t.Error(err)
	}
	if _, err := m.Run(map[string]Tensor{"x": {Shape: []int{2, 15}, Data: make([]float32, 30)}}); !errors.Is(err, ErrInput) {
		t.Errorf("wrong width: %v, want ErrInput", err)
	}
}
