package benchmarks

import "syscall"

// childProcAttr makes the kernel kill a run's child when the sweep dies, even
// by SIGKILL, so a resumed sweep never competes with an orphan for the cores.
// Pdeathsig fires when the thread that started the child exits; Go keeps its
// threads for the life of the process unless a goroutine locked to one ends,
// which the sweep never does.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
