// Package sparse holds the compressed weight formats and CPU execution
// kernels for pruned CNN layers lowered to GEMM (hybrid filter + 2:4 pruning,
// and the element-, vector-, block- and group-wise patterns it is compared
// with). The inference engine that drives them (im2col, layers) lives
// elsewhere.
//
// # Convention
//
// C[M x N] = A[M x K] * B[K x N], float32, row-major, C overwritten. A holds
// the weights (rows = filters, K = in*kh*kw in a GroupOrder), B the im2col
// activations (N = batch*outH*outW). GFLOP/s everywhere counts the
// dense-equivalent 2*M*N*K, so a sparse kernel's GFLOP/s is its effective
// throughput and ratios are speedups.
//
// # Formats
//
//   - NMMatrix: N:M (default 2:4; 1 <= N < M <= 16), values [rows x K*N/M]
//     plus 2- or 4-bit in-group positions (nm_meta.go documents the layout and
//     its match with NVIDIA's 2:4 nibbles); CompressNM, CheckNM, Validate,
//     Decompress.
//   - CSRMatrix (element-wise), BSRMatrix (block-wise), VectorMatrix
//     (balanced vector-wise, Zhu et al.) and GroupMatrix (group-wise: the same
//     K columns removed from every row; kept-column list + smaller dense).
//   - All have MarshalBinary/UnmarshalBinary; decoders and validators never
//     panic on arbitrary input (fuzzed). Errors wrap ErrShape, ErrPattern or
//     ErrCorrupt and name the offending row/group.
//   - ConvGeom.Perm / PermuteColumns move K between OrderWidth (PyTorch
//     OIHW flatten) and OrderChannels (NVIDIA ASP) so the pruner, compressed
//     weights and im2col agree.
//
// # Kernels
//
//   - MatMul / SGEMM / PackedMatrix: dense SGEMM, blocked (KC=256, NC=512)
//     and packed, 6x64 micro-kernel, parallel over a 2-D grid of N panels
//     and M tiles (Threads goroutines, SetThreads).
//   - Plan (NewNMPlan, NewCSRPlan, NewBSRPlan, NewVectorPlan) and SpMMNM,
//     SpMMCSR, SpMMBSR, SpMMVector: an indexed kernel that streams B rows,
//     C[i, 0:128] += v * B[k_idx, 0:128], vectorised over N with a 3x128 tile
//     (one broadcast + 8 FMAs with a memory operand per kept value), B packed
//     per 64-row K block into an L1-resident panel, all row tiles of a panel
//     in one assembly call. Work is proportional to stored values (N/M of
//     dense for N:M). Plans are built once per weight matrix; the SpMM*
//     functions build one per call.
//   - GroupPlan / SpMMGroup: group-wise = dense GEMM with K' = kept columns;
//     the B packing step gathers the kept rows (no separate gather pass).
//
// # SIMD route (measured, AMD Zen 4 EPYC with AVX-512, 1 thread, AlexNet
// conv3/conv4 at batch 128, GFLOP/s dense / 2:4)
//
//	asm-avx512       (Go assembly, plain go build)        96 / 161,  90 / 147
//	archsimd-avx512  (simd/archsimd, GOEXPERIMENT=simd)   67 /  88,  63 /  80
//	go               (portable pure Go)                  3.5 /  12, 3.6 /   9
//
// The Go-assembly micro-kernels (kernel_amd64.s) are the default: they are
// faster and need no GOEXPERIMENT, so a plain `go build` is fast. Go 1.26's
// register allocator spills a 24-accumulator archsimd tile and emits
// VFMADD213 plus register moves, so the archsimd kernels split the tile into
// 3x32 quarters and still trail by 1.4x (dense) and 1.8x (2:4). archsimd
// stays as an optional route (kernel_simd.go) for comparison as the compiler
// improves. Routes are registered by CPU feature (golang.org/x/sys/cpu),
// listed by Routes and chosen with SetKernelRoute or HYBRIDPRUNE_KERNEL.
//
// # Benchmarks
//
// BenchShapes (AlexNet-CIFAR conv2..conv5 and VGG16-CIFAR layers), Setup,
// TimeGEMM, CompareKernels/CompareFuncs (round-robin, best-of, robust on a
// shared machine) and WriteTable are exported for a bench CLI; `go test
// -bench GEMM -batches 128` and SPARSE_TABLE (see table_test.go) use them.
// The OpenBLAS anchor is gemm/openblas (build tag openblas); the GPU
// design is sparse/cusparselt (build tag cusparselt, unmeasured).
package sparse
