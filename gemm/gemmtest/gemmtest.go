// Package gemmtest holds the helpers that the tests of gemm and of the
// packages built on it share: seeded random operands, a garbage-filled C, a
// float64 reference check with a rounding-aware tolerance, adversarial
// shapes, and a loop over every micro-kernel route this CPU supports.
package gemmtest

import (
	"math"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

// Shapes are adversarial (m, n, k): ones, primes, tile edges (6x64 dense,
// 3x128 indexed, K blocks 64/256), K not a multiple of 4, and conv shapes.
var Shapes = [][3]int{
	{1, 1, 1}, {1, 1, 7}, {3, 1, 5}, {1, 17, 3}, {17, 3, 1}, {3, 3, 3}, {17, 17, 17},
	{6, 64, 64}, {7, 65, 65}, {5, 63, 255}, {12, 128, 256}, {13, 129, 257},
	{1, 200, 513}, {40, 1, 300}, {33, 70, 1023}, {192, 130, 1600}, {64, 1024, 27},
	{13, 515, 1030}, // several N chunks (256 columns) times several K blocks, both ragged
}

// ForEachRoute runs f as a subtest once per micro-kernel route usable here,
// restoring the route in use afterwards.
func ForEachRoute(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, r := range gemm.Routes() {
		t.Run(r, func(t *testing.T) {
			prev, err := gemm.SetRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			defer gemm.SetRoute(prev)
			f(t)
		})
	}
}

// CheckProduct compares got (m x n) with the float64 reference A*B, allowing
// a relative error of 1e-4 of sum_k |a_ik b_kj| (the natural scale of the
// rounding error of a length-k dot product).
func CheckProduct(t testing.TB, what string, a, b, got []float32, m, n, k int) {
	t.Helper()
	for i := range m {
		for j := range n {
			var s, scale float64
			for p := range k {
				x := float64(a[i*k+p]) * float64(b[p*n+j])
				s += x
				scale += math.Abs(x)
			}
			if d := math.Abs(float64(got[i*n+j]) - s); d > 1e-4*scale+1e-30 || math.IsNaN(float64(got[i*n+j])) {
				t.Fatalf("%s m=%d n=%d k=%d: C[%d,%d]=%g want %g (scale %g)", what, m, n, k, i, j, got[i*n+j], s, scale)
			}
		}
	}
}
