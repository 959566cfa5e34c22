package sparse

import (
	"math"
	"testing"
)

// forEachRoute runs f once per available micro-kernel route.
func forEachRoute(t *testing.T, f func(t *testing.T)) {
	for _, r := range Routes() {
		t.Run(r, func(t *testing.T) {
			prev, err := SetKernelRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			defer SetKernelRoute(prev)
			f(t)
		})
	}
}

// checkProduct compares got with the float64 reference A*B, allowing a
// relative error of 1e-4 of sum_k |a_ik b_kj| (the natural scale of the
// rounding error of a length-k dot product).
func checkProduct(t *testing.T, what string, a, b, got []float32, m, n, k int) {
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

// testShapes are adversarial (m, n, k): ones, primes, tile edges (mr=6,
// nr=64, K blocks 64/256), K not a multiple of 4, and a real conv shape.
var testShapes = [][3]int{
	{1, 1, 1}, {1, 1, 7}, {3, 1, 5}, {1, 17, 3}, {17, 3, 1}, {3, 3, 3}, {17, 17, 17},
	{6, 64, 64}, {7, 65, 65}, {5, 63, 255}, {12, 128, 256}, {13, 129, 257},
	{1, 200, 513}, {40, 1, 300}, {33, 70, 1023}, {192, 130, 1600}, {64, 1024, 27},
}

// sentinel fills C with garbage so kernels must overwrite it.
func sentinel(n int) []float32 {
	c := make([]float32, n)
	for i := range c {
		c[i] = float32(math.NaN())
	}
	return c
}
