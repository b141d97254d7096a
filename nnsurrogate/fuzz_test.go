package nnsurrogate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadReader feeds arbitrary bytes to the loader; whatever loads must then run (or fail
// cleanly) on both engines with every dynamic dimension set to 2.
func FuzzLoadReader(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "torch", "*.onnx"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x07, 0x3a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		in := map[string]Tensor{}
		for _, vi := range m.Inputs() {
			shape := make([]int, len(vi.Shape))
			n := 1
			for i, d := range vi.Shape {
				if d < 0 {
					d = 2
				}
				shape[i] = d
				n *= d
			}
			if n > 1<<16 {
				return
			}
			in[vi.Name] = Tensor{Shape: shape, Data: make([]float32, n)}
		}
		_, _ = m.RunEngine(Fast, in)
		_, _ = m.RunEngine(Interpreter, in)
	})
}
