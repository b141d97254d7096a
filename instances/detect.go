package instances

import (
	"bufio"
	"bytes"
	"strings"
)

// Kind names a problem family, as the JSON envelope's "kind" field does.
type Kind string

const (
	KindUnknown        Kind = ""
	KindTSP            Kind = "tsp"
	KindJobShop        Kind = "jssp"
	KindRobustKnapsack Kind = "robust-kp"
	KindCapitalBudget  Kind = "robust-cb"
)

// DetectKind tells the problem family of a file from its first bytes: TSPLIB
// keywords or a line with the "output" separator are TSP; Taillard's "Nb of jobs"
// header or a first data line of two integers is a job shop; a first line of three
// numbers (n, capacity, Γ) is a two-stage robust knapsack, one of five (seed, n, d,
// budget, max loan) a capital-budgeting instance. A leading UTF-8
// byte-order mark is ignored, as every reader ignores it.
func DetectKind(head []byte) Kind {
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(head, []byte(bom))))
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "Nb of jobs") {
			return KindJobShop
		}
		c := line[0]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
			return KindTSP
		}
		fields := strings.Fields(line)
		for _, f := range fields {
			if f == "output" {
				return KindTSP
			}
		}
		switch len(fields) {
		case 2:
			return KindJobShop
		case 3:
			return KindRobustKnapsack
		case 5:
			return KindCapitalBudget
		}
		// A line-format TSP line has at least three coordinate pairs; the head may
		// end inside it.
		if len(fields) > 5 {
			return KindTSP
		}
		return KindUnknown
	}
	// A line longer than the scanner's buffer can only be a huge line-format TSP.
	if sc.Err() == bufio.ErrTooLong {
		return KindTSP
	}
	return KindUnknown
}
