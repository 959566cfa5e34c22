//go:build arm64

package gemm

import "golang.org/x/sys/cpu"

// The arm64 route: Go-assembly NEON (Advanced SIMD) dense and indexed micro-kernels,
// kernel_neon_arm64.s, written by internal/asmgen. Advanced SIMD is part of every ARMv8-A core
// (Apple silicon, Graviton, Ampere). The narrow kernels (N below a tile) are the amd64 route's
// only; here narrow products run the full tile through the scratch tile.

//go:noescape
func denseKernelNEON(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesNEON(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

func indexKernelNEON(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	seg := [2]int{0, cnt}
	indexTilesNEON(1, seg[:], vals, offs, b, c, ldc, load)
}

func init() {
	register(&Route{name: "asm-neon", priority: 15, needs: "Advanced SIMD (NEON)", available: cpu.ARM64.HasASIMD,
		dense: denseKernelNEON, index: indexKernelNEON, tiles: indexTilesNEON, indexBlock: 64})
}
