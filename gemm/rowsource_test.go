package gemm_test

import (
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// sliceRows is a RowSource over a row-major k x n slice that counts its calls and checks that
// every requested range lies inside the matrix.
type sliceRows struct {
	t     *testing.T
	b     []float32
	k, n  int
	calls atomic.Int64
	bad   atomic.Int64
}

func (s *sliceRows) Row(dst []float32, r, c0 int) {
	s.calls.Add(1)
	if r < 0 || r >= s.k || c0 < 0 || c0+len(dst) > s.n {
		s.bad.Add(1)
		return
	}
	copy(dst, s.b[r*s.n+c0:])
}

// TestMatMulRows checks that a product whose B comes row by row from a RowSource equals the
// float64 reference, for the packed dense matrix and for indexed plans (2:4, and unstructured
// through the dense-non-zeros plan), on the adversarial shapes (narrow N included) and every
// route; and that a nil source or a short C is refused.
func TestMatMulRows(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range gemmtest.Shapes {
			m, n, k := s[0], s[1], s[2]
			b := make([]float32, k*n)
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			for _, nm := range []bool{false, true} {
				a := sparseOperand(rng, m, k, 0.5, nm)
				pm, err := gemm.Pack(a, m, k)
				if err != nil {
					t.Fatal(err)
				}
				pi, err := gemm.NewIndexPlanDense(a, k, m, k, false)
				if err != nil {
					t.Fatal(err)
				}
				for name, mul := range map[string]func(gemm.RowSource, int, []float32) error{
					"dense": pm.MatMulRows, "indexed": pi.MatMulRows,
				} {
					src := &sliceRows{t: t, b: b, k: k, n: n}
					c := make([]float32, m*n)
					for i := range c {
						c[i] = float32(rng.NormFloat64()) // overwritten
					}
					if err := mul(src, n, c); err != nil {
						t.Fatal(err)
					}
					if src.bad.Load() != 0 || (k > 0 && n > 0 && src.calls.Load() == 0) {
						t.Fatalf("%s %dx%dx%d: %d calls, %d outside the matrix", name, m, n, k, src.calls.Load(), src.bad.Load())
					}
					gemmtest.CheckProduct(t, name+" from rows", a, b, c, m, n, k)
				}
			}
		}
	})
	p, err := gemm.Pack(make([]float32, 6), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.MatMulRows(nil, 4, make([]float32, 8)); !errors.Is(err, gemm.ErrShape) {
		t.Fatalf("nil source: %v", err)
	}
	if err := p.MatMulRows(&sliceRows{b: make([]float32, 12), k: 3, n: 4}, 4, make([]float32, 7)); !errors.Is(err, gemm.ErrShape) {
		t.Fatalf("short C: %v", err)
	}
}
