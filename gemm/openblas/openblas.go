//go:build openblas && cgo

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/hybridprune/hybridprune/gemm"
)

// SetThreads sets the number of OpenBLAS threads.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

func init() { SetThreads(gemm.Threads()) }

// SGEMM computes C = A * B (row-major; A m x k stride lda, B k x n stride
// ldb, C m x n stride ldc) with cblas_sgemm, after the same argument checks
// as gemm.SGEMM.
func SGEMM(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 || (k > 0 && lda < k) || ldb < n || ldc < n {
		return fmt.Errorf("openblas: SGEMM: bad shape m=%d n=%d k=%d lda=%d ldb=%d ldc=%d: %w", m, n, k, lda, ldb, ldc, gemm.ErrShape)
	}
	if m == 0 || n == 0 {
		return nil
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return nil
	}
	if len(a) < (m-1)*lda+k || len(b) < (k-1)*ldb+n || len(c) < (m-1)*ldc+n {
		return fmt.Errorf("openblas: SGEMM: slices too short for m=%d n=%d k=%d: %w", m, n, k, gemm.ErrShape)
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
	return nil
}

// Setup allocates operands for an m x n x k product and returns a function
// running one OpenBLAS product, for gemmbench.CompareFuncs.
func Setup(m, n, k int) func() error {
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	return func() error { return SGEMM(m, n, k, a, k, b, n, c, n) }
}
