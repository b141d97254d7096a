// Package jssp builds job-shop schedules by dispatching in the constraint-programming
// environment of Tassel, Gebser and Schekotihin ("An End-to-End Reinforcement
// Learning Approach for Job-Shop Scheduling Problems Based on Constraint
// Programming", ICAPS 2023), reproduced exactly: Env is the environment
// (interval start domains, precedences, a NoOverlap per machine, chronological
// decisions with No-Op), Observation what a policy sees, Rule the textbook
// dispatching rules, Network the authors' policy architecture (pure Go, or as an
// ONNX graph through nnsurrogate), and Solve the greedy or best-of-K sampled
// decoding with the shared Settings/Result conventions. Method MCTS builds
// the start instead by a policy-guided tree search on package mcts (the
// policy's priors, rule rollouts, the best schedule of any rollout kept).
//
// The forward pass is float32 code. On amd64 its matrix-vector products and
// feed-forward accumulations run in SSE assembly (the amd64 baseline) doing the
// same float32 operations in the same order as their portable Go forms, which
// other architectures run; a test checks that both agree bit for bit. Where the
// compiler fuses multiply-adds in the rest of the pass (GOAMD64=v3, arm64) the
// logits differ from a default amd64 build in the last bits, so sampled
// schedules may differ for the same seed.
package jssp
