package instances

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzReadJobShop(f *testing.F) {
	for _, seed := range []string{
		"2 2\n0 5 1 3\n1 2 0 4\n",
		"# JSPLIB header\n3 3\n0 3\t1 2\t2 2  \n\n0 2 2 1 1 4\n# c\n1 4 2 3 0 1\n",
		"2 2\r\n0 5 1 3\r\n1 2 0 0\r\n",
		"3 4\n0 5 1 2 0 1 -1 -1\n3 7 -1 -1\n2 1 2 2 1 3 0 4 3 1 -1 -1\n",
		"4 3\n2 5 0 1\n0 3 0 4 1 1 2 2\n1 6\n2 2 1 1 0 3 0 2\n",
		"1000000000000 1000000000000\n0 1\n",
		"3 2\n0 1 1 1\n1 1\n",
		"1 1\n0 -1\n", "1 1\n0 99999999999\n", "2 2\n0 1 1 1\n1 1 0\n", "", "x", "1 1\n0 1\n0 1\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := ReadJobShop(bytes.NewReader(data), "fuzz.txt")
		if err != nil {
			return
		}
		if err := js.Validate(); err != nil {
			t.Fatalf("accepted an invalid instance: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteJobShop(&buf, js); err != nil {
			t.Fatal(err)
		}
		back, err := ReadJobShop(&buf, "fuzz.txt")
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(back, js) {
			t.Fatalf("round trip changed the instance: %+v vs %+v", back, js)
		}
		if auto, err := ReadJobShopAuto(bytes.NewReader(data), "fuzz.txt", 0); err != nil || !reflect.DeepEqual(auto, js) {
			t.Fatalf("ReadJobShopAuto disagrees: %v", err)
		}
	})
}

func FuzzReadTaillard(f *testing.F) {
	const title = "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
	for _, seed := range []string{
		title + "2 3 12345 67890 20 15\nTimes\n4 2 7\n3 5 1\nMachines\n1 2 3\n3 1 2\n",
		title + "2 3 12345 67890 20 15\r\nTimes\r\n4 2 7\r\n3 5 1\r\nMachines\r\n1 2 3\r\n3 1 2\r\n" + title + "1 1 1 1 0 0\nTimes\n5\nMachines\n1\n",
		title + "        15        15  840612802  398197754      1231      1005\nTimes\n1\n",
		title + "1000000000000 1000000000000 1 1 0 0\nTimes\n1 2\n",
		title + "1 1 4294967296 1 0 0\n",
		title + "1 2 1 1 0 0\nTimes\n1 2\nMachines\n0 1\n",
		"", "Nb of\n", "Times\n",
	} {
		f.Add([]byte(seed), 0)
		f.Add([]byte(seed), 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		js, hdr, err := ReadTaillard(bytes.NewReader(data), "fuzz.txt", index)
		if err != nil {
			return
		}
		if err := js.Validate(); err != nil {
			t.Fatalf("accepted an invalid instance: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteTaillard(&buf, js, hdr); err != nil {
			t.Fatal(err)
		}
		back, backHdr, err := ReadTaillard(&buf, "fuzz.txt", 0)
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(back.Jobs, js.Jobs) || back.Machines != js.Machines || backHdr != hdr {
			t.Fatalf("round trip changed the instance")
		}
		if auto, err := ReadJobShopAuto(bytes.NewReader(data), "fuzz.txt", index); err != nil || !reflect.DeepEqual(auto, js) {
			t.Fatalf("ReadJobShopAuto disagrees: %v", err)
		}
	})
}

func FuzzReadSchedule(f *testing.F) {
	for _, seed := range []string{
		`{"instance": "ft06", "objective": 55, "starts": [[0, 1], [2]]}`,
		`{"objective": 0, "starts": []}`,
		`{"instance": "ta01", "kind": "jssp", "objective": 7, "bound": null, "stats": {"n": 3}, "starts": [[0, 3], null]}`,
		`{"objective": 3, "starts": [[0, 1.5]]}`,
		`{"objective": -3, "starts": [[0]]}`,
		`{"objective": 3, "starts": [[0]]} {}`,
		`{"objective": 3, "starts": [[99999999999999999999]]}`,
		`[1, 2]`, ``, `{`, `{"objective": 3}`,
	} {
		f.Add([]byte(seed))
	}
	js := &JobShop{Name: "f", Machines: 2, Jobs: [][]Operation{ops(0, 5, 1, 3), ops(1, 2, 0, 4)}}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSchedule(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		for j, row := range s.Starts {
			if row == nil {
				s.Starts[j] = []int{} // written and read back as []
			}
		}
		var buf bytes.Buffer
		if err := WriteSchedule(&buf, s); err != nil {
			t.Fatal(err)
		}
		back, err := ReadSchedule(&buf, "fuzz.json")
		if err != nil {
			t.Fatalf("cannot read back what was written: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip changed the schedule: %+v vs %+v", back, s)
		}
		// Whatever was read, checking it must not panic.
		s.Check(js)
	})
}
