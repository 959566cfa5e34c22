// Package cusparselt is the GPU design for the 2:4 kernel: the same API as
// the CPU N:M SpMM (sparse.NewNMPlan / gemm.IndexPlan.MatMul / sparse.SpMMNM) implemented on NVIDIA
// sparse tensor cores through cuSPARSELt (cusparseLtMatmul).
//
// Status: written against cuSPARSELt's documented API (0.5 and later:
// cusparseLtInit, cusparseLtStructuredDescriptorInit,
// cusparseLtDenseDescriptorInit, cusparseLtMatmulDescriptorInit,
// cusparseLtMatmulAlgSelectionInit, cusparseLtMatmulPlanInit,
// cusparseLtMatmulDescSetAttribute(CUSPARSELT_MATMUL_SPARSE_MAT_POINTER),
// cusparseLtSpMMAPruneCheck, cusparseLtSpMMACompressedSize,
// cusparseLtSpMMACompress, cusparseLtMatmulSearch,
// cusparseLtMatmulGetWorkspace, cusparseLtMatmul) but UNMEASURED and
// UNTESTED here: the development machines have no GPU. Everything but this
// file is behind the build tag "cusparselt", so default builds never compile
// it and need no CUDA.
//
// Design:
//   - Weights: sparse.NMMatrix (2:4) is decompressed to dense and converted
//     to FP16 on the host. cuSPARSELt's compressed layout (values plus its
//     own interleaved metadata) is opaque, so the library builds it with
//     cusparseLtSpMMACompress; our metadata encodes the same selector
//     nibbles logically (see sparse/nm_meta.go). cusparseLtSpMMAPruneCheck
//     verifies on the device that the matrix really is 2:4 along K.
//   - Precision: sparse tensor cores run 2:4 for FP16/BF16/INT8/FP8; FP32
//     inputs map to TF32 with a 1:2 pattern, which a 2:4 matrix does not
//     satisfy. So A and B are FP16 with FP32 accumulation
//     (CUSPARSE_COMPUTE_32F), C is FP16 converted back to float32: expect
//     ~1e-3 relative error, not the 1e-4 of the CPU kernels.
//   - Layout: row-major A (M x K, the 2:4 operand, non-transposed so groups
//     run along K as in the pruner), row-major B (K x N im2col), row-major C.
//     cuSPARSELt needs M, N, K multiples of 16 (FP16) for its kernels; the
//     plan pads M and K with zero rows/columns and N with zero columns on the
//     device copy (K padding keeps 2:4 valid since zero groups qualify).
//   - A Plan holds the handle, the compressed A and one cusparseLt matmul
//     plan per distinct N (plans are shape-specific), selected with
//     cusparseLtMatmulSearch on first use. MatMul copies B in and C out per
//     call; an engine keeping activations on the device would skip that.
//
// Build and run on a machine with an Ampere or newer GPU (SM 8.0+), the CUDA
// toolkit and cuSPARSELt installed (e.g. under /usr/local/cuda and
// $CUSPARSELT_DIR):
//
//	export CGO_CFLAGS="-I/usr/local/cuda/include -I$CUSPARSELT_DIR/include"
//	export CGO_LDFLAGS="-L/usr/local/cuda/lib64 -L$CUSPARSELT_DIR/lib"
//	export LD_LIBRARY_PATH=$CUSPARSELT_DIR/lib:/usr/local/cuda/lib64
//	go test -tags cusparselt ./sparse/cusparselt -v
//	go test -tags cusparselt ./sparse/cusparselt -bench . -benchtime 200ms
//
// The test compares against gemm.Naive with an FP16 tolerance; the
// benchmark reports dense-equivalent GFLOP/s on sparse.AlexNetShapes like
// the CPU benchmarks, excluding host<->device copies when -devonly is set.
package cusparselt
