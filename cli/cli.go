package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	ucli "github.com/urfave/cli/v3"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/instances"
)

// Version is the cosolve release; the build may override it with -ldflags "-X".
var Version = "0.1.0-dev"

// Exit codes of every command.
const (
	ExitOK      = 0
	ExitInvalid = 1
	ExitUsage   = 2
)

// commandFactories is filled by the init functions of each command's file, so a
// problem's commands live beside nothing but their own code.
var commandFactories []func() *ucli.Command

func register(f func() *ucli.Command) { commandFactories = append(commandFactories, f) }

// exitError carries an exit code through urfave/cli to Run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks bad usage or bad input (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// badInput wraps an error from reading user input (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

// invalid marks an invalid solution or a failed check (exit 1).
func invalid(err error) error { return &exitError{code: ExitInvalid, err: err} }

// NewApp builds the root command writing to stdout and stderr.
func NewApp(stdout, stderr io.Writer) *ucli.Command {
	cmds := make([]*ucli.Command, 0, len(commandFactories))
	for _, f := range commandFactories {
		cmds = append(cmds, f())
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return &ucli.Command{
		Name:    "cosolve",
		Usage:   "combinatorial and robust optimisation solvers: TSP, job shop, two-stage robust",
		Version: Version,
		Description: "Examples:\n" +
			"   cosolve gen tsp --n 1000 --seed 1 | cosolve tsp solve - --time-limit 5s\n" +
			"   cosolve jssp solve ta01.txt --time-limit 30s --gantt ta01.svg\n" +
			"   cosolve check a280.tsp a280.tour",
		Writer:                stdout,
		ErrWriter:             stderr,
		Commands:              cmds,
		HideVersion:           false,
		ExitErrHandler:        func(context.Context, *ucli.Command, error) {},
		EnableShellCompletion: false,
		OnUsageError: func(_ context.Context, _ *ucli.Command, err error, _ bool) error {
			return &exitError{code: ExitUsage, err: err}
		},
	}
}

// Run executes the command line and returns the process exit code; errors are
// printed to stderr as "cosolve: …".
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	app.Reader = stdin
	err := app.Run(ctx, args)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "cosolve: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, instances.ErrInvalidSolution) || errors.Is(err, benchmarks.ErrInvalidResult) {
		return ExitInvalid
	}
	// Everything else — unknown commands and flags, unreadable files — is bad usage
	// or bad input.
	return ExitUsage
}

// Main is the whole of cmd/cosolve.
func Main() int {
	ctx, stop := signalContext()
	defer stop()
	return Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
}
