package benchmarks

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cosolve/cosolve/instances"
)

// Reference returns the published reference of a loaded instance, or nil. It
// looks the instance up by name, then by content (instances.Identify…), so an
// instance read from standard input or a renamed file keeps its reference;
// when the content identifies it, the instance takes the published name, so
// results read "ta01" rather than "stdin". Generated TSP and robust instances
// have no reference (Taillard's generated job shops are the published ones).
func Reference(dataDir string, inst any, src Source) *instances.Reference {
	if dataDir == "" {
		return nil
	}
	switch p := inst.(type) {
	case *instances.TSP:
		if src.Generator != "" {
			return nil
		}
		if ref, ok := instances.TSPReference(dataDir, p, src.Path, src.Index); ok {
			return &ref
		}
		if path, i, ok := instances.IdentifyTSPLine(dataDir, p); ok {
			if ref, ok := instances.TSPReference(dataDir, p, path, i); ok {
				base := filepath.Base(path)
				p.Name = fmt.Sprintf("%s#%d", strings.TrimSuffix(base, filepath.Ext(base)), i)
				return &ref
			}
		}
	case *instances.JobShop:
		if ref, ok := instances.JobShopReferenceFor(dataDir, p); ok {
			return &ref
		}
		if name, ok := instances.IdentifyJobShop(dataDir, p); ok {
			if ref, ok := instances.JobShopReference(dataDir, name); ok {
				p.Name = name
				return &ref
			}
		}
	case *instances.RobustKnapsack:
		if src.Generator != "" {
			return nil
		}
		if ref, ok, err := instances.RobustKnapsackReferenceFor(dataDir, p); err == nil && ok {
			return &ref
		}
		if name, ok := instances.IdentifyRobustKnapsack(dataDir, p); ok {
			if ref, ok, err := instances.RobustKnapsackReference(dataDir, name); err == nil && ok {
				p.Name = name
				return &ref
			}
		}
	}
	return nil
}

// setReference fills the envelope's reference fields from ref (nil: none).
func (e *Envelope) setReference(ref *instances.Reference, maximize bool) {
	if ref != nil {
		e.SetReference(ref.Value, string(ref.Kind), maximize)
	}
}
