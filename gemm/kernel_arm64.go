//go:build arm64

package gemm

import "golang.org/x/sys/cpu"

// The arm64 route: a Go-assembly NEON (Advanced SIMD) dense micro-kernel, kernel_neon_arm64.s,
// written by internal/asmgen. Advanced SIMD is part of every ARMv8-A core (Apple silicon,
// Graviton, Ampere); the indexed (N:M) kernel has no NEON version yet, so sparse products use
// the portable Go one on this route.

//go:noescape
func denseKernelNEON(k int, a, b, c []float32, ldc int, load bool)

func init() {
	register(&Route{name: "asm-neon", priority: 15, needs: "Advanced SIMD (NEON)", available: cpu.ARM64.HasASIMD,
		dense: denseKernelNEON, index: indexKernelGo, indexBlock: 64})
}
