package gemm_test

import (
	"errors"
	"fmt"
	"testing"

	. "github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
	"github.com/hybridprune/hybridprune/internal/testmat"
)

func TestMatMul(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, s := range gemmtest.Shapes {
			m, n, k := s[0], s[1], s[2]
			a, b := testmat.RandMatrix(m*k, uint64(m)), testmat.RandMatrix(k*n, uint64(n))
			c := testmat.Sentinel(m * n)
			if err := MatMul(m, n, k, a, b, c); err != nil {
				t.Fatal(err)
			}
			gemmtest.CheckProduct(t, "MatMul", a, b, c, m, n, k)
			pm, err := Pack(a, m, k)
			if err != nil {
				t.Fatal(err)
			}
			c = testmat.Sentinel(m * n)
			if err := pm.MatMul(b, n, c); err != nil {
				t.Fatal(err)
			}
			gemmtest.CheckProduct(t, "PackedMatrix", a, b, c, m, n, k)
		}
	})
}

func TestSGEMMStrided(t *testing.T) {
	m, n, k := 13, 70, 33
	lda, ldb, ldc := k+5, n+3, n+9
	a, b := testmat.RandMatrix(m*lda, 1), testmat.RandMatrix(k*ldb, 2)
	c := testmat.RandMatrix(m*ldc, 3)
	orig := append([]float32(nil), c...)
	if err := SGEMM(m, n, k, a, lda, b, ldb, c, ldc); err != nil {
		t.Fatal(err)
	}
	// Compact copies for the reference.
	ac, bc, cc := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range m {
		copy(ac[i*k:(i+1)*k], a[i*lda:])
		copy(cc[i*n:(i+1)*n], c[i*ldc:])
		for j := n; j < ldc; j++ {
			if c[i*ldc+j] != orig[i*ldc+j] {
				t.Fatalf("SGEMM wrote outside C at row %d col %d", i, j)
			}
		}
	}
	for p := range k {
		copy(bc[p*n:(p+1)*n], b[p*ldb:])
	}
	gemmtest.CheckProduct(t, "SGEMM strided", ac, bc, cc, m, n, k)
}

func TestMatMulZeroK(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	if err := MatMul(2, 2, 0, nil, nil, c); err != nil {
		t.Fatal(err)
	}
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0 must zero C, got %v", c)
		}
	}
}

func TestMatMulAllZero(t *testing.T) {
	m, n, k := 9, 77, 130
	c := testmat.Sentinel(m * n)
	if err := MatMul(m, n, k, make([]float32, m*k), make([]float32, k*n), c); err != nil {
		t.Fatal(err)
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("C[%d]=%v, want 0", i, v)
		}
	}
}

func TestMatMulErrors(t *testing.T) {
	cases := []struct {
		m, n, k       int
		la, lb, lc    int
		lda, ldb, ldc int
	}{
		{2, 2, 2, 3, 4, 4, 2, 2, 2},  // A short
		{2, 2, 2, 4, 3, 4, 2, 2, 2},  // B short
		{2, 2, 2, 4, 4, 3, 2, 2, 2},  // C short
		{2, 2, 2, 4, 4, 4, 1, 2, 2},  // lda < k
		{-1, 2, 2, 4, 4, 4, 2, 2, 2}, // negative
	}
	for i, tc := range cases {
		err := SGEMM(tc.m, tc.n, tc.k, make([]float32, tc.la), tc.lda, make([]float32, tc.lb), tc.ldb, make([]float32, tc.lc), tc.ldc)
		if !errors.Is(err, ErrShape) {
			t.Errorf("case %d: err=%v, want ErrShape", i, err)
		}
	}
}

func TestThreadsSplit(t *testing.T) {
	for _, th := range []int{1, 2, 3, 7} {
		t.Run(fmt.Sprint(th), func(t *testing.T) {
			prev := SetThreads(th)
			defer SetThreads(prev)
			m, n, k := 31, 300, 70
			a, b := testmat.RandMatrix(m*k, 5), testmat.RandMatrix(k*n, 6)
			c := testmat.Sentinel(m * n)
			if err := MatMul(m, n, k, a, b, c); err != nil {
				t.Fatal(err)
			}
			gemmtest.CheckProduct(t, "threads", a, b, c, m, n, k)
		})
	}
}

// TestSGEMMT checks all four transpose combinations, with padded strides,
// against the reference on the transposed-back operands, on every route.
func TestSGEMMT(t *testing.T) {
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, s := range gemmtest.Shapes {
			m, n, k := s[0], s[1], s[2]
			a, b := testmat.RandMatrix(m*k, uint64(m+7)), testmat.RandMatrix(k*n, uint64(n+3))
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					as, lda := a, k+2
					if ta {
						lda = m + 3
					}
					as = stored(a, m, k, lda, ta)
					ldb := n + 1
					if tb {
						ldb = k + 5
					}
					bs := stored(b, k, n, ldb, tb)
					ldc := n + 4
					c := testmat.Sentinel(m * ldc)
					if err := SGEMMT(ta, tb, m, n, k, as, lda, bs, ldb, c, ldc); err != nil {
						t.Fatal(err)
					}
					got := make([]float32, m*n)
					for i := range m {
						copy(got[i*n:(i+1)*n], c[i*ldc:])
					}
					gemmtest.CheckProduct(t, fmt.Sprintf("SGEMMT(%v,%v)", ta, tb), a, b, got, m, n, k)
				}
			}
		}
	})
}

// stored lays out the rows x cols matrix x with row stride ld, transposed
// (cols x rows) when trans is set; padding is NaN so a stray read shows.
func stored(x []float32, rows, cols, ld int, trans bool) []float32 {
	r, c := rows, cols
	if trans {
		r, c = cols, rows
	}
	out := testmat.Sentinel(max((r-1)*ld+c, 0))
	for i := range rows {
		for j := range cols {
			if trans {
				out[j*ld+i] = x[i*cols+j]
			} else {
				out[i*ld+j] = x[i*cols+j]
			}
		}
	}
	return out
}
