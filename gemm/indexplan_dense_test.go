package gemm_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
)

// sparseOperand returns a rows x k matrix with about frac of its entries zero; with nm it is
// 2:4 along each row instead (two zeros in every group of four).
func sparseOperand(rng *rand.Rand, rows, k int, frac float64, nm bool) []float32 {
	a := make([]float32, rows*k)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
		if !nm && rng.Float64() < frac {
			a[i] = 0
		}
	}
	if nm {
		for r := range rows {
			for g := 0; g < k; g += 4 {
				for _, j := range rng.Perm(min(4, k-g))[:min(2, k-g)] {
					a[r*k+g+j] = 0
				}
			}
		}
	}
	return a
}

func lastNonZero(a []float32) int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != 0 {
			return i
		}
	}
	return -1
}

func transpose(a []float32, rows, k int) []float32 {
	t := make([]float32, rows*k)
	for r := range rows {
		for c := range k {
			t[c*rows+r] = a[r*k+c]
		}
	}
	return t
}

// TestIndexPlanDense checks the plan of a dense matrix's non-zeros, read directly and read
// transposed, against the float64 reference on the adversarial shapes, every route.
func TestIndexPlanDense(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, s := range gemmtest.Shapes {
			m, n, k := s[0], s[1], s[2]
			for _, nm := range []bool{false, true} {
				a := sparseOperand(rng, m, k, 0.6, nm)
				if !nm {
					a[0] = 1 // the padding slots read A's first value (Refill): it must be non-zero to test them
				}
				b := make([]float32, k*n)
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				p, err := gemm.NewIndexPlanDense(a, k, m, k, false)
				if err != nil {
					t.Fatal(err)
				}
				nz := 0
				for _, v := range a {
					if v != 0 {
						nz++
					}
				}
				if p.Stored() != nz {
					t.Fatalf("%dx%d: plan stores %d values, the matrix has %d non-zeros", m, k, p.Stored(), nz)
				}
				c := make([]float32, m*n)
				if err := p.MatMul(b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, "plan", a, b, c, m, n, k)
				// The same matrix stored transposed (k x m, stride m+3) gives the same product.
				at := transpose(a, m, k)
				lda := m + 3
				st := make([]float32, (k-1)*lda+m)
				for r := range k {
					copy(st[r*lda:r*lda+m], at[r*m:(r+1)*m])
				}
				pt, err := gemm.NewIndexPlanDense(st, lda, m, k, true)
				if err != nil {
					t.Fatal(err)
				}
				clear(c)
				if err := pt.MatMul(b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, "transposed plan", a, b, c, m, n, k)

				// New values on the same pattern, with one more zero: the transposed plan
				// refills and multiplies the new matrix; one value off the pattern refuses.
				a2 := slices.Clone(a)
				for i, v := range a2 {
					if v != 0 {
						a2[i] = float32(rng.NormFloat64())
					}
				}
				// The last non-zero, not the first: A's first value stays non-zero, and the padding
				// slots (which the portable gather reads it for) must still keep none of it.
				if i := lastNonZero(a2); i >= 0 {
					a2[i] = 0
				}
				st2 := make([]float32, len(st))
				at2 := transpose(a2, m, k)
				for r := range k {
					copy(st2[r*lda:r*lda+m], at2[r*m:(r+1)*m])
				}
				if !pt.Refill(st2) {
					t.Fatalf("%dx%d: refill on the same pattern refused", m, k)
				}
				// One value short of the stored layout, transposed or not: refused before any gather
				// reads past it.
				if m > 0 && k > 0 && (pt.Refill(st2[:(k-1)*lda+m-1]) || p.Refill(a2[:m*k-1])) {
					t.Fatalf("%dx%d: refill from a slice one value short accepted", m, k)
				}
				clear(c)
				if err := pt.MatMul(b, n, c); err != nil {
					t.Fatal(err)
				}
				gemmtest.CheckProduct(t, "refilled plan", a2, b, c, m, n, k)
				z := -1 // the first zero of the original pattern (not the stride padding)
				for i, v := range st {
					if v == 0 && i%lda < m {
						z = i
						break
					}
				}
				if z >= 0 {
					st2[z] = 1
					if pt.Refill(st2) {
						t.Fatalf("%dx%d: refill accepted a non-zero off the pattern at %d", m, k, z)
					}
				}
			}
		}
	})
}

func TestIndexPlanDenseErrors(t *testing.T) {
	a := make([]float32, 12)
	for _, c := range []struct {
		lda, rows, k int
		trans        bool
	}{{3, 4, 4, false}, {4, 4, 4, false}, {2, 3, 4, true}, {4, 4, 4, true}, {4, -1, 3, false}} {
		if _, err := gemm.NewIndexPlanDense(a, c.lda, c.rows, c.k, c.trans); !errors.Is(err, gemm.ErrShape) {
			t.Errorf("%+v over 12 values: err %v, want ErrShape", c, err)
		}
	}
	if _, err := gemm.NewIndexPlanDense(a, 4, 3, 4, false); err != nil {
		t.Errorf("3x4 stride 4 over 12 values: %v", err)
	}
}

// TestIndexPlanRowChunks runs the indexed driver's chunked path (a worker's row tiles in chunks,
// the whole K of a column panel packed at once; normally for more than 384 rows per worker) with
// chunks of 2 tiles, on every route, against the float64 reference.
func TestIndexPlanRowChunks(t *testing.T) {
	defer gemm.SetIndexChunkTiles(gemm.SetIndexChunkTiles(2))
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range [][3]int{{17, 130, 200}, {25, 300, 65}, {13, 515, 1030}, {7, 129, 64}} {
			m, n, k := s[0], s[1], s[2]
			a, b := sparseOperand(rng, m, k, 0.6, true), testmat.RandMatrix(k*n, uint64(m))
			p, err := gemm.NewIndexPlanDense(a, k, m, k, false)
			if err != nil {
				t.Fatal(err)
			}
			c := make([]float32, m*n)
			if err := p.MatMul(b, n, c); err != nil {
				t.Fatal(err)
			}
			gemmtest.CheckProduct(t, "chunked plan", a, b, c, m, n, k)
		}
	})
}
