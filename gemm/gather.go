package gemm

import "math"

// gatherFunc is gatherNonZeros' vector loop over the first n8 slots (a multiple of 8, of 16 on
// the AVX-512 route): dst[i] = a[src[i]], or 0 where src[i] < 0, returning how many of the
// gathered values are non-zero. It reads a without bounds checks: every src[i] >= 0 must index a.
type gatherFunc func(dst []float32, src []int32, a []float32, n8 int) int

// gatherNonZeros sets dst[i] = a[src[i]] for every slot, 0 where src[i] is negative (padding),
// and returns how many of the values it wrote are non-zero (-0 counts as zero, NaN as
// non-zero): DenseIndexPlan.Refill's gather and half of its pattern check. Every non-negative
// src[i] must be below len(a); the caller checks that once (Refill checks a's length against
// the geometry its sources came from), since the vector loop has no bounds checks. On the
// Intel Xeon (family 6 model 167, one core) the AVX-512 and AVX2 gathers moved 1.8 billion
// values per second where the portable loop moved 1.1 (sources two values apart in a 3.5 MB
// weight); with every source on a new cache line all three wait on memory alike (0.15).
func gatherNonZeros(dst []float32, src []int32, a []float32) int {
	dst = dst[:len(src)]
	n8, cnt := 0, 0
	if r := Current(); r.gather != nil {
		w := r.gatherWidth
		n8 = len(src) / w * w
		if n8 > 0 {
			cnt = r.gather(dst, src, a, n8)
		}
	}
	return cnt + gatherGo(dst[n8:], src[n8:], a)
}

// gatherGo is gatherNonZeros' portable loop, without a branch per slot: padding (source -1)
// reads a[0] and keeps none of its bits (the transposed plan of a 2:4 weight pads 12% of its
// slots, scattered).
func gatherGo(dst []float32, src []int32, a []float32) int {
	n := uint32(0)
	for i, s := range src {
		pad := s >> 31 // -1 for padding, else 0
		bits := math.Float32bits(a[s&^pad]) &^ uint32(pad)
		dst[i] = math.Float32frombits(bits)
		m := bits & 0x7fffffff
		n += (m + 0x7fffffff) >> 31
	}
	return int(n)
}
