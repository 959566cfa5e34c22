//go:build openblas && cgo

package kernelbench

import (
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/openblas"
)

// BLASKernels returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for CompareFuncs on shape s:
// OpenBLAS's cblas_sgemm with gemm.Threads() threads (build tag openblas).
func BLASKernels(s Shape) ([]Kernel, []func() error) {
	openblas.SetThreads(gemm.Threads())
	return []Kernel{"openblas"}, []func() error{openblas.Setup(s.M, s.N, s.K)}
}
