package instances

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Bound is the published state of a job-shop instance: the best lower and upper
// bounds on its optimal makespan and whether they meet (closed) or not (open).
type Bound struct {
	Instance   string // the name used in the bounds file
	Family     string
	Type       string // "jobshop" or "reentrant jobshop"
	LowerBound int
	UpperBound int
	// Jobs and Machines are the instance's size as the file gives it ("10 x 10"),
	// or 0 when it gives none.
	Jobs, Machines int
	// Closed is the file's status. ScheduleOpt marks a few instances closed whose
	// bounds still differ slightly (dct-short-1000-100000-1: 600000 and 600019).
	Closed bool
}

// Reference converts the bound to a Reference: the optimum when closed, else the
// best known upper bound.
func (b Bound) Reference() Reference {
	if b.Closed {
		return Reference{Value: float64(b.UpperBound), Kind: RefOptimal}
	}
	return Reference{Value: float64(b.UpperBound), Kind: RefBestKnown}
}

// BKS is a table of best known bounds, looked up by instance name under the naming
// variants of the common collections (see Lookup).
type BKS struct {
	byKey map[string]Bound
}

// Len is the number of instances in the table.
func (b BKS) Len() int { return len(b.byKey) }

// Names lists the instance names as spelled in the bounds file, sorted.
func (b BKS) Names() []string {
	names := make([]string, 0, len(b.byKey))
	for _, bd := range b.byKey {
		names = append(names, bd.Instance)
	}
	sort.Strings(names)
	return names
}

// Lookup finds the bounds of an instance. Directories and extensions are ignored
// and letter case does not matter; the collections' spellings are identified:
// "ta01" = "ta01js", "yn01" = "yn1", "ft6" = "ft06", "tai_j100_m10_1.data" =
// "tai_100_10_1" (Da Col & Teppan), and likewise for dmu, la, abz, orb, swv and bel
// (a family prefix followed by a number with or without leading zeros).
func (b BKS) Lookup(name string) (Bound, bool) {
	bd, ok := b.byKey[canonicalJobShopName(name)]
	return bd, ok
}

// canonicalJobShopName maps the spellings of one instance to a single key.
func canonicalJobShopName(name string) string {
	s := strings.ToLower(filepath.Base(strings.TrimSpace(name)))
	if ext := filepath.Ext(s); len(ext) > 1 && isLetters(ext[1:]) {
		s = strings.TrimSuffix(s, ext)
	}
	// Da Col & Teppan: tai_j100_m10_1 (Tassel et al.) or tai_100_10_1 (ScheduleOpt).
	if rest, ok := strings.CutPrefix(s, "tai_"); ok {
		parts := strings.Split(rest, "_")
		if len(parts) == 3 {
			parts[0] = strings.TrimPrefix(parts[0], "j")
			parts[1] = strings.TrimPrefix(parts[1], "m")
			key := "tai"
			for _, p := range parts {
				v, err := strconv.Atoi(p)
				if err != nil || v < 0 || !isDigits(p) {
					return s
				}
				key += "_" + strconv.Itoa(v)
			}
			return key
		}
		return s
	}
	// Family prefix + number (+ "js" for Taillard in ScheduleOpt's collection).
	t := strings.TrimSuffix(s, "js")
	i := 0
	for i < len(t) && t[i] >= 'a' && t[i] <= 'z' {
		i++
	}
	if i == 0 || i == len(t) || !isDigits(t[i:]) {
		return s
	}
	v, err := strconv.Atoi(t[i:])
	if err != nil {
		return s
	}
	return t[:i] + strconv.Itoa(v)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// bksRecord is one entry of bks.json; the per-solver histories are not kept.
type bksRecord struct {
	Instance   string `json:"instance"`
	Size       string `json:"size"`
	Type       string `json:"type"`
	Family     string `json:"family"`
	Status     string `json:"status"`
	LowerBound *int   `json:"lower_bound"`
	UpperBound *int   `json:"upper_bound"`
}

// ReadBKS reads a bounds table in the format of ScheduleOpt's bks.json: a JSON array
// of {"instance", "size" ("jobs x machines", optional), "family", "type", "status"
// ("closed"|"open"), "lower_bound", "upper_bound", …}. name is used in error
// messages.
func ReadBKS(r io.Reader, name string) (BKS, error) {
	var recs []bksRecord
	dec := json.NewDecoder(skipBOM(r))
	if err := dec.Decode(&recs); err != nil {
		return BKS{}, fmt.Errorf("%s: %w: %v", name, ErrInvalidInstance, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return BKS{}, fmt.Errorf("%s: %w: extra data after the array", name, ErrInvalidInstance)
	}
	b := BKS{byKey: make(map[string]Bound, len(recs))}
	for i, rec := range recs {
		bad := func(what string, args ...any) error {
			return fmt.Errorf("%s: %w: entry %d (%q): %s", name, ErrInvalidInstance, i, rec.Instance, fmt.Sprintf(what, args...))
		}
		if rec.Instance == "" {
			return BKS{}, bad("no instance name")
		}
		if rec.LowerBound == nil || rec.UpperBound == nil {
			return BKS{}, bad("missing lower_bound or upper_bound")
		}
		lb, ub := *rec.LowerBound, *rec.UpperBound
		if lb > ub {
			return BKS{}, bad("lower bound %d above upper bound %d", lb, ub)
		}
		var closed bool
		switch rec.Status {
		case "closed":
			closed = true
		case "open":
		default:
			return BKS{}, bad("status %q, want closed or open", rec.Status)
		}
		var jobs, machines int
		if rec.Size != "" {
			js, ms, found := strings.Cut(rec.Size, "x")
			var err1, err2 error
			jobs, err1 = strconv.Atoi(strings.TrimSpace(js))
			machines, err2 = strconv.Atoi(strings.TrimSpace(ms))
			if !found || err1 != nil || err2 != nil || jobs <= 0 || machines <= 0 {
				return BKS{}, bad("size %s, want \"jobs x machines\"", quote(rec.Size))
			}
		}
		key := canonicalJobShopName(rec.Instance)
		if prev, dup := b.byKey[key]; dup {
			return BKS{}, bad("same instance as %q", prev.Instance)
		}
		b.byKey[key] = Bound{Instance: rec.Instance, Family: rec.Family, Type: rec.Type, LowerBound: lb, UpperBound: ub,
			Jobs: jobs, Machines: machines, Closed: closed}
	}
	return b, nil
}

// LoadBKS reads a bks.json file (see ReadBKS).
func LoadBKS(path string) (BKS, error) {
	f, err := os.Open(path)
	if err != nil {
		return BKS{}, err
	}
	defer f.Close()
	return ReadBKS(f, path)
}

// BKSPath is where the job-shop bounds live under the benchmark data directory.
func BKSPath(dataDir string) string {
	return filepath.Join(dataDir, "jssp", "scheduleopt", "solutions", "bks.json")
}

var bksCache struct {
	sync.Mutex
	byPath map[string]BKS
}

// JobShopReferenceFor returns the published reference makespan of js from the
// bounds file under dataDir (the benchmark data directory): the optimum when the
// instance is closed, else the best known upper bound. It is found by js.Name
// (see BKS.Lookup) and given only when js has the size the file records, jobs ×
// machines: a 3×3 instance named ft10 is not ft10, and a gap to ft10's optimum
// would be meaningless. The file is read once per process. ok is false when the
// file cannot be read, lacks the instance or records another size.
func JobShopReferenceFor(dataDir string, js *JobShop) (Reference, bool) {
	if js == nil {
		return Reference{}, false
	}
	bd, ok := lookupBKS(dataDir, js.Name)
	if !ok || bd.Jobs != js.NumJobs() || bd.Machines != js.Machines {
		return Reference{}, false
	}
	return bd.Reference(), true
}

// JobShopReference returns the published reference makespan of the instance
// named name, like JobShopReferenceFor but by name alone.
// A name says nothing of the data: use it only for an instance identified by
// its content, and JobShopReferenceFor otherwise.
func JobShopReference(dataDir, name string) (Reference, bool) {
	bd, ok := lookupBKS(dataDir, name)
	if !ok {
		return Reference{}, false
	}
	return bd.Reference(), true
}

// lookupBKS finds name in the bounds file under dataDir, read once per process.
func lookupBKS(dataDir, name string) (Bound, bool) {
	path := BKSPath(dataDir)
	bksCache.Lock()
	b, ok := bksCache.byPath[path]
	if !ok {
		var err error
		if b, err = LoadBKS(path); err != nil {
			bksCache.Unlock()
			return Bound{}, false
		}
		if bksCache.byPath == nil {
			bksCache.byPath = make(map[string]BKS)
		}
		bksCache.byPath[path] = b
	}
	bksCache.Unlock()
	return b.Lookup(name)
}
