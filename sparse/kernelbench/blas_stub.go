//go:build !(openblas && cgo)

package kernelbench

// BLASKernels returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for CompareFuncs on shape s.
// Without the build tag openblas there are none; with it, OpenBLAS.
func BLASKernels(s Shape) ([]Kernel, []func() error) { return nil, nil }
