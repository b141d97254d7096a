package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"
)

// seconds is a duration flag that also takes a plain number of seconds
// ("--time-limit 2", as LKH's TIME_LIMIT and CP-SAT's max_time_in_seconds
// users type it) besides Go durations ("500ms", "2m").
type secondsValue struct{ d time.Duration }

func (v *secondsValue) Set(s string) error {
	d, err := parseSeconds(s)
	if err != nil {
		return err
	}
	v.d = d
	return nil
}

func (v *secondsValue) Get() any { return v.d }

func (v *secondsValue) String() string {
	if v == nil {
		return ""
	}
	return v.d.String()
}

// parseSeconds reads "2" or "2.5" as seconds and anything else as a Go
// duration.
func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f != f || f > 1e9 || f < -1e9 {
			return 0, fmt.Errorf("%q: not a number of seconds", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want seconds (2, 0.5) or a duration (500ms, 10s, 2m)", s)
	}
	return d, nil
}

func secondsFlag(name string, value time.Duration, usage string) *ucli.GenericFlag {
	return &ucli.GenericFlag{Name: name, Value: &secondsValue{d: value}, Usage: usage}
}

// durationOf is the value of a secondsFlag.
func durationOf(cmd *ucli.Command, name string) time.Duration {
	d, _ := cmd.Value(name).(time.Duration)
	return d
}
