//go:build !linux

package cli

import "time"

// processStarted is as close to the start of the process as this system
// lets a program see: its package initialisation.
func processStarted() time.Time { return initTime }
