package cli

import (
	"context"
	"fmt"

	ucli "github.com/urfave/cli/v3"
)

func init() { register(versionCommand) }

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "version",
		Usage:     "print the cosolve version",
		UsageText: "cosolve version",
		Action: func(_ context.Context, cmd *ucli.Command) error {
			_, err := fmt.Fprintf(cmd.Root().Writer, "cosolve %s\n", Version)
			return err
		},
	}
}
