//go:build !linux

package benchmarks

import "syscall"

// childProcAttr: without a parent-death signal, a SIGKILLed sweep's child
// finishes its run on its own (at most twice the time limit plus a minute).
func childProcAttr() *syscall.SysProcAttr { return nil }
