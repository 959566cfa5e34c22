//go:build openblas && cgo

package gemmbench

import (
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/openblas"
)

// BLASImpls returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for CompareFuncs on shape s:
// OpenBLAS's cblas_sgemm with gemm.Threads() threads (build tag openblas).
func BLASImpls(s Shape) ([]Impl, []func() error) {
	openblas.SetThreads(gemm.Threads())
	return []Impl{"openblas"}, []func() error{openblas.Setup(s.M, s.N, s.K)}
}
