package instances

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Published references are looked up by name, and a name is lost when an
// instance arrives on standard input or in a renamed file. The functions here
// recognise a benchmark instance by its data instead, so the reference follows
// the data wherever it comes from. Each directory is indexed once per process,
// and only when a lookup by name has failed.

// fingerprint hashes numbers in order; two instances with the same numbers are
// the same instance.
type fingerprint struct{ h [sha256.Size]byte }

func fingerprintOf(ints []int, floats []float64) fingerprint {
	d := sha256.New()
	var b [8]byte
	for _, v := range ints {
		binary.LittleEndian.PutUint64(b[:], uint64(int64(v)))
		d.Write(b[:])
	}
	d.Write([]byte{0xff})
	for _, v := range floats {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		d.Write(b[:])
	}
	var f fingerprint
	copy(f.h[:], d.Sum(nil))
	return f
}

func jobShopFingerprint(js *JobShop) fingerprint {
	ints := []int{js.Machines, len(js.Jobs)}
	for _, ops := range js.Jobs {
		ints = append(ints, len(ops))
		for _, op := range ops {
			ints = append(ints, op.Machine, op.Duration)
		}
	}
	return fingerprintOf(ints, nil)
}

func robustFingerprint(k *RobustKnapsack) fingerprint {
	ints := append([]int{k.Capacity, k.N()}, k.Weight...)
	ints = append(ints, k.RepairWeight...)
	floats := append([]float64{k.Gamma}, k.Profit...)
	floats = append(floats, k.Degradation...)
	floats = append(floats, k.Outsource...)
	return fingerprintOf(ints, floats)
}

// indexCache holds one name index per directory.
type indexCache struct {
	sync.Mutex
	byDir map[string]map[fingerprint]string
}

func (c *indexCache) get(dir string, build func() map[fingerprint]string) map[fingerprint]string {
	c.Lock()
	defer c.Unlock()
	if idx, ok := c.byDir[dir]; ok {
		return idx
	}
	if c.byDir == nil {
		c.byDir = map[string]map[fingerprint]string{}
	}
	idx := build()
	c.byDir[dir] = idx
	return idx
}

var jobShopIndex, robustIndex indexCache

// jobShopDirs are the data directories whose job shops are recognised by content.
var jobShopDirs = []string{"jssp/jsplib/instances", "jssp/tassel_e2e/instances_run"}

// IdentifyJobShop names a job shop by its data: Taillard's ta01…ta80
// (regenerated from their seeds) and the instances of the benchmark data
// directory (the JSPLIB collection and Tassel et al.'s test set). ok is false
// for any other instance.
func IdentifyJobShop(dataDir string, js *JobShop) (string, bool) {
	if js == nil {
		return "", false
	}
	fp := jobShopFingerprint(js)
	for k := 1; ; k++ {
		hdr, ok := TaillardSeeds(k)
		if !ok {
			break
		}
		if hdr.Jobs != js.NumJobs() || hdr.Machines != js.Machines {
			continue
		}
		name := "ta" + twoDigits(k)
		if ta, err := TaillardInstance(name); err == nil && jobShopFingerprint(ta) == fp {
			return name, true
		}
	}
	if dataDir == "" {
		return "", false
	}
	idx := jobShopIndex.get(dataDir, func() map[fingerprint]string {
		m := map[fingerprint]string{}
		for _, sub := range jobShopDirs {
			files, _ := filepath.Glob(filepath.Join(dataDir, sub, "*"))
			for _, f := range files {
				if other, err := LoadJobShop(f, 0); err == nil {
					if _, dup := m[jobShopFingerprint(other)]; !dup {
						m[jobShopFingerprint(other)] = instanceName(f)
					}
				}
			}
		}
		return m
	})
	name, ok := idx[fp]
	return name, ok
}

func twoDigits(k int) string {
	if k < 10 {
		return "0" + strconv.Itoa(k)
	}
	return strconv.Itoa(k)
}

// IdentifyRobustKnapsack names a two-stage robust knapsack by its data: one of
// the 504 published instances in the benchmark data directory.
func IdentifyRobustKnapsack(dataDir string, k *RobustKnapsack) (string, bool) {
	if k == nil || dataDir == "" {
		return "", false
	}
	dir := filepath.Join(dataDir, filepath.Dir(RKPBranchAndPricePath), "TwoStageRobustKnapsackInstances")
	idx := robustIndex.get(dir, func() map[fingerprint]string {
		m := map[fingerprint]string{}
		files, _ := filepath.Glob(filepath.Join(dir, "RKP_*"))
		for _, f := range files {
			if other, err := LoadRobustKnapsack(f); err == nil {
				m[robustFingerprint(other)] = filepath.Base(f)
			}
		}
		return m
	})
	name, ok := idx[robustFingerprint(k)]
	return name, ok
}

// IdentifyTSPLine finds a Euclidean instance in the TSP-500/1000/10000 test
// sets of the data directory: the set file and the index of the instance with
// exactly these coordinates. Only the set whose size matches is read, and only
// lines that start with the instance's first point are parsed in full.
func IdentifyTSPLine(dataDir string, p *TSP) (path string, index int, ok bool) {
	if p == nil || p.Metric != Euclidean || dataDir == "" || p.N() == 0 {
		return "", 0, false
	}
	for base, set := range tspLineSets {
		if set.n != p.N() {
			continue
		}
		path = filepath.Join(dataDir, "tsp", base+".txt")
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<28)
		for i := 0; sc.Scan(); i++ {
			line := sc.Bytes()
			x, y, ok := firstPoint(line)
			if !ok || x != p.X[0] || y != p.Y[0] {
				continue
			}
			q, _, err := ReadTSPLine(bytes.NewReader(line), path, 0)
			if err == nil && sameCoords(p, q) {
				f.Close()
				return path, i, true
			}
		}
		f.Close()
	}
	return "", 0, false
}

func firstPoint(line []byte) (x, y float64, ok bool) {
	f := strings.Fields(string(line[:min(len(line), 128)]))
	if len(f) < 3 {
		return 0, 0, false
	}
	x, err1 := strconv.ParseFloat(f[0], 64)
	y, err2 := strconv.ParseFloat(f[1], 64)
	return x, y, err1 == nil && err2 == nil
}

func sameCoords(p, q *TSP) bool {
	if p.N() != q.N() {
		return false
	}
	for i := range p.X {
		if p.X[i] != q.X[i] || p.Y[i] != q.Y[i] {
			return false
		}
	}
	return true
}
