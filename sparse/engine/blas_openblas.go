//go:build openblas && cgo

package engine

import (
	"github.com/hybridprune/hybridprune/sparse"
	"github.com/hybridprune/hybridprune/sparse/openblas"
)

// BLASKernels returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for sparse.CompareFuncs on shape s:
// OpenBLAS's cblas_sgemm with sparse.Threads() threads (build tag openblas).
func BLASKernels(s sparse.Shape) ([]sparse.Kernel, []func() error) {
	openblas.SetThreads(sparse.Threads())
	return []sparse.Kernel{"openblas"}, []func() error{openblas.Setup(s)}
}
