//go:build !(openblas && cgo)

package engine

import "github.com/hybridprune/hybridprune/sparse"

// BLASKernels returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for sparse.CompareFuncs on shape s.
// Without the build tag openblas there are none; with it, OpenBLAS.
func BLASKernels(s sparse.Shape) ([]sparse.Kernel, []func() error) { return nil, nil }
