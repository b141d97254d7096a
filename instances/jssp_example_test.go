package instances_test

import (
	"fmt"
	"log"

	"github.com/cosolve/cosolve/instances"
)

// Load an instance, then check a schedule built by hand: the jobs one after the
// other, each operation as early as its job and machine allow.
func ExampleLoadJobShop() {
	js, err := instances.LoadJobShop("testdata/jssp/tiny3x3.txt", 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(js.Name, js.NumJobs(), "jobs", js.Machines, "machines")

	starts := [][]int{{0, 3, 5}, {3, 7, 8}, {12, 16, 19}}
	makespan, err := instances.CheckSchedule(js, starts)
	fmt.Println("makespan", makespan, err)

	starts[1][0] = 2 // job 1 now starts on machine 0 before job 0 leaves it
	_, err = instances.CheckSchedule(js, starts)
	fmt.Println(err)
	// Output:
	// tiny3x3 3 jobs 3 machines
	// makespan 20 <nil>
	// invalid solution: overlap: machine 0: job 0 operation 0 [0, 3) overlaps job 1 operation 0 [2, 4)
}
