package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	ucli "github.com/urfave/cli/v3"
)

func init() {
	register(versionCommand)
	// `cosolve --version` and `cosolve version` print the same line.
	ucli.VersionPrinter = func(cmd *ucli.Command) { fmt.Fprintln(cmd.Root().Writer, versionLine()) }
}

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "version",
		Usage:     "print the cosolve version, the commit it was built from and the Go version",
		UsageText: "cosolve version   (the same as cosolve --version)",
		Action: func(_ context.Context, cmd *ucli.Command) error {
			_, err := fmt.Fprintln(cmd.Root().Writer, versionLine())
			return err
		},
	}
}

// versionLine is "cosolve 0.1.0-dev (commit 67ce89b1a2c3, modified, go1.26.8)";
// the commit comes from the build information Go records when it builds
// inside a git checkout, and is absent otherwise (go run, go test,
// GOFLAGS=-buildvcs=false, which some build environments set).
func versionLine() string {
	return versionFrom(debug.ReadBuildInfo())
}

func versionFrom(info *debug.BuildInfo, ok bool) string {
	line := "cosolve " + Version
	var rev, modified string
	if ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
	}
	if rev != "" {
		return fmt.Sprintf("%s (commit %.12s%s, %s)", line, rev, modified, runtime.Version())
	}
	return fmt.Sprintf("%s (commit unknown: the build carries no version control information, as with go run, go test or -buildvcs=false; %s)", line, runtime.Version())
}
