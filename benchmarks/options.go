package benchmarks

import (
	"fmt"
	"time"
)

// Options reads typed values from a Config's Options, reporting wrong types as
// ErrBadInput. TOML integers arrive as int64, JSON numbers as float64; both are taken.
type Options map[string]any

// String returns the string under key, or def when absent.
func (o Options) String(key, def string) (string, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: option %q: want a string, got %v", ErrBadInput, key, v)
	}
	return s, nil
}

// Int returns the integer under key, or def when absent.
func (o Options) Int(key string, def int) (int, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	}
	return 0, fmt.Errorf("%w: option %q: want an integer, got %v", ErrBadInput, key, v)
}

// Float returns the number under key, or def when absent.
func (o Options) Float(key string, def float64) (float64, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	}
	return 0, fmt.Errorf("%w: option %q: want a number, got %v", ErrBadInput, key, v)
}

// Bool returns the boolean under key, or def when absent.
func (o Options) Bool(key string, def bool) (bool, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%w: option %q: want true or false, got %v", ErrBadInput, key, v)
	}
	return b, nil
}

// Duration returns the duration under key ("10s", "1m30s"), or def when absent.
func (o Options) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("%w: option %q: want a duration such as \"10s\", got %v", ErrBadInput, key, v)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: option %q: %v", ErrBadInput, key, err)
	}
	return d, nil
}
