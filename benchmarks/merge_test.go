package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMergeAgainstTheSpec(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	tasks := spec.Tasks("") // set.txt#0..2 × config a × seeds 1, 2
	line := func(idx, seed int, extra string) string {
		return fmt.Sprintf(`{"source":"set.txt#%d","config":"a","seed":%d%s}`+"\n", idx, seed, extra)
	}
	ok := func(idx, seed int) string { return line(idx, seed, `,"objective":1`) }
	failed := func(idx, seed int) string { return line(idx, seed, `,"error":"boom"`) }
	cases := []struct {
		name       string
		files      []string
		order      []string // kept lines, as source/seed
		missing    []string
		failed     []string
		duplicates int
		foreign    []string
		complete   bool
	}{
		{
			name: "shards in any order", complete: true,
			files: []string{ok(1, 2) + ok(0, 1) + ok(2, 1), ok(2, 2) + ok(0, 2) + ok(1, 1)},
			order: []string{"0/1", "0/2", "1/1", "1/2", "2/1", "2/2"},
		},
		{
			name:    "a shard missing",
			files:   []string{ok(0, 1) + ok(1, 1) + ok(2, 1)},
			order:   []string{"0/1", "1/1", "2/1"},
			missing: []string{"set.txt#0|a|2", "set.txt#1|a|2", "set.txt#2|a|2"},
		},
		{
			name: "a retried failure counts once, whichever file holds it", complete: true,
			files: []string{ok(0, 1) + ok(0, 2) + ok(1, 1) + ok(1, 2) + ok(2, 1), failed(2, 2), ok(2, 2)},
			order: []string{"0/1", "0/2", "1/1", "1/2", "2/1", "2/2"},
		},
		{
			name:   "only failures",
			files:  []string{ok(0, 1) + ok(0, 2) + ok(1, 1) + ok(1, 2) + ok(2, 1) + failed(2, 2) + failed(2, 2)},
			order:  []string{"0/1", "0/2", "1/1", "1/2", "2/1", "2/2"},
			failed: []string{"set.txt#2|a|2"},
		},
		{
			name:       "a run in two shards",
			files:      []string{ok(0, 1) + ok(0, 2) + ok(1, 1), ok(1, 2) + ok(2, 1) + ok(2, 2) + ok(0, 1)},
			order:      []string{"0/1", "0/2", "1/1", "1/2", "2/1", "2/2"},
			duplicates: 1,
		},
		{
			name: "runs outside the spec", complete: true,
			files:   []string{ok(0, 1) + ok(0, 2) + ok(1, 1) + ok(1, 2) + ok(2, 1) + ok(2, 2) + ok(7, 1)},
			order:   []string{"0/1", "0/2", "1/1", "1/2", "2/1", "2/2", "7/1"},
			foreign: []string{"set.txt#7|a|1"},
		},
	}
	for _, c := range cases {
		var inputs []Input
		for i, f := range c.files {
			inputs = append(inputs, Input{Name: fmt.Sprint("f", i), Reader: strings.NewReader(f)})
		}
		m, err := Merge(inputs, tasks)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var order []string
		for _, l := range m.Lines {
			src := l.Row["source"].(string)
			order = append(order, fmt.Sprintf("%s/%v", src[len(src)-1:], l.Row["seed"]))
		}
		if !reflect.DeepEqual(order, c.order) || !reflect.DeepEqual(m.Missing, c.missing) || !reflect.DeepEqual(m.Failed, c.failed) ||
			len(m.Duplicates) != c.duplicates || !reflect.DeepEqual(m.Foreign, c.foreign) || m.Complete() != c.complete || m.Runs != 6 {
			t.Errorf("%s: order %v missing %v failed %v duplicates %v foreign %v complete %v",
				c.name, order, m.Missing, m.Failed, m.Duplicates, m.Foreign, m.Complete())
		}
	}
}

func TestMergeSaysWhere(t *testing.T) {
	dup := `{"source":"s","config":"c","seed":1,"objective":1}` + "\n"
	m, err := Merge([]Input{{Name: "a.jsonl", Reader: strings.NewReader(dup)}, {Name: "b.jsonl", Reader: strings.NewReader("\n" + dup)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var msg bytes.Buffer
	m.WriteCheck(&msg, 10)
	if m.Complete() || !strings.Contains(msg.String(), "s config c seed 1 at a.jsonl:1, b.jsonl:2") {
		t.Fatalf("duplicate report:\n%s", msg.String())
	}
	_, err = Merge([]Input{{Name: "ok.jsonl", Reader: strings.NewReader(dup)}, {Name: "bad.jsonl", Reader: strings.NewReader(dup + "{oops\n")}}, nil)
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "bad.jsonl:2:") {
		t.Fatalf("a broken line: %v, want bad.jsonl:2", err)
	}
}

// The files of a sharded sweep merge into what one machine would have written.
func TestShardsMergeIntoTheSingleMachineFile(t *testing.T) {
	spec, _ := LoadSpec(writeSpec(t, threeInstanceSpec), "")
	tasks := spec.Tasks("")
	dir := t.TempDir()
	single := filepath.Join(dir, "single.jsonl")
	if _, err := (&Sweep{Tasks: tasks, Out: single}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for i := 3; i >= 0; i-- {
		out := filepath.Join(dir, Shard{Index: i, Count: 4}.FileName("three"))
		if _, err := (&Sweep{Tasks: tasks, Out: out, Shard: i, Shards: 4}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(out)
		files = append(files, data)
	}
	inputs := func() []Input {
		var in []Input
		for i, data := range files {
			in = append(in, Input{Name: filepath.Join(dir, Shard{Index: 3 - i, Count: 4}.FileName("three")), Reader: bytes.NewReader(data)})
		}
		return in
	}
	m, err := Merge(inputs(), tasks)
	if err != nil || !m.Complete() {
		t.Fatalf("merge: %v, %+v", err, m)
	}
	var merged bytes.Buffer
	m.WriteTo(&merged)
	want, _ := os.ReadFile(single)
	// time_s and cpu_s are measured, so compare everything else.
	strip := func(b []byte) []map[string]any {
		rows, err := ReadLines(bytes.NewReader(b), "x")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			delete(r, "time_s")
			delete(r, "cpu_s")
		}
		return rows
	}
	if got, want := strip(merged.Bytes()), strip(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged shards:\n%v\nsingle machine:\n%v", got, want)
	}
	// Without the spec, the shards' default names give the same order.
	blind, err := Merge(inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	merged.Reset()
	blind.WriteTo(&merged)
	if got, want := strip(merged.Bytes()), strip(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("shards merged without the spec:\n%v\nsingle machine:\n%v", got, want)
	}
}
