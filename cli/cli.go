package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

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
// programStart is when the program started, set by Main; a time limit runs
// from it. Zero under Run alone (tests, embedding), where it runs from the
// command's start.
var programStart time.Time

// initTime approximates the start where the system cannot tell it.
var initTime = time.Now()

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
	root := &ucli.Command{
		Name:    "cosolve",
		Usage:   "combinatorial and robust optimisation solvers: TSP, job shop, two-stage robust",
		Version: Version,
		Description: "Examples:\n" +
			"   cosolve gen tsp --n 1000 --seed 1 | cosolve tsp solve - --time-limit 5\n" +
			"   cosolve jssp solve ta01 --time-limit 30 --gantt ta01.svg\n" +
			"   cosolve tsp solve gr666.tsp --out gr666.tour && cosolve check gr666.tsp gr666.tour\n\n" +
			"Bare instance names (gr666.tsp, ta01, RKP_UN_n40_…) are looked up in the benchmark data.\n" +
			"Shell completion: source <(cosolve completion bash)   (or zsh, fish, pwsh).",
		Writer:                stdout,
		ErrWriter:             stderr,
		Commands:              cmds,
		ExitErrHandler:        func(context.Context, *ucli.Command, error) {},
		EnableShellCompletion: true,
	}
	prepare(root)
	return root
}

// prepare gives every command the same usage-error handling (one message,
// exit 2, with a "did you mean" for a mistyped flag) and every group of
// commands an action that names a mistyped subcommand and suggests the nearest.
func prepare(cmd *ucli.Command) {
	cmd.OnUsageError = onUsageError
	cmd.Suggest = true
	if len(cmd.Commands) > 0 && cmd.Action == nil {
		cmd.Action = groupAction
	}
	for _, sub := range cmd.Commands {
		prepare(sub)
	}
}

func onUsageError(_ context.Context, cmd *ucli.Command, err error, _ bool) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		msg = fmt.Sprintf("%sunknown flag --%s", cmdPrefix(cmd), name)
		if s := ucli.SuggestFlag(cmd.Flags, name, false); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	} else {
		msg = cmdPrefix(cmd) + msg
	}
	return &exitError{code: ExitUsage, err: errors.New(msg)}
}

// groupAction runs for a group (cosolve, cosolve tsp, …) given no known
// subcommand: help without arguments, else an error with a suggestion.
func groupAction(_ context.Context, cmd *ucli.Command) error {
	if cmd.Args().Len() == 0 {
		if cmd.Root() == cmd {
			return ucli.ShowRootCommandHelp(cmd)
		}
		return ucli.ShowSubcommandHelp(cmd)
	}
	name := cmd.Args().First()
	msg := fmt.Sprintf("%sunknown command %q", cmdPrefix(cmd), name)
	var names []string
	for _, c := range cmd.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	if s := nearest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return usageErr("%s; see %s --help", msg, cmd.FullName())
}

// cmdPrefix is "tsp solve: " for a subcommand, "" for the root: messages are
// printed after "cosolve: ".
func cmdPrefix(cmd *ucli.Command) string {
	if cmd.Root() == cmd {
		return ""
	}
	return strings.TrimPrefix(cmd.FullName(), cmd.Root().Name+" ") + ": "
}

// nearest is the candidate closest to s in edit distance, if it is close
// enough to be a typo (at most a third of the letters wrong).
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, counting a swap of neighbours
// ("sovle") as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Run executes the command line and returns the process exit code; errors are
// printed to stderr as one line, "cosolve: …".
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	app.Reader = stdin
	err := app.Run(ctx, args)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "cosolve: %s\n", errorText(err))
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

// errorText is the message of err without the classification sentinels'
// text ("bad input: "), which the exit code already says, so that every
// command's errors read alike.
func errorText(err error) string {
	return strings.ReplaceAll(err.Error(), benchmarks.ErrBadInput.Error()+": ", "")
}

// Main is the whole of cmd/cosolve.
func Main() int {
	programStart = processStarted()
	ctx, stop := signalContext()
	defer stop()
	return Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
}
