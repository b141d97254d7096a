// Package heatmap builds edge priors for the TSP on a sparse candidate graph
// (CSR, O(n·k) memory): GT-Prior of Pan et al. (a fixed probability per
// neighbour rank), SoftDist of Xia et al. (softmax of −d/τ over the k nearest),
// and heatmaps made by other tools, read from the dense text format of the
// heatmap + MCTS literature or from a compact sparse format of our own. It also
// finds k-nearest neighbours (grid for planar instances, the distance function
// for GEO and EXPLICIT ones) and picks candidate sets by the reference rule.
//
// ONNXModel runs a learned heatmap from ONNX under a fixed contract: the
// normalised coordinates and each node's ONNXK nearest neighbours in, a logit
// per candidate edge out, turned into row softmaxes. TrainEdgeModel fits such
// a model in Go to good tours; models/tsp-edge.onnx is one.
//
// Alpha is the heatmap of LKH: α-nearness from a Held–Karp subgradient ascent
// on a sparse graph, with the 1-tree lower bound on the tour length certified
// on the complete graph.
package heatmap
