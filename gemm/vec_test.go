package gemm_test

import (
	"math"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestSigns checks Signs on every route against the definition, on signed zeros, subnormals,
// infinities and NaNs at every position of the vector loop and its tail, in place and not, on
// lengths below and above the parallel split.
func TestSigns(t *testing.T) {
	nan := float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 3, -2.5, float32(math.Inf(1)), float32(math.Inf(-1)), nan, -nan, 7e-39, -1}
	want1 := []float32{0, 0, 1, -1, 1, -1, 1, -1, 0, 0, 1, -1}
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, n := range []int{1, 7, 8, 9, 12, 31, 1000, 1<<18 + 5} {
			src, want := make([]float32, n), make([]float32, n)
			for i := range n {
				src[i], want[i] = special[i%len(special)], want1[i%len(special)]
			}
			got := make([]float32, n)
			gemm.Signs(got, src)
			gemm.Signs(src, src) // in place
			for i := range n {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(src[i]) != math.Float32bits(want[i]) {
					t.Fatalf("n=%d: sign of %v at %d: got %v (in place %v), want %v", n, special[i%len(special)], i, got[i], src[i], want[i])
				}
			}
		}
	})
}

// TestCountNonZeros checks the pattern check's count on every route against the definition
// (-0 is zero; NaN, infinities and subnormals are not), at every position of the vector loop's
// 32- and 8-wide steps and of its tail.
func TestCountNonZeros(t *testing.T) {
	nan := float32(math.NaN())
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 3, 0, float32(math.Inf(1)), 0, nan, -nan, 0, -1, 0}
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 71, 1000} {
			for shift := range len(special) {
				x, want := make([]float32, n), 0
				for i := range n {
					x[i] = special[(i+shift)%len(special)]
					if x[i] != 0 || x[i] != x[i] {
						want++
					}
				}
				if got := gemm.CountNonZeros(x); got != want {
					t.Fatalf("n=%d shift %d: %d non-zeros, want %d", n, shift, got, want)
				}
				if n > 3 { // an unaligned start
					w3 := want
					for _, v := range x[:3] {
						if v != 0 || v != v {
							w3--
						}
					}
					if got := gemm.CountNonZeros(x[3:]); got != w3 {
						t.Fatalf("n=%d shift %d from 3: %d non-zeros, want %d", n, shift, got, w3)
					}
				}
			}
		}
	})
}
