// Package jssp builds job-shop schedules by dispatching in the constraint-programming
// environment of Tassel, Gebser and Schekotihin ("An End-to-End Reinforcement
// Learning Approach for Job-Shop Scheduling Problems Based on Constraint
// Programming", ICAPS 2023), reproduced exactly: Env is the environment
// (interval start domains, precedences, a NoOverlap per machine, chronological
// decisions with No-Op), Observation what a policy sees, Rule the textbook
// dispatching rules, Network the authors' policy architecture (pure Go, or as an
// ONNX graph through nnsurrogate), and Solve the greedy or best-of-K sampled
// decoding with the shared Settings/Result conventions.
//
// The forward pass is scalar float32 code. Built with GOAMD64=v3 the compiler
// fuses its multiply-adds, which makes it about a quarter faster; the logits then
// differ from a default build in the last bits, so sampled schedules of the two
// builds may differ for the same seed.
package jssp
