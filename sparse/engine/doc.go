// Package engine runs inference of a (pruned) nets.Spec + nets.Weights on the
// CPU through the kernels of package sparse, with an execution mode chosen per
// conv/dense layer: dense (packed SGEMM), nm (N:M compressed weights, 2:4 by
// default), group (group-wise: K columns that are zero in every filter are
// dropped) or csr (element-wise), plus auto (nm where the weights follow the
// N:M pattern, dense elsewhere).
//
//	net, err := engine.Compile(spec, w, engine.Options{Default: engine.ModeAuto})
//	logits, err := net.Forward(x, n) // x: n images NCHW; logits: n x classes
//
// # Compilation
//
// Compile validates the spec and weights, folds every batch-norm that directly
// follows a conv or dense layer into it (w' = w*s, b' = (b-mean)*s + offset
// with s = scale/sqrt(var+eps), eps = nets.BatchNormEpsilon; scaling a row
// keeps its zero pattern, so N:M survives), fuses a following ReLU into the
// layer's epilogue, drops dropout (inference), and converts each weight matrix
// once into its mode's format: gemm.Pack, sparse.NewNMPlan,
// sparse.NewCSRPlan, or for group mode a packed dense matrix over the kept
// columns (conv; the gather is fused into im2col, which then builds only the
// kept rows) or a sparse.GroupPlan (dense layer; the gather is fused into the
// B packing).
//
// # Lowering and layout
//
// Activations are kept as a row-major [C x (H*W*B)] matrix with the batch
// innermost ("CHWN"): value (c, y, x, b) is at ((c*H+y)*W+x)*B+b. This is
// exactly the C of the GEMM C[M x N] = W[M x K] * im2col[K x N] with
// M = filters and N = outH*outW*B, so a conv's output needs no reordering, and
// it makes im2col cheap: the rows of im2col[K x (outH*outW*B)], in the
// Options.Order of the weights, are copies of the activation, one output row of
// a stride-1 conv a single contiguous copy of outW*B values (stride s: outW
// copies of B values); padding is written as zeros, no padded copy is made.
// The GEMM packs those rows straight from the activation (im2colRows, a
// gemm.RowSource), so a large im2col matrix is never written out: at batch 128
// VGG16's second conv reads its 8.4 MB activation from the caches instead of
// writing and re-reading 302 MB. Small ones (at most 256 KiB) are written out in
// one parallel pass first, which costs less than every worker assembling the
// same narrow rows. A 1x1
// stride-1 unpadded conv multiplies the activation directly. OrderWidth =
// (in, kh, kw), PyTorch's OIHW flatten; OrderChannels = (kh, kw, in), NVIDIA
// ASP: the weight columns are permuted once at compile time with
// layout.Conv.Perm and sparse.PermuteColumns, and im2col emits its rows in
// the same order, so N:M groups run along input channels.
//
// Bias, ReLU, batch-norm and max-pool work on contiguous runs of B values.
// Flatten is free: [C x (H*W*B)] already is the [(C*H*W) x B] input of the
// next dense layer, features in PyTorch's channel-major order. Dense layers
// are GEMMs with the batch as N, and the final [classes x B] is transposed
// into the n x classes logits (the NCHW input is transposed on entry).
//
// # Threads and buffers
//
// The GEMMs run on gemm.Threads() goroutines (gemm.SetThreads); the im2col
// rows, padding, the bias/ReLU epilogue, pooling and flatten are split the same way, through
// gemm.Parallel (its pool of spinning workers; a concurrent Forward's calls start goroutines
// instead). A conv split into padding regions that divide evenly over the threads runs whole
// regions per worker, each product serial, and only then splits below 128 columns per region,
// on routes with narrow kernels (convsplit.go).
// Residual networks (nets.Spec Input, add, global average pool) keep the
// outputs later layers read out of order in slots shared by non-overlapping
// lifetimes (residual.go); a ReLU after an add is fused into it.
//
// Buffers (two activation buffers, the small convs' im2col and the slots) are allocated once
// per batch size (Prepare, or the first Forward of that size) and reused;
// Forward is safe for concurrent use (each call takes its own workspace).
package engine
