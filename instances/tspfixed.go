package instances

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// readTSPLIBFixed reads a FIXED_EDGES_SECTION: pairs of 1-based node ids, ended
// by -1, returned 0-based. Ids are checked against DIMENSION here; whether the
// edges can lie on one tour is checked once the instance is built.
func readTSPLIBFixed(s *tspScanner, n int64) ([][2]int, error) {
	var fixed [][2]int
	for {
		var e [2]int
		for k := range e {
			tok, line, err := s.token()
			if errors.Is(err, io.EOF) {
				return nil, s.errorf(line, "FIXED_EDGES_SECTION does not end with -1")
			}
			if err != nil {
				return nil, err
			}
			id, perr := strconv.ParseInt(string(tok), 10, 64)
			if perr != nil {
				if isTSPLIBKeyword(tok) {
					return nil, s.errorf(line, "FIXED_EDGES_SECTION does not end with -1")
				}
				return nil, s.errorf(line, "fixed edge end %q is not an integer", tok)
			}
			if id == -1 && k == 0 {
				return fixed, nil
			}
			if id < 1 || id > n {
				return nil, s.errorf(line, "fixed edge end %d out of range 1…%d", id, n)
			}
			e[k] = int(id - 1)
		}
		if int64(len(fixed)) == n {
			return nil, s.errorf(s.line, "more fixed edges than nodes (%d)", n)
		}
		fixed = append(fixed, e)
	}
}

// checkFixedEdges reports why the fixed edges cannot all lie on one tour of n
// nodes: a loop, an edge given twice, a node with three fixed edges, or a
// cycle that closes before it has visited every node.
func checkFixedEdges(n int, fixed [][2]int) error {
	degree := make([]int, n)
	seen := map[[2]int]bool{}
	parent := make([]int, n) // union-find over the fixed edges, to spot cycles
	for i := range parent {
		parent[i] = i
	}
	find := func(v int) int {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	for k, e := range fixed {
		a, b := e[0], e[1]
		if a < 0 || a >= n || b < 0 || b >= n {
			return fmt.Errorf("fixed edge %d–%d: node out of range 1…%d", a+1, b+1, n)
		}
		if a == b {
			return fmt.Errorf("fixed edge %d–%d is a loop", a+1, b+1)
		}
		key := [2]int{min(a, b), max(a, b)}
		if seen[key] {
			return fmt.Errorf("fixed edge %d–%d given twice", a+1, b+1)
		}
		seen[key] = true
		for _, v := range e {
			if degree[v]++; degree[v] > 2 {
				return fmt.Errorf("node %d has more than two fixed edges", v+1)
			}
		}
		ra, rb := find(a), find(b)
		if ra == rb && (len(fixed) != n || k != len(fixed)-1) {
			return fmt.Errorf("fixed edge %d–%d closes a cycle that does not visit every node", a+1, b+1)
		}
		parent[ra] = rb
	}
	return nil
}

// checkTourFixed returns a *TourViolation for the first fixed edge that tour
// (a permutation of p's nodes) does not use.
func checkTourFixed(p *TSP, tour []int) error {
	pos := make([]int, len(tour))
	for i, v := range tour {
		pos[v] = i
	}
	n := len(tour)
	for _, e := range p.Fixed {
		d := pos[e[0]] - pos[e[1]]
		if d != 1 && d != -1 && d != n-1 && d != 1-n {
			return &TourViolation{Kind: TourFixedEdge, Node: e[0], Position: pos[e[0]], First: -1, Other: e[1], Len: n, N: n}
		}
	}
	return nil
}
