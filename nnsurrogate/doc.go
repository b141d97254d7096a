// Package nnsurrogate runs, trains and writes the small neural networks that guide the solvers.
//
// A Model is read from ONNX (default-domain opsets 13–18, float32 weights, int64/bool inputs as
// torch.onnx.export writes them) and checked when loaded: unsupported operators, opsets and
// element types, dangling names, malformed tensors and non-finite weights are reported then,
// not at the first call. SupportedOps lists the operators.
//
// Two engines run a Model. The fast path plans the graph once per combination of input shapes
// (shape arithmetic such as Shape→Gather→Concat→Reshape is folded then, weights are
// pre-transposed) and runs a list of kernels over preallocated buffers: a Runner call allocates
// nothing. The interpreter is gonnx with this package's kernels supplied for the operators it
// lacks; it serves as the cross-check of the fast path.
//
// Network builds and trains small graphs in Go (dense, ReLU, tanh, embedding, layer norm,
// residual sums, sum/mean pooling over a set, single-head attention with a key mask,
// concatenation) with Adam, MSE, softmax cross-entropy or policy-gradient losses, and writes
// them back to ONNX opset 13. BlockGraph views a model or network as Dense/ReLU/SumPool/Concat
// blocks, the form a MILP encoding needs.
package nnsurrogate
