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
//   - layout.Conv.Perm / PermuteColumns move K between OrderWidth (PyTorch
//     OIHW flatten) and OrderChannels (NVIDIA ASP) so the pruner, compressed
//     weights and im2col agree.
//
// # Kernels
//
//   - NewNMPlan, NewCSRPlan, NewBSRPlan, NewVectorPlan (each a gemm.IndexPlan) and SpMMNM,
//     SpMMCSR, SpMMBSR, SpMMVector: the indexed kernel of package gemm, which streams B rows,
//     C[i, 0:128] += v * B[k_idx, 0:128], vectorised over N, B packed per K block into a panel
//     that stays in L1/L2 (the block size is the route's, gemm.Route.IndexBlock). Work is
//     proportional to the stored values (N/M of dense for N:M). Plans are built once per weight
//     matrix; the SpMM* functions build one per call.
//   - GroupPlan / SpMMGroup: group-wise = dense GEMM (gemm.MulPacked) with K' = kept columns;
//     the B packing step gathers the kept rows (no separate gather pass).
//   - The dense product, the micro-kernel routes and the CPU dispatch live in package gemm.
//
// # Benchmarks
//
// The benchmark harness (shapes, timing, tables) is package sparse/gemmbench.
// The OpenBLAS anchor is gemm/openblas (build tag openblas); the GPU
// design is sparse/cusparselt (build tag cusparselt, unmeasured).
package sparse
