package instances

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RobustKnapsack is a two-stage robust knapsack of Arslan & Detienne (INFORMS JoC
// 34(2), 2022). The first stage selects items x; the adversary then degrades the
// profit of item i by Degradation[i]·ξ_i with ξ ∈ Ξ = {ξ ∈ [0,1]^n : Σξ ≤ Gamma};
// the second stage decides for each selected item whether to outsource it (profit
// Profit−Outsource, no capacity), produce it (profit Profit−Degradation·ξ, capacity
// Weight) or produce and repair it (profit Profit, capacity Weight+RepairWeight)
// within Capacity. The value of x is its worst-case total profit (maximisation).
//
// Weights and capacity are integers, as in the published files, which makes the
// second stage an exact dynamic programme over capacity (or over the reachable
// weights when the capacity is huge). Weights are at most MaxRKPWeight, so that
// sums of weights fit an int.
type RobustKnapsack struct {
	Name         string
	Capacity     int
	Gamma        float64
	Profit       []float64 // nominal profit p̄
	Degradation  []float64 // maximum profit degradation p̂
	RepairWeight []int     // extra capacity t used by a repaired item
	Weight       []int     // capacity c used by a produced item
	Outsource    []float64 // outsourcing cost f
}

// N is the number of items.
func (k *RobustKnapsack) N() int { return len(k.Profit) }

// Validate checks the sizes and signs the model relies on.
func (k *RobustKnapsack) Validate() error {
	n := len(k.Profit)
	if n == 0 {
		return fmt.Errorf("%w: robust knapsack %q has no items", ErrInvalidInstance, k.Name)
	}
	if len(k.Degradation) != n || len(k.RepairWeight) != n || len(k.Weight) != n || len(k.Outsource) != n {
		return fmt.Errorf("%w: robust knapsack %q: item slices have different lengths", ErrInvalidInstance, k.Name)
	}
	if k.Capacity < 0 {
		return fmt.Errorf("%w: robust knapsack %q: capacity %d is negative", ErrInvalidInstance, k.Name, k.Capacity)
	}
	if !(k.Gamma >= 0) || k.Gamma > float64(n) {
		return fmt.Errorf("%w: robust knapsack %q: budget Γ=%v outside [0, %d]", ErrInvalidInstance, k.Name, k.Gamma, n)
	}
	for i := 0; i < n; i++ {
		if err := checkRKPItem(k.Profit[i], k.Degradation[i], k.RepairWeight[i], k.Weight[i], k.Outsource[i]); err != nil {
			return fmt.Errorf("%w: robust knapsack %q: item %d: %v", ErrInvalidInstance, k.Name, i, err)
		}
	}
	return nil
}

// MaxRKPWeight bounds weights and repair weights: the sum over maxRKPItems items
// of both stays far inside an int.
const MaxRKPWeight = 1 << 40

func checkRKPItem(p, ph float64, t, c int, f float64) error {
	for _, v := range []float64{p, ph, f} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("profit values must be finite")
		}
	}
	switch {
	case ph < 0:
		return fmt.Errorf("degradation %v is negative", ph)
	case t < 0 || t > MaxRKPWeight:
		return fmt.Errorf("repair weight %d outside [0, 2^40]", t)
	case c < 0 || c > MaxRKPWeight:
		return fmt.Errorf("weight %d outside [0, 2^40]", c)
	case f < 0:
		return fmt.Errorf("outsourcing cost %v is negative", f)
	}
	return nil
}

// maxRKPItems bounds the item count a file may declare, so a corrupt header cannot
// make the reader allocate without limit.
const maxRKPItems = 1 << 20

// ReadRobustKnapsack reads the Arslan & Detienne format: a line `n C Gamma`, then one
// line `p̄ p̂ t c f` per item. Errors name the line: "name:line: what is wrong".
func ReadRobustKnapsack(r io.Reader, name string) (*RobustKnapsack, error) {
	sc := bufio.NewScanner(skipBOM(r))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrInvalidInstance, name, line, fmt.Sprintf(format, args...))
	}
	next := func() ([]string, bool) {
		for sc.Scan() {
			line++
			if f := strings.Fields(sc.Text()); len(f) > 0 {
				return f, true
			}
		}
		return nil, false
	}
	head, ok := next()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s: empty file, want a header `n C Gamma`", ErrInvalidInstance, name)
	}
	if len(head) != 3 {
		return nil, errf("header has %d fields, want 3 (n C Gamma)", len(head))
	}
	n, err := strconv.Atoi(head[0])
	if err != nil || n <= 0 || n > maxRKPItems {
		return nil, errf("item count %s: want an integer in [1, %d]", quote(head[0]), maxRKPItems)
	}
	capacity, err := strconv.Atoi(head[1])
	if err != nil || capacity < 0 {
		return nil, errf("capacity %s: want a non-negative integer", quote(head[1]))
	}
	gamma, err := strconv.ParseFloat(head[2], 64)
	if err != nil || !(gamma >= 0) || gamma > float64(n) {
		return nil, errf("budget %s: want a number in [0, n=%d]", quote(head[2]), n)
	}
	k := &RobustKnapsack{
		Name: filepath.Base(name), Capacity: capacity, Gamma: gamma,
		Profit: make([]float64, 0, min(n, 4096)), Degradation: make([]float64, 0, min(n, 4096)),
		RepairWeight: make([]int, 0, min(n, 4096)), Weight: make([]int, 0, min(n, 4096)),
		Outsource: make([]float64, 0, min(n, 4096)),
	}
	for i := 0; i < n; i++ {
		f, ok := next()
		if !ok {
			if err := sc.Err(); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
			return nil, fmt.Errorf("%w: %s:%d: file ends after %d of %d items", ErrInvalidInstance, name, line, i, n)
		}
		if len(f) != 5 {
			return nil, errf("item %d has %d fields, want 5 (p̄ p̂ t c f)", i+1, len(f))
		}
		var num [5]float64
		for j, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errf("item %d field %d: %s is not a finite number", i+1, j+1, quote(s))
			}
			num[j] = v
		}
		t, c := num[2], num[3]
		if t != math.Trunc(t) || c != math.Trunc(c) || math.Abs(t) > MaxRKPWeight || math.Abs(c) > MaxRKPWeight {
			return nil, errf("item %d: weights t=%s and c=%s must be integers of at most 2^40", i+1, quote(f[2]), quote(f[3]))
		}
		if err := checkRKPItem(num[0], num[1], int(t), int(c), num[4]); err != nil {
			return nil, errf("item %d: %v", i+1, err)
		}
		k.Profit = append(k.Profit, num[0])
		k.Degradation = append(k.Degradation, num[1])
		k.RepairWeight = append(k.RepairWeight, int(t))
		k.Weight = append(k.Weight, int(c))
		k.Outsource = append(k.Outsource, num[4])
	}
	if extra, ok := next(); ok {
		return nil, errf("unexpected content %s after %d items", quote(strings.Join(extra, " ")), n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line, err)
	}
	return k, nil
}

// LoadRobustKnapsack reads a robust knapsack file; the instance is named after the
// file's base name.
func LoadRobustKnapsack(path string) (*RobustKnapsack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ReadRobustKnapsack(bytes.NewReader(data), path)
	if err != nil {
		return nil, err
	}
	k.Name = filepath.Base(path)
	return k, nil
}

// WriteRobustKnapsack writes k in the format ReadRobustKnapsack reads.
func WriteRobustKnapsack(w io.Writer, k *RobustKnapsack) error {
	if err := k.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d %d %s\n", k.N(), k.Capacity, strconv.FormatFloat(k.Gamma, 'g', -1, 64))
	for i := range k.Profit {
		fmt.Fprintf(bw, " %s %s %d %d %s\n", rkpNum(k.Profit[i]), rkpNum(k.Degradation[i]), k.RepairWeight[i], k.Weight[i], rkpNum(k.Outsource[i]))
	}
	return bw.Flush()
}

func rkpNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Correlation is the profit/weight correlation type of the Arslan & Detienne recipe.
type Correlation string

const (
	Uncorrelated             Correlation = "UN"
	WeaklyCorrelated         Correlation = "WC"
	AlmostStronglyCorrelated Correlation = "ASC"
	StronglyCorrelated       Correlation = "SC"
)

// Correlations lists the four types in the published order.
var Correlations = []Correlation{Uncorrelated, WeaklyCorrelated, AlmostStronglyCorrelated, StronglyCorrelated}

// RKPParams are the parameters of the published generator, also encoded in the file
// names RKP_<corr>_n<n>_R<R>_H<H>_h<h>_dev<bf>_d<delta>.
type RKPParams struct {
	Corr         Correlation
	N            int
	R            int     // weight range: c ~ U{1..R} (1000 in the files)
	H            int     // capacity denominator (100 in the files)
	HSmall       int     // capacity numerator h: C = ⌊h/(H+1)·Σc⌋ (40 or 80)
	BudgetFactor float64 // Γ = n·bf (0.1, 0.15, 0.2)
	Delta        float64 // degradation spread δ: p̂ = p̄·U((1−δ)/2, (1+δ)/2) (0.1, 0.5, 1)
}

// Name is the file name the published set uses for these parameters.
func (p RKPParams) Name() string {
	return fmt.Sprintf("RKP_%s_n%d_R%d_H%d_h%d_dev%s_d%s", p.Corr, p.N, p.R, p.H, p.HSmall, rkpNum(p.BudgetFactor), rkpNum(p.Delta))
}

// Validate checks the parameters the generator accepts.
func (p RKPParams) Validate() error {
	switch p.Corr {
	case Uncorrelated, WeaklyCorrelated, AlmostStronglyCorrelated, StronglyCorrelated:
	default:
		return fmt.Errorf("%w: correlation %q: want UN, WC, ASC or SC", ErrInvalidInstance, p.Corr)
	}
	if p.N <= 0 || p.N > maxRKPItems {
		return fmt.Errorf("%w: n=%d: want 1..%d items", ErrInvalidInstance, p.N, maxRKPItems)
	}
	if p.R < 1 || p.H < 0 || p.HSmall < 0 {
		return fmt.Errorf("%w: R=%d, H=%d, h=%d: want R ≥ 1 and H, h ≥ 0", ErrInvalidInstance, p.R, p.H, p.HSmall)
	}
	if !(p.BudgetFactor >= 0 && p.BudgetFactor <= 1) {
		return fmt.Errorf("%w: budget factor %v: want [0, 1]", ErrInvalidInstance, p.BudgetFactor)
	}
	if !(p.Delta >= 0 && p.Delta <= 1) {
		return fmt.Errorf("%w: δ=%v: want [0, 1]", ErrInvalidInstance, p.Delta)
	}
	return nil
}

// ParseRKPName reads the parameters from a published file name (a directory prefix
// is ignored).
func ParseRKPName(name string) (RKPParams, error) {
	base := filepath.Base(name)
	parts := strings.Split(base, "_")
	bad := func(why string) (RKPParams, error) {
		return RKPParams{}, fmt.Errorf("%w: %q is not a robust knapsack name RKP_<corr>_n<n>_R<R>_H<H>_h<h>_dev<bf>_d<δ>: %s", ErrInvalidInstance, base, why)
	}
	if len(parts) != 8 || parts[0] != "RKP" {
		return bad("wrong number of fields")
	}
	p := RKPParams{Corr: Correlation(parts[1])}
	ints := []struct {
		prefix string
		dst    *int
	}{{"n", &p.N}, {"R", &p.R}, {"H", &p.H}, {"h", &p.HSmall}}
	for j, it := range ints {
		s, ok := strings.CutPrefix(parts[2+j], it.prefix)
		v, err := strconv.Atoi(s)
		if !ok || err != nil {
			return bad("field " + parts[2+j])
		}
		*it.dst = v
	}
	var err1, err2 error
	s, ok1 := strings.CutPrefix(parts[6], "dev")
	p.BudgetFactor, err1 = strconv.ParseFloat(s, 64)
	s, ok2 := strings.CutPrefix(parts[7], "d")
	p.Delta, err2 = strconv.ParseFloat(s, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return bad("budget or δ field")
	}
	if err := p.Validate(); err != nil {
		return RKPParams{}, err
	}
	return p, nil
}

// GenerateRobustKnapsack draws an instance with the recipe of Arslan & Detienne as
// re-implemented in Neur2RO's sample_new_inst: c ~ U(1,R), C = ⌊h/(H+1)·Σc⌋,
// p̄ by correlation type (UN U(1,R); WC U(c∓R/20); ASC U(c+R/10∓R/1000); SC c+R/10),
// p̂ = p̄·U((1−δ)/2,(1+δ)/2), f = p̄·U(1.1,1.5), t by type (UN U(1,c); WC U(p̂/2∓R/40);
// ASC U(p̂/2+c/10∓R/1000); SC p̂/2+c/10), Γ = n·bf. Values are rounded down to
// integers like the published files; profits and repair weights are kept ≥ 1, which
// the published files also satisfy, so WC's formulas never produce a negative value.
func GenerateRobustKnapsack(p RKPParams, seed uint64) (*RobustKnapsack, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x524b50))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	n, R := p.N, float64(p.R)
	k := &RobustKnapsack{
		Name:   p.Name(),
		Gamma:  float64(n) * p.BudgetFactor,
		Profit: make([]float64, n), Degradation: make([]float64, n), RepairWeight: make([]int, n),
		Weight: make([]int, n), Outsource: make([]float64, n),
	}
	sum := 0
	for i := 0; i < n; i++ {
		c := 1 + rng.IntN(p.R)
		k.Weight[i] = c
		sum += c
		cf := float64(c)
		var pbar float64
		switch p.Corr {
		case Uncorrelated:
			pbar = u(1, R)
		case WeaklyCorrelated:
			pbar = u(cf-R/20, cf+R/20)
		case AlmostStronglyCorrelated:
			pbar = u(cf+R/10-R/1000, cf+R/10+R/1000)
		case StronglyCorrelated:
			pbar = cf + R/10
		}
		pbar = math.Max(1, math.Floor(pbar))
		phat := math.Floor(pbar * u((1-p.Delta)/2, (1+p.Delta)/2))
		var t float64
		switch p.Corr {
		case Uncorrelated:
			t = u(1, cf)
		case WeaklyCorrelated:
			t = u(phat/2-R/40, phat/2+R/40)
		case AlmostStronglyCorrelated:
			t = u(phat/2+cf/10-R/1000, phat/2+cf/10+R/1000)
		case StronglyCorrelated:
			t = phat/2 + cf/10
		}
		k.Profit[i] = pbar
		k.Degradation[i] = phat
		k.RepairWeight[i] = int(math.Max(1, math.Floor(t)))
		k.Outsource[i] = math.Floor(pbar * u(1.1, 1.5))
	}
	k.Capacity = int(math.Floor(float64(p.HSmall) / float64(p.H+1) * float64(sum)))
	return k, k.Validate()
}

// ParseFirstStage reads a first-stage decision written as a string of '0' and '1',
// one character per item.
func ParseFirstStage(s string, n int) ([]bool, error) {
	if len(s) != n {
		return nil, fmt.Errorf("%w: first stage %q has %d characters, want one 0/1 per item (%d)", ErrInvalidSolution, rkpAbbrev(s), len(s), n)
	}
	x := make([]bool, n)
	for i := 0; i < n; i++ {
		switch s[i] {
		case '0':
		case '1':
			x[i] = true
		default:
			return nil, fmt.Errorf("%w: first stage character %d is %q, want 0 or 1", ErrInvalidSolution, i+1, s[i])
		}
	}
	return x, nil
}

func rkpAbbrev(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// FormatFirstStage writes x as the string ParseFirstStage reads.
func FormatFirstStage(x []bool) string {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = '0'
		if v {
			b[i] = '1'
		}
	}
	return string(b)
}

// CheckFirstStage validates a first-stage decision for k. The robust knapsack has no
// first-stage constraint beyond one binary per item, so this checks the length.
func CheckFirstStage(k *RobustKnapsack, x []bool) error {
	if len(x) != k.N() {
		return fmt.Errorf("%w: first stage has %d items, instance %q has %d", ErrInvalidSolution, len(x), k.Name, k.N())
	}
	return nil
}

// CheckSecondStage validates a scenario ξ and a recourse (y produced, r repaired) for
// the first stage x, and returns the total profit of (x, y, r) under ξ:
// Σ_{i∈x} p̄_i − f_i·[not y_i] − p̂_i ξ_i·[y_i and not r_i]. It trusts no solver: a
// dynamic programme or MILP claiming a second-stage value can be checked with it.
func CheckSecondStage(k *RobustKnapsack, x []bool, xi []float64, y, r []bool) (float64, error) {
	n := k.N()
	if err := CheckFirstStage(k, x); err != nil {
		return 0, err
	}
	if len(xi) != n || len(y) != n || len(r) != n {
		return 0, fmt.Errorf("%w: scenario or recourse length differs from %d items", ErrInvalidSolution, n)
	}
	sum, load, profit := 0.0, 0, 0.0
	const tol = 1e-9
	for i := 0; i < n; i++ {
		if !(xi[i] >= -tol && xi[i] <= 1+tol) {
			return 0, fmt.Errorf("%w: ξ_%d = %v outside [0, 1]", ErrInvalidSolution, i, xi[i])
		}
		sum += xi[i]
		if y[i] && !x[i] {
			return 0, fmt.Errorf("%w: item %d produced but not selected in the first stage", ErrInvalidSolution, i)
		}
		if r[i] && !y[i] {
			return 0, fmt.Errorf("%w: item %d repaired but not produced", ErrInvalidSolution, i)
		}
		if !x[i] {
			continue
		}
		profit += k.Profit[i]
		switch {
		case r[i]:
			load += k.Weight[i] + k.RepairWeight[i]
		case y[i]:
			load += k.Weight[i]
			profit -= k.Degradation[i] * xi[i]
		default:
			profit -= k.Outsource[i]
		}
	}
	if sum > k.Gamma+1e-7 {
		return 0, fmt.Errorf("%w: Σξ = %v exceeds the budget Γ = %v", ErrInvalidSolution, sum, k.Gamma)
	}
	if load > k.Capacity {
		return 0, fmt.Errorf("%w: recourse uses capacity %d > %d", ErrInvalidSolution, load, k.Capacity)
	}
	return profit, nil
}

// RKPBranchAndPrice is one row of Arslan & Detienne's ResultsForBranchAndPrice.csv.
type RKPBranchAndPrice struct {
	Name       string
	TimeS      float64 // NaN when the 3-hour limit was reached
	BestPrimal float64 // best worst-case profit found (maximisation)
	Optimal    bool    // solved to optimality within the limit
}

// ReadRKPBranchAndPrice reads the branch-and-price results table (a UTF-8 BOM and CRLF
// line ends are accepted), keyed by instance name.
func ReadRKPBranchAndPrice(r io.Reader, name string) (map[string]RKPBranchAndPrice, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	out := map[string]RKPBranchAndPrice{}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // a *csv.ParseError, which names the line
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidInstance, name, err)
		}
		line, _ := cr.FieldPos(0)
		if row == 1 {
			if len(rec) == 0 || !strings.EqualFold(strings.TrimSpace(rec[0]), "File name") {
				return nil, fmt.Errorf("%w: %s:%d: header must start with \"File name\"", ErrInvalidInstance, name, line)
			}
			continue
		}
		if len(rec) < 6 {
			return nil, fmt.Errorf("%w: %s:%d: %d fields, want 6", ErrInvalidInstance, name, line, len(rec))
		}
		e := RKPBranchAndPrice{Name: strings.TrimSpace(rec[0]), TimeS: math.NaN()}
		if ts := strings.TrimSpace(rec[1]); ts != "TIME_LIMIT" {
			if e.TimeS, err = strconv.ParseFloat(ts, 64); err != nil {
				return nil, fmt.Errorf("%w: %s:%d: time %s", ErrInvalidInstance, name, line, quote(ts))
			}
		}
		if e.BestPrimal, err = strconv.ParseFloat(strings.TrimSpace(rec[2]), 64); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: best primal bound %s", ErrInvalidInstance, name, line, quote(rec[2]))
		}
		e.Optimal = strings.TrimSpace(rec[5]) == "1"
		if _, dup := out[e.Name]; dup {
			return nil, fmt.Errorf("%w: %s:%d: instance %s listed twice", ErrInvalidInstance, name, line, quote(e.Name))
		}
		out[e.Name] = e
	}
	return out, nil
}

// RKPBranchAndPricePath is where the results table lives under the data directory.
var RKPBranchAndPricePath = filepath.Join("robust", "RobustDecomposition", "TwoStageRobustKnapsack", "ResultsForBranchAndPrice.csv")

// RKPInstanceDir is where the 504 instance files live under the data directory.
var RKPInstanceDir = filepath.Join("robust", "RobustDecomposition", "TwoStageRobustKnapsack", "TwoStageRobustKnapsackInstances")

// RobustKnapsackReferenceFor returns the branch-and-price value (a worst-case
// profit, larger is better) of k from the table under dataDir. It is found by
// k.Name and given only when k has the item count that name encodes (RKP_…_n40_…
// has 40 items): another instance under a published name is not that instance.
// ok is false when the instance is not listed or its size differs.
func RobustKnapsackReferenceFor(dataDir string, k *RobustKnapsack) (ref Reference, ok bool, err error) {
	if k == nil {
		return Reference{}, false, nil
	}
	p, perr := ParseRKPName(k.Name)
	if perr != nil || p.N != k.N() {
		return Reference{}, false, nil
	}
	return rkpReference(dataDir, k.Name)
}

// RobustKnapsackReference returns the branch-and-price value of the named
// instance, like RobustKnapsackReferenceFor but by name alone.
// A name says nothing of the data: use it only for an instance identified by
// its content, and RobustKnapsackReferenceFor otherwise.
func RobustKnapsackReference(dataDir, name string) (ref Reference, ok bool, err error) {
	return rkpReference(dataDir, name)
}

func rkpReference(dataDir, name string) (ref Reference, ok bool, err error) {
	f, err := os.Open(filepath.Join(dataDir, RKPBranchAndPricePath))
	if err != nil {
		return Reference{}, false, err
	}
	defer f.Close()
	tab, err := ReadRKPBranchAndPrice(f, f.Name())
	if err != nil {
		return Reference{}, false, err
	}
	e, ok := tab[filepath.Base(name)]
	if !ok {
		return Reference{}, false, nil
	}
	kind := RefBestKnown
	if e.Optimal {
		kind = RefOptimal
	}
	return Reference{Value: e.BestPrimal, Kind: kind}, true, nil
}
