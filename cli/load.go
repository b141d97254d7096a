package cli

import (
	"fmt"
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
	ref    *instances.Reference
}

// loadAny reads the instance at path (or stdin for "-"), tells its kind from the
// content and looks up its published reference when the data directory is present.
func loadAny(stdin interface{ Read([]byte) (int, error) }, path string, index int) (*loaded, error) {
	if index < 0 {
		return nil, usageErr("--index %d: must be 0 or more", index)
	}
	data, name, err := readInput(stdin, path)
	if err != nil {
		return nil, err
	}
	l := &loaded{kind: instances.DetectKind(head(data)), name: name}
	src := benchmarks.Source{Path: name, Index: index, Data: data}
	dir := dataDir(path)
	switch l.kind {
	case instances.KindTSP:
		if l.tsp, err = benchmarks.LoadTSPSource(src); err != nil {
			return nil, badInput(err)
		}
		if dir != "" {
			if ref, ok := instances.TSPReference(dir, l.tsp, path, index); ok {
				l.ref = &ref
			}
		}
	case instances.KindJobShop:
		if l.jssp, err = benchmarks.LoadJobShopSource(src); err != nil {
			return nil, badInput(err)
		}
		if dir != "" {
			if ref, ok := instances.JobShopReference(dir, l.jssp.Name); ok {
				l.ref = &ref
			}
		}
	case instances.KindRobustKnapsack:
		if index != 0 {
			return nil, usageErr("%s: --index %d: a robust knapsack file holds one instance", name, index)
		}
		if l.robust, err = benchmarks.LoadRobustSource(src); err != nil {
			return nil, badInput(err)
		}
		if dir != "" {
			if ref, ok, err := instances.RobustKnapsackReference(dir, filepath.Base(path)); err == nil && ok {
				l.ref = &ref
			}
		}
	default:
		return nil, badInput(fmt.Errorf("%s:1: %w: not a TSPLIB, TSP line, job-shop or robust knapsack file", name, instances.ErrInvalidInstance))
	}
	return l, nil
}

func head(data []byte) []byte {
	if len(data) > 1<<16 {
		return data[:1<<16]
	}
	return data
}

func (l *loaded) instanceName() string {
	switch {
	case l.tsp != nil:
		return l.tsp.Name
	case l.jssp != nil:
		return l.jssp.Name
	case l.robust != nil:
		return l.robust.Name
	}
	return strings.TrimSuffix(filepath.Base(l.name), filepath.Ext(l.name))
}
