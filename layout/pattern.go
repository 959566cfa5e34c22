package layout

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxM is the largest group size M of an N:M pattern: the compressed formats store in-group
// positions in 4 bits.
const MaxM = 16

// Pattern is an N:M sparsity pattern: at most N non-zero weights in every group of M.
type Pattern struct {
	N, M int
}

// Pattern24 is the 2:4 pattern of NVIDIA's sparse tensor cores.
var Pattern24 = Pattern{N: 2, M: 4}

// String formats the pattern as "N:M".
func (p Pattern) String() string { return fmt.Sprintf("%d:%d", p.N, p.M) }

// Validate requires 1 <= N < M <= MaxM: the one check every package applies, so a pattern the
// formats cannot store is rejected before any scoring or training.
func (p Pattern) Validate() error {
	if p.N < 1 || p.N >= p.M || p.M > MaxM {
		return fmt.Errorf("invalid N:M pattern %d:%d (want 1 <= N < M <= %d)", p.N, p.M, MaxM)
	}
	return nil
}

// ParsePattern parses "N:M", e.g. "2:4", "1:4" or "4:8", and validates it.
func ParsePattern(s string) (Pattern, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Pattern{}, fmt.Errorf("invalid N:M pattern %q (want e.g. 2:4)", s)
	}
	n, err1 := strconv.Atoi(a)
	m, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return Pattern{}, fmt.Errorf("invalid N:M pattern %q (want e.g. 2:4)", s)
	}
	p := Pattern{N: n, M: m}
	return p, p.Validate()
}
