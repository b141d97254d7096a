package cli

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// processStarted is when the kernel started this process, so that
// --time-limit counts the program's own start-up (loading, initialising the
// packages) as the wall-clock limit it promises. /proc gives the age in clock
// ticks of 10 ms; the earlier of that and the package's init time is used.
func processStarted() time.Time {
	stat, err1 := os.ReadFile("/proc/self/stat")
	uptime, err2 := os.ReadFile("/proc/uptime")
	if err1 != nil || err2 != nil {
		return initTime
	}
	// Fields after the parenthesised command name; starttime is field 22.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	up := strings.Fields(string(uptime))
	if len(fields) < 20 || len(up) < 1 {
		return initTime
	}
	ticks, err1 := strconv.ParseFloat(fields[19], 64)
	now, err2 := strconv.ParseFloat(up[0], 64)
	if err1 != nil || err2 != nil {
		return initTime
	}
	const ticksPerSecond = 100 // USER_HZ, fixed on Linux
	age := time.Duration((now - ticks/ticksPerSecond) * float64(time.Second))
	if age < 0 || age > time.Since(initTime)+time.Second {
		return initTime
	}
	if started := time.Now().Add(-age); started.Before(initTime) {
		return started
	}
	return initTime
}
