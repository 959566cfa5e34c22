// Package gemmbench is the benchmark harness of the GEMM kernels: the AlexNet- and
// VGG16-CIFAR conv shapes (BenchShapes), random operands pruned to each pattern (Setup),
// interleaved best-of timing that keeps ratios robust on a shared machine (CompareImpls,
// CompareFuncs, TimeGEMM) and speedup tables (WriteTable). `hybridprune bench -kernels` prints
// its table; with `-tags openblas` an OpenBLAS column joins (BLASImpls).
package gemmbench
