// Package pruner implements the hybrid pruning of "Hybrid Pruning: Towards Sparse Tensor Core
// Friendly CNN Compression" (filter pruning whose importance metrics anticipate a later 2:4 / N:M
// pruning, then N:M pruning, then retraining) on the nets package's Spec/Weights models.
//
// The package is organised by concept:
//   - metrics (metrics_*.go): per-filter importance of every conv layer, computed from plain weight
//     tensors ([Layer]) so they also work on a bare .npz without a spec: input L1 (eq. 2), output
//     L1 (eq. 3), remanent L1 (eq. 4), dominant ratio (eq. 5), preservation importance (eqs. 6-7),
//     generic Lp norm and APoZ (data driven);
//   - transforms and hybrids (transform.go, hybrid.go): rank, squared distance to the minimum
//     (eq. 9), identity, and the linear mix h = (1-k)u + kv (eq. 8); hybrid metric 1 and 2;
//   - a registry of metrics by name (registry.go), Torch-Pruning style: any [Metric] can be added;
//   - selection (select.go): global (the paper's) or per-layer ranking into a [Plan];
//   - dependency groups (depgroups.go, selectgroups.go): in a residual net (ResNet-18) the convs
//     whose channels meet in an addition form a [ChannelGroup], scored by the mean of its
//     members' scores and pruned alike ([SelectGroups], [SelectSpec], [ExpandPlan]);
//   - surgery (surgery.go): physically removing the planned filters from a Spec and its Weights;
//   - N:M and unstructured masks (nm.go, masks.go);
//   - schedules (schedule.go): the iterative hybrid pipeline of section 4.1, its reversed order
//     (section 5.3) and the filter-only / N:M-only baselines, written against the small
//     [FineTuner] and [Evaluator] interfaces;
//   - analysis helpers (analysis.go) for the paper's figures, and [ScoreCSV] for the CLI.
//
// Conventions. A score is "importance": higher means more important, and selection removes the
// lowest scores. Every filter of every layer gets one float64 score; [Scores] is indexed
// [layer][filter] in network order. A pattern N:M (NVIDIA's notation) keeps at most N non-zero
// weights in every group of M consecutive weights; 2:4 keeps 2 of 4.
//
// Groups of M run along a flattened filter. [OrderWidth] flattens an OIHW filter as
// (in, kh, kw), i.e. the PyTorch row, so groups run along the kernel width (the paper's choice);
// [OrderChannels] flattens it as (kh, kw, in), so the M weights of a group belong to M different
// input channels at the same kernel position (NVIDIA ASP; "permuted" in the paper's Table 2). A
// filter whose length is not a multiple of M is zero-padded at its end; the padding is never a
// real weight.
//
// Channel alignment. Sparse tensor cores (and cuSPARSELt, which drives them) multiply a
// compressed 2:4 operand whose dimensions must be aligned: the reduced dimension K
// (in*kh*kw for an implicit-GEMM convolution) and the output dimension must be multiples of small
// powers of two (typically 8 or 16 for FP16, 32 for INT8) or the library falls back to padding or
// to the dense path. [SelectConfig.Multiple] therefore rounds the number of kept filters of each
// layer to a multiple of 8, 16 or 32, which keeps both the layer's output channels and the next
// layer's input channels aligned.
package pruner
