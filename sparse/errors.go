package sparse

import (
	"errors"
	"math"
)

// Sentinel errors; every error returned by this package wraps one of them
// (test with errors.Is) and names the function and offending row/group.
var (
	// ErrShape reports inconsistent dimensions, strides or slice lengths.
	ErrShape = errors.New("shape mismatch")
	// ErrPattern reports a dense matrix that does not follow the requested
	// sparsity pattern (e.g. a 2:4 group with three non-zeros).
	ErrPattern = errors.New("matrix does not follow the sparsity pattern")
	// ErrCorrupt reports a compressed matrix whose fields violate the format
	// invariants (bad index, unsorted metadata, wrong lengths, bad encoding).
	ErrCorrupt = errors.New("corrupt compressed matrix")
)

// maxElems bounds any matrix this package allocates (2^40 elements; 2^30-1 where int has 32 bits), which
// keeps size arithmetic far from overflow when fields come from untrusted input.
const maxElems = min(1<<40, math.MaxInt>>1)

// mul returns a*b if both are non-negative and the product is <= maxElems.
func mul(a, b int) (int, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > math.MaxInt/b || a*b > maxElems {
		return 0, false
	}
	return a * b, true
}

// mulAdd returns a*b+c with the same limits as mul.
func mulAdd(a, b, c int) (int, bool) {
	p, ok := mul(a, b)
	if !ok || c < 0 || c > maxElems-p {
		return 0, false
	}
	return p + c, true
}
