package instances

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where Neur2RO's capital-budgeting data lives under the data directory.
var (
	CBInstanceDir     = filepath.Join("robust", "Neur2RO", "cb_eval_instances")
	CBResultsPath     = filepath.Join("robust", "Neur2RO", "derived", "neur2ro_cb_eval_results.csv")
	CBScenariosPath   = filepath.Join("robust", "Neur2RO", "derived", "neur2ro_cb_eval_scenarios.jsonl")
	CBRandomScenarios = filepath.Join("robust", "Neur2RO", "derived", "neur2ro_cb_ssa_random_scenarios_seed10000.csv")
)

// CBMethodResult is one method's published result on one instance: its first
// stage, its sampled-scenario objective (Neur2RO's minimisation value, the
// negated revenue) and its run time.
type CBMethodResult struct {
	Objective  float64 // NaN when the method has no result
	FirstStage string  // one 0/1 per project
	TimeS      float64
}

// CBPublished is Neur2RO's evaluation of one instance: Neur2RO's result and
// k-adaptability's for K = 2, 5, 10.
type CBPublished struct {
	Name    string
	N, Seed int
	Neur2RO CBMethodResult
	KAdapt  map[int]CBMethodResult
}

// BestKnown is the smallest objective among the methods (the paper's "best").
func (p CBPublished) BestKnown() float64 {
	best := p.Neur2RO.Objective
	for _, r := range p.KAdapt {
		if math.IsNaN(best) || r.Objective < best {
			best = r.Objective
		}
	}
	return best
}

// ReadCBResults reads neur2ro_cb_eval_results.csv, keyed by instance name.
func ReadCBResults(r io.Reader, name string) (map[string]CBPublished, error) {
	cr := csv.NewReader(skipBOM(r))
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: header: %v", ErrInvalidInstance, name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	need := []string{"inst_name", "n_items", "inst_seed", "neur2ro_obj_ssa", "neur2ro_time_s", "neur2ro_x"}
	for _, k := range []int{2, 5, 10} {
		need = append(need, fmt.Sprintf("kadapt%d_obj_ssa", k), fmt.Sprintf("kadapt%d_time_s", k), fmt.Sprintf("kadapt%d_x", k))
	}
	for _, h := range need {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%w: %s:1: no column %q", ErrInvalidInstance, name, h)
		}
	}
	out := map[string]CBPublished{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidInstance, name, err)
		}
		line, _ := cr.FieldPos(0)
		num := func(h string) (float64, error) {
			s := strings.TrimSpace(rec[col[h]])
			if s == "" || strings.EqualFold(s, "nan") {
				return math.NaN(), nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: %s:%d: %s %s is not a number", ErrInvalidInstance, name, line, h, quote(s))
			}
			return v, nil
		}
		method := func(prefix string) (CBMethodResult, error) {
			obj, err := num(prefix + "_obj_ssa")
			if err != nil {
				return CBMethodResult{}, err
			}
			t, err := num(prefix + "_time_s")
			return CBMethodResult{Objective: obj, TimeS: t, FirstStage: strings.TrimSpace(rec[col[prefix+"_x"]])}, err
		}
		p := CBPublished{Name: strings.TrimSpace(rec[col["inst_name"]]), KAdapt: map[int]CBMethodResult{}}
		nf, err1 := num("n_items")
		sf, err2 := num("inst_seed")
		if err1 != nil || err2 != nil || nf != math.Trunc(nf) || sf != math.Trunc(sf) {
			return nil, fmt.Errorf("%w: %s:%d: n_items and inst_seed must be integers", ErrInvalidInstance, name, line)
		}
		p.N, p.Seed = int(nf), int(sf)
		if p.Neur2RO, err = method("neur2ro"); err != nil {
			return nil, err
		}
		for _, k := range []int{2, 5, 10} {
			if p.KAdapt[k], err = method(fmt.Sprintf("kadapt%d", k)); err != nil {
				return nil, err
			}
		}
		if _, dup := out[p.Name]; dup {
			return nil, fmt.Errorf("%w: %s:%d: instance %s listed twice", ErrInvalidInstance, name, line, quote(p.Name))
		}
		out[p.Name] = p
	}
}

// LoadCBResults reads the published results table under dataDir.
func LoadCBResults(dataDir string) (map[string]CBPublished, error) {
	f, err := os.Open(filepath.Join(dataDir, CBResultsPath))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCBResults(f, f.Name())
}

// CBPublishedFor returns the published results for c, found by name and given
// only when c has the project count the table records for that name.
func CBPublishedFor(dataDir string, c *CapitalBudgeting) (CBPublished, bool, error) {
	tab, err := LoadCBResults(dataDir)
	if err != nil {
		return CBPublished{}, false, err
	}
	p, ok := tab[c.Name]
	if !ok || p.N != c.N() {
		return CBPublished{}, false, nil
	}
	return p, true, nil
}

// cbScenarioLine is one line of neur2ro_cb_eval_scenarios.jsonl.
type cbScenarioLine struct {
	Name   string                 `json:"inst_name"`
	Obj    [][]float64            `json:"neur2ro_obj_scenarios"`
	Feas   [][]float64            `json:"neur2ro_feas_scenarios"`
	KAdapt map[string][][]float64 `json:"kadapt_scenarios"`
}

// ReadCBScenarios reads the scenarios Neur2RO's sampled-scenario evaluation
// took from the methods (Neur2RO's objective and feasibility scenarios, then
// k-adaptability's for K = 2, 5, 10, the order its script concatenates them),
// keyed by instance name.
func ReadCBScenarios(r io.Reader, name string) (map[string][][]float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<26)
	out := map[string][][]float64{}
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l cbScenarioLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrInvalidInstance, name, line, err)
		}
		all := append(append([][]float64(nil), l.Obj...), l.Feas...)
		for _, k := range []string{"2", "5", "10"} {
			all = append(all, l.KAdapt[k]...)
		}
		out[l.Name] = all
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidInstance, name, err)
	}
	return out, nil
}

// CBScenariosFor returns the published evaluation scenarios of c by name, or
// ok = false when c is not one of the evaluated instances or a scenario has
// the wrong dimension.
func CBScenariosFor(dataDir string, c *CapitalBudgeting) (scen [][]float64, ok bool, err error) {
	f, err := os.Open(filepath.Join(dataDir, CBScenariosPath))
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	tab, err := ReadCBScenarios(f, f.Name())
	if err != nil {
		return nil, false, err
	}
	scen, ok = tab[c.Name]
	for _, s := range scen {
		if len(s) != c.XiDim() {
			return nil, false, nil
		}
	}
	return scen, ok, nil
}
