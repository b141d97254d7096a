package instances

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadSchedule(t *testing.T) {
	tests := []struct {
		name, in string
		want     *Schedule
	}{
		{"plain", `{"instance": "ft06", "objective": 55, "starts": [[0, 1], [2]]}`, &Schedule{Instance: "ft06", Objective: 55, Starts: [][]int{{0, 1}, {2}}}},
		{"no_instance", `{"objective": 0, "starts": []}`, &Schedule{Objective: 0, Starts: [][]int{}}},
		{"envelope", "{\n \"instance\": \"ta01\", \"kind\": \"jssp\", \"objective\": 7, \"bound\": null,\n \"status\": \"feasible\", \"stats\": {\"iterations\": 3}, \"starts\": [[0, 3]]\n}\n\n",
			&Schedule{Instance: "ta01", Objective: 7, Starts: [][]int{{0, 3}}}},
		{"integral_exponent_free", `{"objective": 12, "starts": [[10, 0]]}`, &Schedule{Objective: 12, Starts: [][]int{{10, 0}}}},
		{"byte_order_mark", "\ufeff{\"objective\": 3, \"starts\": [[0]]}", &Schedule{Objective: 3, Starts: [][]int{{0}}}},
		// Well-formed but infeasible: the checker's verdict, not a reading error.
		{"negative_start", `{"objective": 3, "starts": [[0], [4, -1]]}`, &Schedule{Objective: 3, Starts: [][]int{{0}, {4, -1}}}},
		{"negative_objective", `{"objective": -3, "starts": [[0]]}`, &Schedule{Objective: -3, Starts: [][]int{{0}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadSchedule(strings.NewReader(tc.in), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReadScheduleErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty: invalid solution: empty input"},
		{"blank", "  \n", "blank: invalid solution: empty input"},
		{"syntax", "{\n\"objective\": 3,\n\"starts\": [[0 1]]}", "syntax:3: invalid solution: malformed JSON"},
		{"truncated", "{\"objective\": 3,\n\"starts\": [[0, 1]", "truncated:2: invalid solution: truncated JSON"},
		{"fraction", "{\"objective\": 3,\n\"starts\": [[0, 1.5]]}", "fraction:2: invalid solution: starts: number 1.5 is not a int"},
		{"exponent", `{"objective": 3, "starts": [[1e3]]}`, "exponent:1: invalid solution: starts: number 1e3 is not a int"},
		{"string_start", `{"objective": 3, "starts": [["1"]]}`, `string_start:1: invalid solution: starts: string is not a int`},
		{"string_objective", `{"objective": "3", "starts": [[1]]}`, `string_objective:1: invalid solution: objective: string is not a int`},
		{"huge", `{"objective": 3, "starts": [[99999999999999999999]]}`, "huge:1: invalid solution: starts: number 99999999999999999999 is not a int"},
		{"flat", `{"objective": 3, "starts": [1, 2]}`, "flat:1: invalid solution: starts: number is not a []int"},
		{"array", `[1, 2]`, "array:1: invalid solution: the document: array is not a instances.scheduleFile"},
		{"no_starts", `{"objective": 3}`, `no_starts: invalid solution: no "starts"`},
		{"null_starts", `{"objective": 3, "starts": null}`, `null_starts: invalid solution: no "starts"`},
		{"no_objective", `{"starts": [[0]]}`, `no_objective: invalid solution: no "objective"`},
		{"extra", "{\"objective\": 3, \"starts\": [[0]]}\n{}", "extra:2: invalid solution: extra data after the JSON object"},
		{"garbage_after", `{"objective": 3, "starts": [[0]]} x`, "garbage_after:1: invalid solution: extra data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadSchedule(strings.NewReader(tc.in), tc.name)
			if err == nil {
				t.Fatalf("accepted %+v", s)
			}
			if !errors.Is(err, ErrInvalidSolution) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q wrapping ErrInvalidSolution", err, tc.want)
			}
		})
	}
}

func TestWriteScheduleRoundTrip(t *testing.T) {
	for _, s := range []*Schedule{
		{Instance: "ta01", Objective: 20, Starts: [][]int{{0, 3, 5}, {3, 7, 8}, {12, 16, 19}}},
		{Instance: "needs \"escaping\"\n", Objective: 0, Starts: [][]int{}},
		{Instance: "", Objective: 5, Starts: [][]int{{}, {5}}},
	} {
		var buf bytes.Buffer
		if err := WriteSchedule(&buf, s); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSchedule(&buf, "round trip")
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip: got %+v, want %+v", got, s)
		}
	}
	var buf bytes.Buffer
	WriteSchedule(&buf, &Schedule{Instance: "ta01", Objective: 20, Starts: [][]int{{0, 3}, {3, 7}}})
	want := "{\n  \"instance\": \"ta01\",\n  \"objective\": 20,\n  \"starts\": [\n    [0, 3],\n    [3, 7]\n  ]\n}\n"
	if buf.String() != want {
		t.Errorf("WriteSchedule wrote\n%s\nwant\n%s", buf.String(), want)
	}
}

// A negative start is an invalid solution (the check command's exit 1), reported
// by the checker with the operation, not a malformed file (exit 2).
func TestNegativeStartIsAViolation(t *testing.T) {
	js := &JobShop{Name: "two", Machines: 2, Jobs: [][]Operation{ops(0, 3, 1, 2), ops(1, 4, 0, 1)}}
	s, err := ReadSchedule(strings.NewReader(`{"objective": 6, "starts": [[-1, 4], [0, 4]]}`), "neg.json")
	if err != nil {
		t.Fatalf("reader: %v", err)
	}
	_, err = s.Check(js)
	var v *ScheduleViolation
	if !errors.As(err, &v) || v.Kind != ViolationNegativeStart || v.Job != 0 || v.Op != 0 || !errors.Is(err, ErrInvalidSolution) {
		t.Errorf("Check: %v, want a negative-start violation of job 0 operation 0", err)
	}
}
