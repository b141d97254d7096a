package instances

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cosolve/cosolve/internal/datadirtest"
)

func ops(pairs ...int) []Operation {
	out := make([]Operation, len(pairs)/2)
	for i := range out {
		out[i] = Operation{Machine: pairs[2*i], Duration: pairs[2*i+1]}
	}
	return out
}

func TestReadJobShop(t *testing.T) {
	tests := []struct {
		name, in string
		want     *JobShop
	}{
		{"plain.txt", "2 2\n0 5 1 3\n1 2 0 4\n", &JobShop{Name: "plain", Machines: 2, Jobs: [][]Operation{ops(0, 5, 1, 3), ops(1, 2, 0, 4)}}},
		{"dir/crlf_tabs", "# header\r\n\r\n2\t2 \r\n0\t5\t1 3  \r\n# between\r\n\t1 2 0 0\r\n\r\n", &JobShop{Name: "crlf_tabs", Machines: 2, Jobs: [][]Operation{ops(0, 5, 1, 3), ops(1, 2, 0, 0)}}},
		{"no_final_newline", "1 1\n0 7", &JobShop{Name: "no_final_newline", Machines: 1, Jobs: [][]Operation{ops(0, 7)}}},
		{"dct.txt", "2 2\n0 5 1 3 0 1 -1 -1\n1 2 -1 -1\n", &JobShop{Name: "dct", Machines: 2, Jobs: [][]Operation{ops(0, 5, 1, 3, 0, 1), ops(1, 2)}}},
		{"variable", "3 3\n0 5 1 3\n1 2 1 2 2 1 0 1\n2 8\n", &JobShop{Name: "variable", Machines: 3, Jobs: [][]Operation{ops(0, 5, 1, 3), ops(1, 2, 1, 2, 2, 1, 0, 1), ops(2, 8)}}},
		{"first_job_not_permutation", "2 2\n0 5 0 3\n1 2\n", &JobShop{Name: "first_job_not_permutation", Machines: 2, Jobs: [][]Operation{ops(0, 5, 0, 3), ops(1, 2)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadJobShop(strings.NewReader(tc.in), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReadJobShopErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // expected "name:line: ... " fragment after the sentinel
	}{
		{"empty", "", "empty:1: invalid instance: empty input"},
		{"only_comments", "# nothing\n\n", "only_comments:3: invalid instance: empty input"},
		{"header_one_field", "3\n0 1\n", "header_one_field:1: invalid instance: header has 1 fields"},
		{"header_three_fields", "3 3 1\n", "header_three_fields:1: invalid instance: header has 3 fields"},
		{"header_word", "3 x\n", `header_word:1: invalid instance: machine count "x" is not an integer`},
		{"zero_jobs", "0 3\n", "zero_jobs:1: invalid instance: 0 jobs and 3 machines"},
		{"negative_machines", "2 -1\n", "negative_machines:1: invalid instance: 2 jobs and -1 machines"},
		{"truncated", "3 2\n0 1 1 1\n1 1 0 1\n", "truncated:3: invalid instance: truncated: 2 of 3 jobs"},
		{"huge_header", "1000000000000 1000000000000\n0 1\n", "huge_header:1: invalid instance: 1000000000000 jobs and 1000000000000 machines, want 1 to 16777216 of each"},
		{"large_header", "10000000 1\n0 1\n", "large_header:2: invalid instance: truncated: 1 of 10000000 jobs"},
		{"header_overflow", "99999999999999999999999 2\n", `header_overflow:1: invalid instance: job count "99999999999999999999999" is not an integer`},
		{"non_numeric", "2 2\n0 1 1 1\n1 x 0 1\n", `non_numeric:3: invalid instance: job 1 operation 0: duration "x" is not an integer`},
		{"float", "1 1\n0 1.5\n", `float:2: invalid instance: job 0 operation 0: duration "1.5" is not an integer`},
		{"machine_range", "2 2\n0 1 1 1\n1 1 2 1\n", "machine_range:3: invalid instance: job 1 operation 1: machine 2 out of range 0…1"},
		{"machine_negative", "1 2\n0 1 -1 1\n", "machine_negative:2: invalid instance: job 0 operation 1: machine -1 out of range 0…1"},
		{"negative_duration", "1 2\n0 1 1 -4\n", "negative_duration:2: invalid instance: job 0 operation 1: negative duration -4"},
		{"huge_duration", "1 1\n0 4294967296\n", "huge_duration:2: invalid instance: job 0 operation 0: durations sum past 536870911"},
		// Durations near 2^29 made makespans pass 2^30 and broke the improvement search.
		{"durations_sum_too_large", "3 1\n0 268435456\n0 268435455\n0 1\n", "durations_sum_too_large:4: invalid instance: job 2 operation 0: durations sum past 536870911, more than the solvers can schedule"},
		{"garbage", "1 1\n0 \x00\xff" + strings.Repeat("\xfe", 100) + "\n", `garbage:2: invalid instance: job 0 operation 0: duration "\x00\xff\xfe`},
		{"odd_count", "2 2\n0 1 1 1\n1 1 0\n", "odd_count:3: invalid instance: job 1: 3 numbers, want machine/duration pairs"},
		{"short_line_classic", "3 2\n0 1 1 1\n1 1\n0 1 1 1\n", "short_line_classic:3: invalid instance: job 1 has 1 operations, want 2"},
		{"long_line_classic", "2 2\n1 1 0 1\n1 1 0 1 1 1\n", "long_line_classic:3: invalid instance: job 1 has 3 operations, want 2"},
		{"terminator_only", "2 2\n0 1 -1 -1\n-1 -1\n", "terminator_only:3: invalid instance: job 1 has no operations"},
		{"extra_data", "1 1\n0 1\n\n0 1\n", `extra_data:4: invalid instance: extra data after 1 jobs: "0 1"`},
		{"more_machines_than_ops", "1 1000000\n0 1\n", "more_machines_than_ops:1: invalid instance: 1000000 machines but the jobs have only 1 operations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, err := ReadJobShop(strings.NewReader(tc.in), tc.name)
			if err == nil {
				t.Fatalf("accepted %+v", js)
			}
			if !errors.Is(err, ErrInvalidInstance) {
				t.Errorf("error %q does not wrap ErrInvalidInstance", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestReadJobShopTestdata(t *testing.T) {
	tests := []struct {
		file string
		want *JobShop
	}{
		{"tiny3x3.txt", &JobShop{Name: "tiny3x3", Machines: 3, Jobs: [][]Operation{ops(0, 3, 1, 2, 2, 2), ops(0, 2, 2, 1, 1, 4), ops(1, 4, 2, 3, 0, 1)}}},
		{"reentrant_dct.txt", &JobShop{Name: "reentrant_dct", Machines: 4, Jobs: [][]Operation{ops(0, 5, 1, 2, 0, 1), ops(3, 7), ops(2, 1, 2, 2, 1, 3, 0, 4, 3, 1)}}},
		{"variable.txt", &JobShop{Name: "variable", Machines: 3, Jobs: [][]Operation{ops(2, 5, 0, 1), ops(0, 3, 0, 4, 1, 1, 2, 2), ops(1, 6), ops(2, 2, 1, 1, 0, 3, 0, 2)}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := LoadJobShop(filepath.Join("testdata", "jssp", tc.file), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if _, err := LoadJobShop(filepath.Join("testdata", "jssp", tc.file), 1); err == nil || !strings.HasSuffix(err.Error(), "index 1 out of range 0…0") {
				t.Errorf("index 1 of a standard file: %v", err)
			}
		})
	}
}

func TestWriteJobShopRoundTrip(t *testing.T) {
	tests := []*JobShop{
		GenerateJobShop(7, 4, 3),
		{Name: "zero_durations", Machines: 2, Jobs: [][]Operation{ops(0, 0, 1, 0), ops(1, 0, 0, 9)}},
		// The first job visits every machine once but the others do not, so the
		// writer must add terminators for the reader to accept the short jobs.
		{Name: "needs_terminators", Machines: 3, Jobs: [][]Operation{ops(0, 1, 1, 2, 2, 3), ops(2, 4), ops(1, 1, 1, 1, 0, 5, 2, 2)}},
		{Name: "variable", Machines: 3, Jobs: [][]Operation{ops(0, 1, 0, 2), ops(2, 4, 1, 1)}},
	}
	for _, js := range tests {
		t.Run(js.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJobShop(&buf, js); err != nil {
				t.Fatal(err)
			}
			got, err := ReadJobShop(&buf, js.Name+".txt")
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(got, js) {
				t.Fatalf("round trip: got %+v, want %+v", got, js)
			}
		})
	}
	if err := WriteJobShop(&bytes.Buffer{}, &JobShop{Name: "bad", Machines: 1, Jobs: [][]Operation{ops(1, 1)}}); !errors.Is(err, ErrInvalidInstance) {
		t.Errorf("writing an invalid instance: %v", err)
	}
}

func TestReadTaillard(t *testing.T) {
	path := filepath.Join("testdata", "jssp", "tiny_taillard.txt")
	want := []struct {
		js  *JobShop
		hdr TaillardHeader
	}{
		{&JobShop{Name: "tiny_taillard#0", Machines: 3, Jobs: [][]Operation{ops(0, 4, 1, 2, 2, 7), ops(2, 3, 0, 5, 1, 1)}},
			TaillardHeader{Jobs: 2, Machines: 3, TimeSeed: 12345, MachineSeed: 67890, UpperBound: 20, LowerBound: 15}},
		{&JobShop{Name: "tiny_taillard#1", Machines: 2, Jobs: [][]Operation{ops(1, 1, 0, 2), ops(0, 3, 1, 4), ops(1, 5, 0, 6)}},
			TaillardHeader{Jobs: 3, Machines: 2, TimeSeed: 111, MachineSeed: 222, UpperBound: 11, LowerBound: 9}},
	}
	for i, w := range want {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		js, hdr, err := ReadTaillard(f, path, i)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(js, w.js) || hdr != w.hdr {
			t.Errorf("instance %d: got %+v %+v, want %+v %+v", i, js, hdr, w.js, w.hdr)
		}
		auto, err := LoadJobShop(path, i)
		if err != nil || !reflect.DeepEqual(auto, w.js) {
			t.Errorf("LoadJobShop(%d) = %+v, %v", i, auto, err)
		}
		var buf bytes.Buffer
		if err := WriteTaillard(&buf, js, hdr); err != nil {
			t.Fatal(err)
		}
		back, backHdr, err := ReadTaillard(&buf, path, 0)
		if err != nil || !reflect.DeepEqual(back.Jobs, js.Jobs) || backHdr != hdr {
			t.Errorf("round trip %d: %+v %+v %v", i, back, backHdr, err)
		}
	}
	for _, index := range []int{2, 12, -1} {
		_, err := LoadJobShop(path, index)
		if wantMsg := fmt.Sprintf("%s: invalid instance: index %d out of range 0…1", path, index); err == nil || err.Error() != wantMsg {
			t.Errorf("index %d: got %v, want %q", index, err, wantMsg)
		}
	}
	if err := WriteTaillard(&bytes.Buffer{}, &JobShop{Name: "v", Machines: 2, Jobs: [][]Operation{ops(0, 1)}}, TaillardHeader{}); !errors.Is(err, ErrInvalidInstance) {
		t.Errorf("WriteTaillard accepted a job with fewer operations than machines: %v", err)
	}
}

func TestReadTaillardErrors(t *testing.T) {
	const title = "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty:1: invalid instance: empty input"},
		{"no_title", "2 2\n0 1 1 1\n0 1 1 1\n", "no_title:1: invalid instance: want the title line"},
		{"short_header", title + "2 2 1 1 0\n", "short_header:2: invalid instance: instance 0: header has 5 numbers, want 6"},
		{"seed_range", title + "1 1 4294967296 1 0 0\n", "seed_range:2: invalid instance: instance 0: seed 4294967296 does not fit 32 bits"},
		{"no_times", title + "1 1 1 1 0 0\nMachines\n1\n", `no_times:3: invalid instance: instance 0: want "Times", got "Machines"`},
		{"short_row", title + "2 2 1 1 0 0\nTimes\n1 2\n3\n", "short_row:5: invalid instance: instance 0: Times row 1 has 1 numbers, want 2"},
		{"machine_zero", title + "1 2 1 1 0 0\nTimes\n1 2\nMachines\n0 1\n", "machine_zero:6: invalid instance: instance 0: Machines row 0 column 0: 0 out of range 1…2"},
		{"negative_time", title + "1 1 1 1 0 0\nTimes\n-3\nMachines\n1\n", "negative_time:4: invalid instance: instance 0: Times row 0 column 0: -3 out of range 0…536870911"},
		{"times_sum_too_large", title + "2 1 1 1 0 0\nTimes\n536870911\n1\nMachines\n1\n1\n", "times_sum_too_large:5: invalid instance: instance 0: Times row 1 column 0: the times sum past 536870911"},
		{"truncated", title + "2 1 1 1 0 0\nTimes\n1\n2\nMachines\n1\n", "truncated:7: invalid instance: instance 0: truncated: 1 of 2 rows of Machines"},
		{"huge_header", title + "1000000000000 1000000000000 1 1 0 0\nTimes\n1 2\n", "huge_header:2: invalid instance: instance 0: 1000000000000 jobs and 1000000000000 machines, want at least one of each and at most 16777216 operations"},
		{"large_header", title + "1000 1000 1 1 0 0\nTimes\n1 2\n", "large_header:4: invalid instance: instance 0: Times row 0 has 2 numbers, want 1000"},
		{"extra", title + "1 1 1 1 0 0\nTimes\n1\nMachines\n1\n7\n", "extra:7: invalid instance: extra data after instance 0"},
		{"word", title + "1 1 1 1 0 0\nTimes\nx\nMachines\n1\n", `word:4: invalid instance: instance 0: Times row 0 column 0: "x" is not an integer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, _, err := ReadTaillard(strings.NewReader(tc.in), tc.name, 0)
			if err == nil {
				t.Fatalf("accepted %+v", js)
			}
			if !errors.Is(err, ErrInvalidInstance) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q wrapping ErrInvalidInstance", err, tc.want)
			}
		})
	}
}

// jsspDataFiles lists the instance files of the three standard-format collections.
func jsspDataFiles(t *testing.T) map[string][]string {
	t.Helper()
	root := datadirtest.Path(t, "jssp")
	out := map[string][]string{}
	for _, pattern := range []string{
		"tassel_e2e/instances_run/*",
		"jsplib/instances/*",
		"scheduleopt/instances/text/*/*",
	} {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		out[pattern] = files
	}
	return out
}

// TestBenchmarkFilesParse reads every instance file of the standard-format
// collections, checks the copies of one instance in different collections agree, and
// that each instance has published bounds under its file name.
func TestBenchmarkFilesParse(t *testing.T) {
	collections := jsspDataFiles(t)
	bks, err := LoadBKS(BKSPath(datadirtest.ForTest(t)))
	if err != nil {
		t.Fatal(err)
	}
	wantCount := map[string]int{"tassel_e2e/instances_run/*": 284, "jsplib/instances/*": 162, "scheduleopt/instances/text/*/*": 262}
	byKey := map[string]*JobShop{}
	from := map[string]string{}
	compared := 0
	for pattern, files := range collections {
		if len(files) != wantCount[pattern] && !testing.Short() {
			t.Errorf("%s: %d files, want %d", pattern, len(files), wantCount[pattern])
		}
		for _, path := range files {
			if testing.Short() && strings.Contains(filepath.Base(path), "_j1000_") {
				continue // 100,000 operations each; most of this test's time
			}
			js, err := LoadJobShop(path, 0)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if err := js.Validate(); err != nil {
				t.Errorf("%s: %v", path, err)
			}
			bd, ok := bks.Lookup(js.Name)
			if !ok {
				t.Errorf("%s: no bounds for %q", path, js.Name)
			} else if bd.UpperBound < lowerBoundOf(js) {
				t.Errorf("%s: published makespan %d below the trivial bound %d", path, bd.UpperBound, lowerBoundOf(js))
			}
			key := canonicalJobShopName(js.Name)
			if prev, ok := byKey[key]; ok {
				compared++
				if !reflect.DeepEqual(prev.Jobs, js.Jobs) || prev.Machines != js.Machines {
					t.Errorf("%s differs from %s", path, from[key])
				}
			} else {
				byKey[key], from[key] = js, path
			}
		}
	}
	if compared < 300 {
		t.Errorf("only %d instances found in two collections", compared)
	}
}

// lowerBoundOf is the larger of the longest job and the busiest machine: no schedule
// can be shorter, so a published makespan below it would expose a misread file.
func lowerBoundOf(js *JobShop) int {
	load := make([]int, js.Machines)
	best := 0
	for _, ops := range js.Jobs {
		sum := 0
		for _, op := range ops {
			sum += op.Duration
			load[op.Machine] += op.Duration
		}
		best = max(best, sum)
	}
	for _, l := range load {
		best = max(best, l)
	}
	return best
}

// Validate bounds what the solvers add in 32 bits: an instance built in memory
// with durations near 2^29 is refused as a read one is.
func TestValidateBoundsTotalDuration(t *testing.T) {
	for _, tc := range []struct {
		name string
		durs []int
		ok   bool
	}{
		{"at the limit", []int{MaxTotalDuration - 1, 1}, true},
		{"sum past the limit", []int{1 << 28, 1 << 28}, false},
		{"one duration past the limit", []int{MaxTotalDuration + 1}, false},
		{"near 2^29 each", []int{1<<29 - 1, 1<<29 - 2, 1<<29 - 3}, false},
	} {
		js := &JobShop{Name: tc.name, Machines: 1}
		for _, d := range tc.durs {
			js.Jobs = append(js.Jobs, []Operation{{Machine: 0, Duration: d}})
		}
		if err := js.Validate(); (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrInvalidInstance) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
