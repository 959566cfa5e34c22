package gemm

import (
	"errors"
	"math"
)

// ErrShape reports inconsistent dimensions, strides or slice lengths; every
// error of this package wraps it (test with errors.Is).
var ErrShape = errors.New("shape mismatch")

// maxElems bounds any operand this package accepts (2^40 elements; 2^30-1 where int has 32 bits), which
// keeps size arithmetic far from overflow.
const maxElems = min(1<<40, math.MaxInt>>1)

// span returns (rows-1)*ld + cols, the elements a rows x cols operand with
// row stride ld spans, and false if it exceeds maxElems.
func span(rows, ld, cols int) (int, bool) {
	if rows < 1 || ld < 0 || cols < 0 || cols > maxElems || ld > maxElems || rows-1 > maxElems/max(ld, 1) {
		return 0, false
	}
	n := (rows-1)*ld + cols
	return n, n <= maxElems
}
