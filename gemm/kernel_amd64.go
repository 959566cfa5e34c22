//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run ./internal/asmgen

// The Go-assembly routes: hand-written AVX-512F (kernel_avx512_amd64.s) and
// AVX2+FMA (kernel_avx2_amd64.s) micro-kernels. They need no GOEXPERIMENT,
// so a plain `go build` gets them; each is usable only if the CPU and OS
// support its registers (x/sys/cpu checks the OS-enabled XSAVE state).

//go:noescape
func denseKernelAVX512(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesAVX512(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func denseKernelAVX2(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesAVX2(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func indexTiles16AVX2(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func indexTiles8AVX2(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesNarrowAVX2S1(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesNarrowAVX2S2(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesNarrowAVX2S3(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

//go:noescape
func denseKernelNarrowAVX2S1(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func denseKernelNarrowAVX2S2(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func denseKernelNarrowAVX2S3(k int, a, b, c []float32, ldc int, load bool)

// transpose8x8sAVX is a transposeFunc (transpose_amd64.s; AVX only).
//
//go:noescape
func transpose8x8sAVX(nb int, src []float32, lds int, dst []float32, ldd int)

// scatterAddRowsAVX is a scatterAddFunc (transpose_amd64.s; AVX only).
//
//go:noescape
func scatterAddRowsAVX(ix []int32, src []float32, lds int, dst []float32, ldd int, cols8 int)

// signsAVX is a signsFunc (vec_amd64.s; AVX2).
//
//go:noescape
func signsAVX(dst, src []float32, n8 int)

// nonZerosAVX is a nonZerosFunc (vec_amd64.s; AVX and POPCNT).
//
//go:noescape
func nonZerosAVX(x []float32, n8 int) int

// gatherAVX512 is a gatherFunc over 16 lanes (gather_amd64.s; AVX-512F and POPCNT).
//
//go:noescape
func gatherAVX512(dst []float32, src []int32, a []float32, n16 int) int

// gatherAVX2 is a gatherFunc (gather_amd64.s; AVX2 and POPCNT).
//
//go:noescape
func gatherAVX2(dst []float32, src []int32, a []float32, n8 int) int

// binaryAVX is a binaryFunc (binary_amd64.s; AVX).
//
//go:noescape
func binaryAVX(op int, dst, x, y []float32, n8 int, v float32, scalar bool)

// sampledPairsAVX2 is a sampledFunc (sampled_amd64.s; AVX2 and FMA).
//
//go:noescape
func sampledPairsAVX2(pairs int, tab []int32, a, b []float32, n8 int, out []float32)

func indexKernelAVX512(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	seg := [2]int{0, cnt}
	indexTilesAVX512(1, seg[:], vals, offs, b, c, ldc, load)
}

func indexKernelAVX2(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	seg := [2]int{0, cnt}
	indexTilesAVX2(1, seg[:], vals, offs, b, c, ldc, load)
}

func init() {
	var signs signsFunc // signsAVX broadcasts from a register (AVX2); AVX-512F alone does not imply it
	var nonZeros nonZerosFunc
	if cpu.X86.HasAVX2 {
		signs = signsAVX
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT { // a VM may hide POPCNT
		nonZeros = nonZerosAVX
	}
	var gather512, gather2 gatherFunc
	if cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT {
		gather512 = gatherAVX512
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT {
		gather2 = gatherAVX2
	}
	var binary binaryFunc
	if cpu.X86.HasAVX {
		binary = binaryAVX
	}
	var sampled sampledFunc
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		sampled = sampledPairsAVX2
	}
	// The AVX-512 route has no narrow kernels of its own: on products narrower than a tile
	// (batch 1-8) it borrows the AVX2 ones, which share the packed layouts, when the CPU has
	// AVX2+FMA (every AVX-512 CPU sold so far). Measured on Zen 4 (VGG16 and AlexNet conv shapes
	// at batch 1 and 8): the 2:4 products at N = 4..64 went from 0.5-0.7x to 1.2-1.9x the dense
	// ones, which run the narrow AVX2 dense kernels too.
	var narrow map[int]indexTilesFunc
	var narrowDense [4]denseKernelFunc
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		narrow = map[int]indexTilesFunc{8: indexTiles8AVX2, 16: indexTiles16AVX2,
			32: indexTilesNarrowAVX2S1, 64: indexTilesNarrowAVX2S2, 96: indexTilesNarrowAVX2S3}
		narrowDense = [4]denseKernelFunc{nil, denseKernelNarrowAVX2S1, denseKernelNarrowAVX2S2, denseKernelNarrowAVX2S3}
	}
	register(&Route{name: "asm-avx512", priority: 20, needs: "AVX-512F", available: cpu.X86.HasAVX512F,
		dense: denseKernelAVX512, index: indexKernelAVX512, tiles: indexTilesAVX512, indexBlock: 64,
		narrow: narrow, narrowDense: narrowDense,
		transpose: transpose8x8sAVX, scatterAdd: scatterAddRowsAVX, signs: signs, nonZeros: nonZeros, sampled: sampled,
		binary: binary, gather: gather512, gatherWidth: 16})
	register(&Route{name: "asm-avx2", priority: 15, needs: "AVX2 and FMA", available: cpu.X86.HasAVX2 && cpu.X86.HasFMA,
		dense: denseKernelAVX2, index: indexKernelAVX2, tiles: indexTilesAVX2, indexBlock: 64,
		narrow: map[int]indexTilesFunc{8: indexTiles8AVX2, 16: indexTiles16AVX2,
			32: indexTilesNarrowAVX2S1, 64: indexTilesNarrowAVX2S2, 96: indexTilesNarrowAVX2S3},
		narrowDense: [4]denseKernelFunc{nil, denseKernelNarrowAVX2S1, denseKernelNarrowAVX2S2, denseKernelNarrowAVX2S3},
		transpose:   transpose8x8sAVX, scatterAdd: scatterAddRowsAVX, signs: signsAVX, nonZeros: nonZeros, sampled: sampledPairsAVX2,
		binary: binaryAVX, gather: gather2, gatherWidth: 8})
}
