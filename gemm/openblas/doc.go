// Package openblas is the OpenBLAS anchor for the sparse kernels: a cgo
// binding of cblas_sgemm with the same row-major GEMM convention as
// gemm.SGEMM, plus benchmarks on gemmbench.BenchShapes.
//
// Everything except this file is behind the build tag "openblas", so the
// default build stays pure Go and needs no C library. To use it (Debian):
//
//	apt-get install -y libopenblas-dev
//	go test -tags openblas ./gemm/openblas -bench . -benchtime 200ms
//	SPARSE_TABLE=alexnet:128 go test -tags openblas ./sparse/gemmbench -run PrintTable -v
//
// OpenBLAS threads follow SetThreads (default: gemm.Threads()).
package openblas
