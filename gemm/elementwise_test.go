package gemm_test

import (
	"math"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestElementwise checks every op of Elementwise and ElementwiseScalar, against a scalar and between vectors, on either side, on
// every route, bit for bit against one IEEE operation per value written out here: signed zeros,
// subnormals, infinities and NaNs at every lane of the vector loop and in its tail, in place
// (dst = x, dst = y) and not.
func TestElementwise(t *testing.T) {
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	special := []float32{0, negZero, 1e-45, -1e-45, 3, -2.5, float32(math.Inf(1)), float32(math.Inf(-1)), nan, 7e-39, -1, 0.1, 1e30, -3e-30}
	ref := map[gemm.ElementwiseOp]func(a, b float32) float32{
		gemm.OpAdd: func(a, b float32) float32 { return a + b },
		gemm.OpSub: func(a, b float32) float32 { return a - b },
		gemm.OpMul: func(a, b float32) float32 { return a * b },
		gemm.OpDiv: func(a, b float32) float32 { return a / b },
	}
	// NaN payloads may differ (Go may put either operand of a scalar add or mul first); any
	// other result must match bit for bit.
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b) }
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 7, 8, 9, 16, 23, 1001} {
			x, y := make([]float32, n), make([]float32, n)
			for i := range n {
				x[i] = special[i%len(special)]
				y[i] = special[(i*5+3)%len(special)] // every pair of specials meets in some lane
			}
			for op, f := range ref {
				for _, swapped := range []bool{false, true} {
					// Between vectors.
					got := make([]float32, n)
					gemm.Elementwise(op, got, x, y, swapped)
					inX, inY := slices.Clone(x), slices.Clone(y)
					gemm.Elementwise(op, inX, inX, y, swapped)
					gemm.Elementwise(op, inY, x, inY, swapped)
					for i := range n {
						want := f(x[i], y[i])
						if swapped {
							want = f(y[i], x[i])
						}
						if !same(got[i], want) || !same(inX[i], want) || !same(inY[i], want) {
							t.Fatalf("n=%d op %d swapped %v at %d: %v op %v = %v (dst=x %v, dst=y %v), want %v",
								n, op, swapped, i, x[i], y[i], got[i], inX[i], inY[i], want)
						}
					}
					// Against each special as the scalar.
					for _, v := range special {
						gemm.ElementwiseScalar(op, got, x, v, swapped)
						inPlace := slices.Clone(x)
						gemm.ElementwiseScalar(op, inPlace, inPlace, v, swapped)
						for i := range n {
							want := f(x[i], v)
							if swapped {
								want = f(v, x[i])
							}
							if !same(got[i], want) || !same(inPlace[i], want) {
								t.Fatalf("n=%d op %d swapped %v scalar %v at %d: %v (in place %v), want %v", n, op, swapped, v, i, got[i], inPlace[i], want)
							}
						}
					}
				}
			}
		}
	})
	defer func() {
		if recover() == nil {
			t.Error("Elementwise with a short y did not panic")
		}
	}()
	gemm.Elementwise(gemm.OpAdd, make([]float32, 4), make([]float32, 4), make([]float32, 3, 8), false)
}
