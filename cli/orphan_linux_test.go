package cli

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// asMainEnv makes the test binary behave as the cosolve command (through
// Main, so signals and the time limit's start are the real program's), so a
// test can start real sweeps whose children (`bench one`) are the same binary.
const asMainEnv = "COSOLVE_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		os.Exit(Main())
	}
	os.Exit(m.Run())
}

// killSpec is three three-second runs of generated instances (the data
// directory is not needed): an orphan would outlive the one second
// childrenOf waits for it.
const killSpec = `time_limit = "3s"
seeds = [1]
threads = 1
[[instances]]
generator = "uniform"
n = 200
gen_seeds = [1, 2, 3]
[[configs]]
name = "cosolve"
solver = "tsp"
`

// TestSweepKilledLeavesNoChildren: `bench run` killed by SIGKILL at a random
// moment, round after round, leaves no `bench one` child running (before, the
// child ran out its limit beside the resumed sweep), and the resumed sweeps
// record every run exactly once. COSOLVE_KILL_ROUNDS sets the rounds (3 by
// default).
func TestSweepKilledLeavesNoChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real sweeps")
	}
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("COSOLVE_KILL_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	noEngine(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec, out := filepath.Join(dir, "kill.toml"), filepath.Join(dir, "kill.jsonl")
	if err := os.WriteFile(spec, []byte(killSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	sweep := func() *exec.Cmd {
		cmd := exec.Command(exe, "bench", "run", spec, "--out", out)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		return cmd
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := range rounds {
		cmd := sweep()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Between 0.2 and 3 s: inside the first run, mostly.
		time.Sleep(time.Duration(200+rng.IntN(2800)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if left := childrenOf(exe, time.Second); len(left) > 0 {
			t.Fatalf("round %d: `bench one` still running after the sweep was killed: pids %v", round, left)
		}
	}
	cmd := sweep()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("final resume: %v\n%s", err, errb.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			Source string `json:"source"`
			Config string `json:"config"`
			Seed   uint64 `json:"seed"`
			Error  string `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if e.Error != "" {
			t.Errorf("a failed run was recorded: %s", line)
		}
		seen[e.Source+"|"+e.Config+"|"+strconv.FormatUint(e.Seed, 10)]++
	}
	if len(seen) != 3 {
		t.Errorf("%d distinct runs recorded, want 3:\n%s", len(seen), data)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s recorded %d times", k, n)
		}
	}
}

// childrenOf lists the processes running `exe bench one`, waiting up to wait
// for them to go (the kernel delivers the parent-death signal asynchronously).
func childrenOf(exe string, wait time.Duration) []int {
	deadline := time.Now().Add(wait)
	for {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
			if len(args) >= 3 && args[0] == exe && args[1] == "bench" && args[2] == "one" && !isZombie(pid) {
				pids = append(pids, pid)
			}
		}
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isZombie: a killed child that nobody reaped yet is gone for our purpose.
func isZombie(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] == 'Z'
	}
	return false
}
