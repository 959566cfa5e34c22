package gemm_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestSampledPlan checks C = (A·Bᵀ) ⊙ M against the float64 reference on every route: the
// adversarial shapes (k below 8, not a multiple of 8 or of the chunk; n across column blocks),
// a 2:4 pattern and a random one, a row with nothing kept and one with everything, strided
// operands, and a C full of garbage (every entry must be written, zero where M is).
func TestSampledPlan(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range gemmtest.Shapes {
			m, n, k := s[0], s[1], s[2]
			for _, nm := range []bool{false, true} {
				mask := sparseOperand(rng, m, n, 0.5, nm)
				for i := range mask {
					if mask[i] != 0 {
						mask[i] = 1
					}
				}
				if m > 2 {
					for j := range n {
						mask[j], mask[n+j] = 0, 1 // row 0 keeps nothing, row 1 everything
					}
				}
				lda, ldb, ldc := k+3, k+1, n+2
				a, b := randMat(rng, m*lda), randMat(rng, n*ldb)
				c := make([]float32, m*ldc)
				for i := range c {
					c[i] = float32(math.NaN())
				}
				p, err := gemm.NewSampledPlan(mask, m, n)
				if err != nil {
					t.Fatal(err)
				}
				for rep := range 2 { // a second call reuses the offsets and accumulators
					if err := p.MulABt(k, a, lda, b, ldb, c, ldc); err != nil {
						t.Fatal(err)
					}
					checkSampled(t, m, n, k, mask, a, lda, b, ldb, c, ldc, rep)
				}
			}
		}
	})
}

func randMat(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func checkSampled(t *testing.T, m, n, k int, mask, a []float32, lda int, b []float32, ldb int, c []float32, ldc, rep int) {
	t.Helper()
	for i := range m {
		for j := range n {
			got := float64(c[i*ldc+j])
			if mask[i*n+j] == 0 {
				if got != 0 {
					t.Fatalf("m=%d n=%d k=%d call %d: C[%d,%d] = %g at a masked position, want 0", m, n, k, rep, i, j, got)
				}
				continue
			}
			var want, scale float64
			for q := range k {
				x := float64(a[i*lda+q]) * float64(b[j*ldb+q])
				want += x
				scale += math.Abs(x)
			}
			if d := math.Abs(got - want); d > 1e-5*scale+1e-30 || math.IsNaN(got) {
				t.Fatalf("m=%d n=%d k=%d call %d: C[%d,%d] = %g, want %g (scale %g)", m, n, k, rep, i, j, got, want, scale)
			}
		}
	}
}

// TestSampledPlanErrors: a mask or operands of the wrong size are ErrShape, not a panic.
func TestSampledPlanErrors(t *testing.T) {
	if _, err := gemm.NewSampledPlan(make([]float32, 5), 2, 3); !errors.Is(err, gemm.ErrShape) {
		t.Fatalf("5-value mask for 2x3: %v, want ErrShape", err)
	}
	p, err := gemm.NewSampledPlan([]float32{1, 0, 0, 1, 1, 0}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Density(); d != 0.5 {
		t.Fatalf("density %g, want 0.5", d)
	}
	a, b, c := make([]float32, 8), make([]float32, 12), make([]float32, 6)
	for _, bad := range []struct{ k, lda, ldb, ldc, na, nb, nc int }{
		{4, 4, 4, 3, 7, 12, 6}, {4, 4, 4, 3, 8, 11, 6}, {4, 4, 4, 3, 8, 12, 5}, {4, 3, 4, 3, 8, 12, 6}, {4, 4, 4, 2, 8, 12, 6},
	} {
		if err := p.MulABt(bad.k, a[:bad.na], bad.lda, b[:bad.nb], bad.ldb, c[:bad.nc], bad.ldc); !errors.Is(err, gemm.ErrShape) {
			t.Errorf("%+v: %v, want ErrShape", bad, err)
		}
	}
}
