package benchmarks

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cosolve/cosolve/instances"
)

// solverKinds are the instance kinds and generators of the built-in solvers.
var solverKinds = map[string]struct {
	kinds      []instances.Kind
	generators []string
}{
	"tsp":    {[]instances.Kind{instances.KindTSP}, []string{"uniform", "clustered"}},
	"jssp":   {[]instances.Kind{instances.KindJobShop}, []string{"taillard", "random"}},
	"robust": {[]instances.Kind{instances.KindRobustKnapsack, instances.KindCapitalBudget}, []string{"robust"}},
	"lkh":    {[]instances.Kind{instances.KindTSP}, []string{"uniform", "clustered"}},
}

// checkGeneratorSize refuses a generated instance too large to build, before
// any run tries.
func checkGeneratorSize(in InstanceSpec) error {
	switch in.Generator {
	case "uniform", "clustered":
		if in.N < 3 || in.N > instances.MaxTSPNodes {
			return fmt.Errorf("generator %s: n = %d, want 3 to %d", in.Generator, in.N, instances.MaxTSPNodes)
		}
	case "random":
		return checkShopSize(in.Jobs, in.Machines)
	}
	return nil
}

// Check looks at what a spec's runs will read before any of them starts, so a
// sweep whose every run would fail stops at once with the reason: each
// instance file must exist, be of the kind its configurations solve and hold
// the indices asked for; each generator must be one its solvers know.
func (s *Spec) Check() error {
	for i, in := range s.Instances {
		var solvers []string
		for _, c := range s.Configs {
			if len(in.Configs) == 0 || slices.Contains(in.Configs, c.Name) {
				solvers = append(solvers, c.Solver)
			}
		}
		if in.Generator != "" {
			if err := checkGeneratorSize(in); err != nil {
				return fmt.Errorf("%w: instances[%d]: %v", ErrBadSpec, i, err)
			}
			for _, sv := range solvers {
				if k, ok := solverKinds[sv]; ok && !slices.Contains(k.generators, in.Generator) {
					return fmt.Errorf("%w: instances[%d]: solver %s has no generator %q (have %v)", ErrBadSpec, i, sv, in.Generator, k.generators)
				}
			}
			continue
		}
		kind, count, err := fileKind(in.Path)
		if err != nil {
			return fmt.Errorf("%w: instances[%d]: %v", ErrBadSpec, i, err)
		}
		for _, sv := range solvers {
			if k, ok := solverKinds[sv]; ok && kind != instances.KindUnknown && !slices.Contains(k.kinds, kind) {
				return fmt.Errorf("%w: instances[%d]: %s is a %s instance, but a configuration runs solver %s on it", ErrBadSpec, i, in.Path, kind, sv)
			}
		}
		idx, _ := ParseIndices(in.Indices)
		if last := slices.Max(idx); last >= count {
			return fmt.Errorf("%w: instances[%d]: index %d, but %s holds %d instance(s)", ErrBadSpec, i, last, in.Path, count)
		}
	}
	return nil
}

// fileKind reads a file's kind and counts its instances: one per non-empty
// line in the TSP line format, one per title line in Taillard's format, one
// otherwise.
func fileKind(path string) (instances.Kind, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return instances.KindUnknown, 0, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(zr)
		}
		if err != nil {
			return instances.KindUnknown, 0, fmt.Errorf("%s: gzip: %v", path, err)
		}
	}
	kind := instances.DetectKind(data[:min(len(data), 1<<16)])
	taillard, lines := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) > 0 {
			lines++
		}
		if bytes.HasPrefix(line, []byte("Nb of jobs")) {
			taillard++
		}
	}
	switch {
	case taillard > 0:
		return kind, taillard, nil
	case kind == instances.KindTSP && len(data) > 0 && (data[0] >= '0' && data[0] <= '9' || data[0] == '-' || data[0] == '.'):
		return kind, lines, nil
	}
	return kind, 1, nil
}
