package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/nnsurrogate"
)

func init() { register(modelCommand) }

func modelCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "model",
		Usage: "inspect and run ONNX models (opset 13–18, float32) with the built-in engines",
		Commands: []*ucli.Command{
			{
				Name:      "info",
				Usage:     "inputs, outputs, operators, parameter count and the engines that run the model",
				ArgsUsage: "FILE.onnx",
				UsageText: "cosolve model info tassel.onnx\n   cosolve model info tassel.onnx --json",
				Flags:     []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print one JSON object"}},
				Action:    modelInfo,
			},
			{
				Name:      "run",
				Usage:     "evaluate the model on inputs given as JSON and print the outputs as JSON",
				ArgsUsage: "FILE.onnx",
				UsageText: "cosolve model run tassel.onnx --input in.json\n" +
					"   in.json maps each input name to {\"shape\": [...], \"data\": [...]} (row-major;\n" +
					"   booleans and integers as numbers); outputs are printed in the same form.",
				Flags: []ucli.Flag{
					&ucli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "JSON inputs `FILE` (- for stdin)", Required: true},
					&ucli.StringFlag{Name: "engine", Value: "auto", Usage: "auto, fast or interpreter"},
					&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "write the outputs to `FILE`"},
				},
				Action: modelRun,
			},
		},
	}
}

func loadModel(stdin io.Reader, cmd *ucli.Command) (*nnsurrogate.Model, string, error) {
	if cmd.Args().Len() != 1 {
		return nil, "", usageErr("model %s: want exactly one FILE.onnx (or - for stdin)", cmd.Name)
	}
	data, name, err := readInput(stdin, cmd.Args().First(), maxModelBytes, "model")
	if err != nil {
		return nil, name, err
	}
	m, err := nnsurrogate.LoadReader(bytes.NewReader(data))
	if err != nil {
		return nil, name, badInput(fmt.Errorf("%s: %w", name, err))
	}
	return m, name, nil
}

type modelValue struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
}

func modelInfo(_ context.Context, cmd *ucli.Command) error {
	m, name, err := loadModel(cmd.Root().Reader, cmd)
	if err != nil {
		return err
	}
	fastErr, interpErr := m.EngineStatus()
	engine := func(err error) string {
		if err != nil {
			return "no: " + err.Error()
		}
		return "yes"
	}
	var ins, outs []modelValue
	for _, v := range m.Inputs() {
		ins = append(ins, modelValue(v))
	}
	for _, v := range m.Outputs() {
		outs = append(outs, modelValue(v))
	}
	info := map[string]any{
		"file": name, "opset": m.Opset(), "inputs": ins, "outputs": outs, "ops": m.OpCounts(),
		"stored_floats": m.NumParams(), "fast_path": engine(fastErr), "interpreter": engine(interpErr),
	}
	w := cmd.Root().Writer
	if cmd.Bool("json") {
		return json.NewEncoder(w).Encode(info)
	}
	fmt.Fprintf(w, "%s  opset %d  %d stored float32 values (weights, buffers and constants)\n", name, m.Opset(), m.NumParams())
	shape := func(s []int) string {
		p := make([]string, len(s))
		for i, d := range s {
			p[i] = fmt.Sprint(d)
			if d < 0 {
				p[i] = "?"
			}
		}
		return "[" + strings.Join(p, ", ") + "]"
	}
	for _, v := range ins {
		fmt.Fprintf(w, "input   %-12s %-8s %s\n", v.Name, v.DType, shape(v.Shape))
	}
	for _, v := range outs {
		fmt.Fprintf(w, "output  %-12s %-8s %s\n", v.Name, v.DType, shape(v.Shape))
	}
	ops := m.OpCounts()
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, ops[k])
	}
	fmt.Fprintf(w, "ops     %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "engines fast path: %s; interpreter (gonnx): %s\n", engine(fastErr), engine(interpErr))
	return nil
}

func modelRun(_ context.Context, cmd *ucli.Command) error {
	m, _, err := loadModel(cmd.Root().Reader, cmd)
	if err != nil {
		return err
	}
	var e nnsurrogate.Engine
	switch cmd.String("engine") {
	case "auto":
		e = nnsurrogate.Auto
	case "fast":
		e = nnsurrogate.Fast
	case "interpreter":
		e = nnsurrogate.Interpreter
	default:
		return usageErr("model run: --engine must be auto, fast or interpreter, not %q", cmd.String("engine"))
	}
	data, inName, err := readInput(cmd.Root().Reader, cmd.String("input"), maxModelBytes, "model input")
	if err != nil {
		return err
	}
	var in map[string]nnsurrogate.Tensor
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badInput(fmt.Errorf("%s: %w", inName, err))
	}
	out, err := m.RunEngine(e, in)
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", inName, err))
	}
	return writeFileAtomic(cmd.Root().Writer, cmd.String("out"), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(jsonTensors(out))
	})
}

// jsonTensors writes non-finite values (masked logits are -Inf) as the strings "Infinity",
// "-Infinity" and "NaN", which JSON numbers cannot express.
func jsonTensors(ts map[string]nnsurrogate.Tensor) map[string]any {
	out := make(map[string]any, len(ts))
	for name, t := range ts {
		data := make([]any, len(t.Data))
		for i, v := range t.Data {
			f := float64(v)
			switch {
			case math.IsNaN(f):
				data[i] = "NaN"
			case math.IsInf(f, 1):
				data[i] = "Infinity"
			case math.IsInf(f, -1):
				data[i] = "-Infinity"
			default:
				data[i] = v
			}
		}
		out[name] = map[string]any{"shape": t.Shape, "data": data}
	}
	return out
}
