// Command cosolve solves TSP, job-shop and two-stage robust instances, checks
// solutions and runs benchmark sweeps. `cosolve --help` lists the commands.
package main

import (
	"os"

	"github.com/cosolve/cosolve/cli"
)

func main() { os.Exit(cli.Main()) }
