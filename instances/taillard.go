package instances

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// taillardRand is the Lehmer generator of Taillard (1993): seed ← 16807·seed mod
// (2^31−1), computed with Schrage's decomposition as in the paper's code.
type taillardRand struct{ seed int64 }

// unif returns an integer in [low, high], advancing the seed, exactly as the paper's
// unif(seed, low, high): the uniform value in [0,1) is seed/m in double precision.
func (r *taillardRand) unif(low, high int) int {
	const (
		a = 16807
		b = 127773
		c = 2836
		m = math.MaxInt32 // 2^31 − 1
	)
	k := r.seed / b
	r.seed = a*(r.seed%b) - k*c
	if r.seed < 0 {
		r.seed += m
	}
	u := float64(r.seed) / float64(m)
	return low + int(math.Floor(u*float64(high-low+1)))
}

// GenerateTaillard builds a job shop exactly as Taillard's generator (E. Taillard,
// "Benchmarks for basic scheduling problems", EJOR 64(2):278–285, 1993): durations
// d[i][j] = unif(timeSeed, 1, 99) row by row; each job's machine order starts as
// 1…m and, for j = 1…m, swaps position j with position unif(machineSeed, j, m).
// With the size and seeds of ta01…ta80 (see TaillardInstance) it reproduces the
// published instance and names it "ta01"…"ta80"; other instances are named
// "taillard_<jobs>x<machines>_<time seed>_<machine seed>". Seeds should lie in 1…2^31−2 (0 makes the generator constant). It
// panics if jobs or machines is below 1.
func GenerateTaillard(jobs, machines int, timeSeed, machineSeed int32) *JobShop {
	if jobs < 1 || machines < 1 {
		panic(fmt.Sprintf("instances: GenerateTaillard(%d, %d): need at least one job and one machine", jobs, machines))
	}
	ops := make([]Operation, jobs*machines)
	js := &JobShop{
		Name:     fmt.Sprintf("taillard_%dx%d_%d_%d", jobs, machines, timeSeed, machineSeed),
		Machines: machines,
		Jobs:     make([][]Operation, jobs),
	}
	for i := range js.Jobs {
		js.Jobs[i] = ops[i*machines : (i+1)*machines : (i+1)*machines]
	}
	tr := taillardRand{seed: int64(timeSeed)}
	for _, job := range js.Jobs {
		for k := range job {
			job[k].Duration = tr.unif(1, 99)
		}
	}
	mr := taillardRand{seed: int64(machineSeed)}
	for _, job := range js.Jobs {
		for k := range job {
			job[k].Machine = k
		}
		for k := range job {
			// The paper's positions are 1-based: swap j with unif(j, m).
			s := mr.unif(k+1, machines) - 1
			job[k].Machine, job[s].Machine = job[s].Machine, job[k].Machine
		}
	}
	if k := taillardIndex(TaillardHeader{Jobs: jobs, Machines: machines, TimeSeed: timeSeed, MachineSeed: machineSeed}); k >= 0 {
		js.Name = fmt.Sprintf("ta%02d", k+1)
	}
	return js
}

// taillardSeeds holds jobs, machines, time seed and machine seed of ta01…ta80, from
// Taillard (1993), Tables of the job-shop instances (the headers of his instance files).
var taillardSeeds = [80][4]int32{
	{15, 15, 840612802, 398197754},    // ta01
	{15, 15, 1314640371, 386720536},   // ta02
	{15, 15, 1227221349, 316176388},   // ta03
	{15, 15, 342269428, 1806358582},   // ta04
	{15, 15, 1603221416, 1501949241},  // ta05
	{15, 15, 1357584978, 1734077082},  // ta06
	{15, 15, 44531661, 1374316395},    // ta07
	{15, 15, 302545136, 2092186050},   // ta08
	{15, 15, 1153780144, 1393392374},  // ta09
	{15, 15, 73896786, 1544979948},    // ta10
	{20, 15, 533484900, 317419073},    // ta11
	{20, 15, 1894307698, 1474268163},  // ta12
	{20, 15, 874340513, 509669280},    // ta13
	{20, 15, 1124986343, 1209573668},  // ta14
	{20, 15, 1463788335, 529048107},   // ta15
	{20, 15, 1056908795, 25321885},    // ta16
	{20, 15, 195672285, 1717580117},   // ta17
	{20, 15, 961965583, 1353003786},   // ta18
	{20, 15, 1610169733, 1734469503},  // ta19
	{20, 15, 532794656, 998486810},    // ta20
	{20, 20, 1035939303, 773961798},   // ta21
	{20, 20, 5997802, 1872541150},     // ta22
	{20, 20, 1357503601, 722225039},   // ta23
	{20, 20, 806159563, 1166962073},   // ta24
	{20, 20, 1902815253, 1879990068},  // ta25
	{20, 20, 1503184031, 1850351876},  // ta26
	{20, 20, 1032645967, 99711329},    // ta27
	{20, 20, 229894219, 1158117804},   // ta28
	{20, 20, 823349822, 108033225},    // ta29
	{20, 20, 1297900341, 489486403},   // ta30
	{30, 15, 98640593, 1981283465},    // ta31
	{30, 15, 1839268120, 248890888},   // ta32
	{30, 15, 573875290, 2081512253},   // ta33
	{30, 15, 1670898570, 788294565},   // ta34
	{30, 15, 1118914567, 1074349202},  // ta35
	{30, 15, 178750207, 294279708},    // ta36
	{30, 15, 1549372605, 596993084},   // ta37
	{30, 15, 798174738, 151685779},    // ta38
	{30, 15, 553410952, 1329272528},   // ta39
	{30, 15, 1661531649, 1173386294},  // ta40
	{30, 20, 1841414609, 1357882888},  // ta41
	{30, 20, 2116959593, 1546338557},  // ta42
	{30, 20, 796392706, 1230864158},   // ta43
	{30, 20, 532496463, 254174057},    // ta44
	{30, 20, 2020525633, 978943053},   // ta45
	{30, 20, 524444252, 185526083},    // ta46
	{30, 20, 1569394691, 487269855},   // ta47
	{30, 20, 1460267840, 1631446539},  // ta48
	{30, 20, 198324822, 1937476577},   // ta49
	{30, 20, 38071822, 1541985579},    // ta50
	{50, 15, 17271, 718939},           // ta51
	{50, 15, 660481279, 449650254},    // ta52
	{50, 15, 352229765, 949737911},    // ta53
	{50, 15, 1197518780, 166840558},   // ta54
	{50, 15, 1376020303, 483922052},   // ta55
	{50, 15, 2106639239, 955932362},   // ta56
	{50, 15, 1765352082, 1209982549},  // ta57
	{50, 15, 1105092880, 1349003108},  // ta58
	{50, 15, 907248070, 919544535},    // ta59
	{50, 15, 2011630757, 1845447001},  // ta60
	{50, 20, 8493988, 2738939},        // ta61
	{50, 20, 1991925010, 709517751},   // ta62
	{50, 20, 342093237, 786960785},    // ta63
	{50, 20, 1634043183, 973178279},   // ta64
	{50, 20, 341706507, 286513148},    // ta65
	{50, 20, 320167954, 1411193018},   // ta66
	{50, 20, 1089696753, 298068750},   // ta67
	{50, 20, 433032965, 1589656152},   // ta68
	{50, 20, 615974477, 331205412},    // ta69
	{50, 20, 236150141, 592292984},    // ta70
	{100, 20, 302034063, 1203569070},  // ta71
	{100, 20, 1437643198, 1692025209}, // ta72
	{100, 20, 1792475497, 1039908559}, // ta73
	{100, 20, 1647273132, 1012841433}, // ta74
	{100, 20, 696480901, 1689682358},  // ta75
	{100, 20, 1785569423, 1092647459}, // ta76
	{100, 20, 117806902, 739059626},   // ta77
	{100, 20, 1639154709, 1319962509}, // ta78
	{100, 20, 2007423389, 749368241},  // ta79
	{100, 20, 682761130, 262763021},   // ta80
}

// taillardIndex returns k when hdr has the size and seeds of ta(k+1), else -1.
func taillardIndex(hdr TaillardHeader) int {
	for k, s := range taillardSeeds {
		if int(s[0]) == hdr.Jobs && int(s[1]) == hdr.Machines && s[2] == hdr.TimeSeed && s[3] == hdr.MachineSeed {
			return k
		}
	}
	return -1
}

// TaillardSeeds returns the header (size and seeds; bounds left zero) of Taillard's
// instance number k, 1…80.
func TaillardSeeds(k int) (TaillardHeader, bool) {
	if k < 1 || k > len(taillardSeeds) {
		return TaillardHeader{}, false
	}
	s := taillardSeeds[k-1]
	return TaillardHeader{Jobs: int(s[0]), Machines: int(s[1]), TimeSeed: s[2], MachineSeed: s[3]}, true
}

// TaillardInstance generates Taillard's instance "ta01"…"ta80" from its seeds. The
// "js" suffix of some collections ("ta01js") is accepted.
func TaillardInstance(name string) (*JobShop, error) {
	s := strings.TrimSuffix(strings.ToLower(name), "js")
	k := 0
	if rest, ok := strings.CutPrefix(s, "ta"); ok && len(rest) >= 1 && len(rest) <= 2 {
		k, _ = strconv.Atoi(rest)
	}
	hdr, ok := TaillardSeeds(k)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a Taillard job-shop instance (ta01…ta80)", ErrInvalidInstance, name)
	}
	js := GenerateTaillard(hdr.Jobs, hdr.Machines, hdr.TimeSeed, hdr.MachineSeed)
	js.Name = fmt.Sprintf("ta%02d", k)
	return js, nil
}

// GenerateJobShop draws a random instance from Taillard's distribution (durations
// uniform in 1…99, each job a uniformly random machine order). The 64-bit seed is
// mixed by SplitMix64 into two seeds in 1…2^31−2, time seed first, so nearby seeds
// give unrelated instances; the same seed always gives the same instance. It panics
// if jobs or machines is below 1.
func GenerateJobShop(jobs, machines int, seed uint64) *JobShop {
	const span = math.MaxInt32 - 1 // valid Lehmer seeds: 1…2^31−2
	state := seed
	timeSeed := int32(1 + splitMix64(&state)%span)
	machineSeed := int32(1 + splitMix64(&state)%span)
	js := GenerateTaillard(jobs, machines, timeSeed, machineSeed)
	js.Name = fmt.Sprintf("random_%dx%d_%d", jobs, machines, seed)
	return js
}

// splitMix64 is Steele, Lea and Flood's SplitMix64 step.
func splitMix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
