//go:build !(openblas && cgo)

package gemmbench

// BLASImpls returns the outside dense GEMM implementations compiled into
// this binary, as labelled functions for CompareFuncs on shape s.
// Without the build tag openblas there are none; with it, OpenBLAS.
func BLASImpls(s Shape) ([]Impl, []func() error) { return nil, nil }
