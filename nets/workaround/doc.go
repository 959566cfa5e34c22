// Package workaround holds the graph building blocks that hybridprune uses instead of GoMLX's
// stock layers because GoMLX v0.26.0's pure-Go backend (simplego, the CPU default) cannot
// differentiate the stock versions. Each piece is written with ops whose gradients simplego has,
// and each has a test against a direct-loop reference. Delete a piece when GoMLX catches up:
//
//   - Conv2D: layers.Convolution's gradient needs the Reverse op. Here: im2col as one
//     constant-index Gather (padding reads an appended zero row, so no Pad op) and one Dot.
//   - MaxPool: graph.MaxPool's gradient needs SelectAndScatterMax. Here: Reshape + ReduceMax for
//     non-overlapping windows (the only kind the nets use).
//   - BatchNorm: batchnorm.New's training path uses BatchNormForTraining, which simplego lacks.
//     Here: mean/variance reductions, with PyTorch's semantics (momentum 0.1, epsilon 1e-5, biased
//     variance to normalise, unbiased variance in the running average), written with Sqrt and Div
//     because Rsqrt has no gradient either.
//   - The VJP of Dot (rank 2 x rank 2): the stock one broadcasts both operands to [i, j, k]
//     (gigabytes for a conv layer's im2col matrix). RegisterDotVJP installs the textbook
//     dA = v·Bᵀ, dB = Aᵀ·v through graph.VJPRegistration.
//
// One piece is about speed, not gradients:
//
//   - InstallFastOps: simplego's matrix product runs at about 8 GFLOP/s, which made training about
//     18x slower than PyTorch on the same CPU. It replaces simplego's executor for float32
//     rank-2 x rank-2 products (every Dot the nets build, forward and backward) with the SGEMM
//     of package gemm (on the CPU's fastest micro-kernel route), and its Transpose executor, for
//     block-swapping permutations, with a tiled 2-D transpose. A weight under a fixed 2:4 mask
//     (the hybrid schedule's retraining) can run its forward and input-gradient products on the
//     indexed kernel from a plan cached per graph node (sparsedot.go, HYBRIDPRUNE_SPARSEDOT). It goes through simplego's unexported executor table (go:linkname;
//     every field it touches is checked by reflection first, and a mismatch leaves simplego as it
//     is). nets.Backend installs it; HYBRIDPRUNE_FASTOPS=0 turns it off. Delete it when simplego
//     is fast or exposes a public override.
package workaround
