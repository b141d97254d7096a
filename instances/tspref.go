package instances

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tsplibOptima are the proved optimal tour lengths of the symmetric TSPLIB 95
// instances, as published with the library (G. Reinelt, TSPLIB 95, Universität
// Heidelberg, list of optimal solutions for symmetric TSPs). Left out: linhp318,
// whose published optimum (41345) is the shortest Hamiltonian path between the
// ends of its fixed edge, not a tour; its file's NAME is lin318, so instances with
// fixed edges get no reference from this table. dsj1000 is listed for its CEIL_2D distances, the type its file
// declares (the optimum for EUC_2D, 18659688, is sometimes quoted instead).
var tsplibOptima = map[string]float64{
	"a280": 2579, "ali535": 202339, "att48": 10628, "att532": 27686,
	"bayg29": 1610, "bays29": 2020, "berlin52": 7542, "bier127": 118282,
	"brazil58": 25395, "brd14051": 469385, "brg180": 1950, "burma14": 3323,
	"ch130": 6110, "ch150": 6528, "d198": 15780, "d493": 35002, "d657": 48912,
	"d1291": 50801, "d1655": 62128, "d2103": 80450, "d15112": 1573084, "d18512": 645238,
	"dantzig42": 699, "dsj1000": 18660188, "eil51": 426, "eil76": 538, "eil101": 629,
	"fl417": 11861, "fl1400": 20127, "fl1577": 22249, "fl3795": 28772, "fnl4461": 182566,
	"fri26": 937, "gil262": 2378, "gr17": 2085, "gr21": 2707, "gr24": 1272, "gr48": 5046,
	"gr96": 55209, "gr120": 6942, "gr137": 69853, "gr202": 40160, "gr229": 134602,
	"gr431": 171414, "gr666": 294358, "hk48": 11461,
	"kroA100": 21282, "kroB100": 22141, "kroC100": 20749, "kroD100": 21294, "kroE100": 22068,
	"kroA150": 26524, "kroB150": 26130, "kroA200": 29368, "kroB200": 29437,
	"lin105": 14379, "lin318": 42029, "nrw1379": 56638, "p654": 34643, "pa561": 2763,
	"pcb442": 50778, "pcb1173": 56892, "pcb3038": 137694,
	"pla7397": 23260728, "pla33810": 66048945, "pla85900": 142382641,
	"pr76": 108159, "pr107": 44303, "pr124": 59030, "pr136": 96772, "pr144": 58537,
	"pr152": 73682, "pr226": 80369, "pr264": 49135, "pr299": 48191, "pr439": 107217,
	"pr1002": 259045, "pr2392": 378032,
	"rat99": 1211, "rat195": 2323, "rat575": 6773, "rat783": 8806, "rd100": 7910, "rd400": 15281,
	"rl1304": 252948, "rl1323": 270199, "rl1889": 316536, "rl5915": 565530, "rl5934": 556045,
	"rl11849": 923288, "si175": 21407, "si535": 48450, "si1032": 92650, "st70": 675,
	"swiss42": 1273, "ts225": 126643, "tsp225": 3916,
	"u159": 42080, "u574": 36905, "u724": 41910, "u1060": 224094, "u1432": 152970,
	"u1817": 57201, "u2152": 64253, "u2319": 234256,
	"ulysses16": 6859, "ulysses22": 7013, "usa13509": 19982859, "vm1084": 239297, "vm1748": 336556,
}

// TSPLIBOptimum returns the published optimal tour length of a symmetric TSPLIB
// instance. name may be a bare name ("a280"), a file name or a path ("x/a280.tsp").
func TSPLIBOptimum(name string) (float64, bool) {
	v, ok := tsplibOptima[tsplibBaseName(name)]
	return v, ok
}

func tsplibBaseName(name string) string {
	base := filepath.Base(name)
	return strings.TrimSuffix(base, ".tsp")
}

// The TSP-10000 reference: the mean tour length of long LKH-3 runs over the 16
// instances of tsp10000_test_concorde.txt (dataset_authentication.log of the
// ML4CO-Bench-101 release: 71.754826; Fu et al. 2021 report 71.7778 for LKH-3 in
// 8.8 h). Only the set mean is published, so gaps must be compared as means.
const tsp10000MeanReference = 71.7548

// LoadLKH3Lengths reads a per-instance reference file of "index length" lines
// (tsp500_test_lkh3_len.txt, tsp1000_test_lkh3_len.txt) into a slice indexed by
// instance; indices must be 0…m-1, each exactly once, in any order.
func LoadLKH3Lengths(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLKH3Lengths(f, path)
}

func readLKH3Lengths(r io.Reader, name string) ([]float64, error) {
	bad := func(line int, format string, args ...any) error {
		return &tspSyntaxError{name: name, line: line, msg: fmt.Sprintf(format, args...), err: ErrInvalidInstance}
	}
	byIndex := map[int]float64{}
	lineOf := map[int]int{}
	sc := bufio.NewScanner(skipBOM(r))
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, bad(line, "want \"index length\", got %d fields", len(f))
		}
		idx, err := strconv.Atoi(f[0])
		if err != nil || idx < 0 {
			return nil, bad(line, "index %s is not a non-negative integer", quote(f[0]))
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil || !finite(v) || v <= 0 {
			return nil, bad(line, "length %s is not a positive number", quote(f[1]))
		}
		if first, dup := lineOf[idx]; dup {
			return nil, bad(line, "index %d given twice (first at line %d)", idx, first)
		}
		byIndex[idx], lineOf[idx] = v, line
	}
	if err := sc.Err(); err != nil {
		return nil, &tspSyntaxError{name: name, line: line, msg: "read: " + err.Error(), err: err}
	}
	if len(byIndex) == 0 {
		return nil, bad(line, "no lengths")
	}
	out := make([]float64, len(byIndex))
	for idx, v := range byIndex {
		if idx >= len(out) {
			return nil, bad(lineOf[idx], "index %d but only %d lengths: indices must be 0…%d", idx, len(out), len(out)-1)
		}
		out[idx] = v
	}
	return out, nil
}

// The test sets with published references, by file base name.
var tspLineSets = map[string]struct {
	n       int
	lkh3    string // per-instance LKH-3 lengths under <dataDir>/tsp, or "" for a set mean
	setMean float64
}{
	"tsp500_test_concorde":   {n: 500, lkh3: "tsp500_test_lkh3_len.txt"},
	"tsp1000_test_concorde":  {n: 1000, lkh3: "tsp1000_test_lkh3_len.txt"},
	"tsp10000_test_concorde": {n: 10000, setMean: tsp10000MeanReference},
}

// TSPReference returns the published reference for instance index of sourcePath:
// the optimum for a TSPLIB instance without fixed edges (by name, integral metric
// and a node count that matches the name), the per-instance LKH-3 length for the TSP-500 and TSP-1000
// sets (read from dataDir/tsp), and the set mean 71.7548 for TSP-10000. The bool is
// false when no reference is known or the reference file cannot be read.
func TSPReference(dataDir string, p *TSP, sourcePath string, index int) (Reference, bool) {
	if p == nil {
		return Reference{}, false
	}
	if len(p.Fixed) > 0 {
		return Reference{}, false
	}
	if p.Metric != Euclidean {
		base := tsplibBaseName(p.Name)
		if v, ok := tsplibOptima[base]; ok && tsplibNameSize(base) == p.N() {
			return Reference{Value: v, Kind: RefOptimal}, true
		}
		return Reference{}, false
	}
	base := filepath.Base(sourcePath)
	set, ok := tspLineSets[strings.TrimSuffix(base, filepath.Ext(base))]
	if !ok || set.n != p.N() || index < 0 {
		return Reference{}, false
	}
	if set.lkh3 == "" {
		return Reference{Value: set.setMean, Kind: RefSetMean}, true
	}
	lengths, err := LoadLKH3Lengths(filepath.Join(dataDir, "tsp", set.lkh3))
	if err != nil || index >= len(lengths) {
		return Reference{}, false
	}
	return Reference{Value: lengths[index], Kind: RefLKH3}, true
}

// tsplibNameSize is the node count TSPLIB encodes at the end of every instance
// name ("pla85900" → 85900), or -1.
func tsplibNameSize(name string) int {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(name[i:])
	if err != nil {
		return -1
	}
	return n
}
