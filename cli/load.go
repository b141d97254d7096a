package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/cosolve/cosolve/benchmarks"
	"github.com/cosolve/cosolve/instances"
)

// loaded is an instance of any kind read from a file or stdin.
type loaded struct {
	kind   instances.Kind
	name   string // error-message name: the path or "stdin"
	tsp    *instances.TSP
	jssp   *instances.JobShop
	robust *instances.RobustKnapsack
	cb     *instances.CapitalBudgeting
	ref    *instances.Reference
}

// loadAny reads the instance at path (or stdin for "-"), tells its kind from the
// content and looks up its published reference when the data directory is
// present, by name or else by content (so stdin and renamed files keep it).
func loadAny(stdin io.Reader, path string, index int) (*loaded, error) {
	if index < 0 {
		return nil, usageErr("--index %d: must be 0 or more", index)
	}
	path = resolveInstance(path)
	r, name, closeInput, err := openInput(stdin, path)
	if err != nil {
		return nil, err
	}
	defer closeInput()
	head, err := peekHead(r, name)
	if err != nil {
		return nil, err
	}
	l := &loaded{kind: instances.DetectKind(head), name: name}
	src := benchmarks.Source{Path: name, Index: index, Reader: r}
	var inst any
	switch l.kind {
	case instances.KindTSP:
		l.tsp, err = benchmarks.LoadTSPSource(src)
		inst = l.tsp
	case instances.KindJobShop:
		l.jssp, err = benchmarks.LoadJobShopSource(src)
		inst = l.jssp
	case instances.KindRobustKnapsack:
		if index != 0 {
			return nil, usageErr("%s: --index %d: a robust knapsack file holds one instance", name, index)
		}
		l.robust, err = benchmarks.LoadRobustSource(src)
		inst = l.robust
	case instances.KindCapitalBudget:
		if index != 0 {
			return nil, usageErr("%s: --index %d: a capital-budgeting file holds one instance", name, index)
		}
		l.cb, err = benchmarks.LoadCBSource(src)
		inst = l.cb
	default:
		return nil, badInput(fmt.Errorf("%s:1: %w: not a TSPLIB, TSP line, job-shop, robust knapsack or capital-budgeting file", name, instances.ErrInvalidInstance))
	}
	if err != nil {
		return nil, badInput(err)
	}
	l.ref = benchmarks.Reference(dataDir(path), inst, src)
	return l, nil
}

func (l *loaded) instanceName() string {
	switch {
	case l.tsp != nil:
		return l.tsp.Name
	case l.jssp != nil:
		return l.jssp.Name
	case l.robust != nil:
		return l.robust.Name
	case l.cb != nil:
		return l.cb.Name
	}
	return strings.TrimSuffix(filepath.Base(l.name), filepath.Ext(l.name))
}
