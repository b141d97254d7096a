package solvers

import (
	"fmt"
	"slices"
)

// EnumName is the text form of v in an enum whose values are 0, 1, … and whose
// names are names; out-of-range values print as typ(v).
func EnumName[T ~int](v T, names []string, typ string) string {
	if v < 0 || int(v) >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, int(v))
	}
	return names[v]
}

// ParseEnum is the inverse of EnumName.
func ParseEnum[T ~int](s string, names []string) (T, bool) {
	i := slices.Index(names, s)
	return T(max(i, 0)), i >= 0
}
