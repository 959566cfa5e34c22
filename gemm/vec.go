package gemm

import "math"

// nonZerosFunc is countNonZeros' vector loop over the first n8 elements (a multiple of 8).
type nonZerosFunc func(x []float32, n8 int) int

// countNonZeros returns the number of non-zero values of x (-0 counts as zero, NaN as non-zero),
// on the route's vector loop where it has one (the pattern check of every DenseIndexPlan.Refill
// reads the whole weight).
func countNonZeros(x []float32) int {
	n8 := 0
	cnt := 0
	if f := Current().nonZeros; f != nil {
		n8 = len(x) / 8 * 8
		if n8 > 0 {
			cnt = f(x, n8)
		}
	}
	return cnt + nonZerosGo(x[n8:])
}

// CountNonZeros returns the number of non-zero values of x (-0 counts as zero, NaN as
// non-zero) on the route's vector loop: the pattern check of DenseIndexPlan.Refill, and of
// callers deciding whether an operand is sparse enough for an indexed plan.
func CountNonZeros(x []float32) int { return countNonZeros(x) }

// nonZerosGo is countNonZeros' portable loop, without a branch per value (a weight's zeros are
// scattered, so a branch would mispredict half the time).
func nonZerosGo(x []float32) int {
	n := uint32(0)
	for _, v := range x {
		m := math.Float32bits(v) & 0x7fffffff
		n += (m + 0x7fffffff) >> 31 // 1 when m != 0; no overflow since m <= 0x7fffffff
	}
	return int(n)
}

// signsFunc is Signs' vector loop for the first n8 elements (a multiple of 8), without checks.
type signsFunc func(dst, src []float32, n8 int)

// Signs sets dst[i] to the sign of src[i]: -1, 0 or 1, and 0 for NaN, as simplego's Sign. It
// is the derivative of ReLU and max-pooling in GoMLX's graphs (activation-sized, twice per
// layer), vectorized on the SIMD routes and split over Threads() goroutines when long; dst may
// be src. It panics if dst is shorter than src.
func Signs(dst, src []float32) {
	dst = dst[:len(src)]
	f := Current().signs
	run := func(d, s []float32) {
		n8 := 0
		if f != nil {
			n8 = len(s) / 8 * 8
			if n8 > 0 {
				f(d, s, n8)
			}
		}
		signsGo(d[n8:], s[n8:])
	}
	workers := 1
	if len(src) >= 1<<18 {
		workers = Threads()
	}
	Parallel(workers, func(w int) {
		lo, hi := split(len(src)/8, workers, w)
		lo, hi = lo*8, hi*8
		if w == workers-1 {
			hi = len(src)
		}
		run(dst[lo:hi], src[lo:hi])
	})
}

// signsGo is Signs' portable loop, branch-free from the bits (simplego's Sign branches on every
// element, which mispredicts on activations of random sign).
func signsGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		u := math.Float32bits(x)
		mag := u & 0x7fffffff
		var keep uint32
		if mag != 0 && mag <= 0x7f800000 { // compiled to flag arithmetic, not a jump
			keep = 0xffffffff
		}
		dst[i] = math.Float32frombits(((u & 0x80000000) | 0x3f800000) & keep)
	}
}
