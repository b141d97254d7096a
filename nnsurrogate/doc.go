// Package nnsurrogate runs, trains and writes the small neural networks that guide the solvers.
//
// A Model is read from ONNX (opsets 13–18, float32 weights, as torch.onnx.export writes them) and
// checked when loaded: unsupported operators, opsets or element types and non-finite weights are
// reported then, not at the first call. Two engines run it: a compiled fast path (shapes are
// planned once per input shape, buffers are preallocated and a Runner call allocates nothing) and
// the gonnx interpreter, extended with the operators it lacks, which serves as the cross-check.
//
// Network trains small feed-forward graphs in Go (dense, ReLU, tanh, embedding, layer norm, set
// pooling, single-head masked attention, concatenation) with Adam, and writes them back to ONNX
// opset 13. Blocks views a network as Dense/ReLU/SumPool/Concat blocks for MILP encodings.
package nnsurrogate
