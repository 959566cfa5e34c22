//go:build amd64

package sparse

import "golang.org/x/sys/cpu"

// The Go-assembly route: hand-written AVX-512F micro-kernels in
// kernel_amd64.s. They need no GOEXPERIMENT, so a plain `go build` gets them;
// they are registered only if the CPU and OS support AVX-512F (ZMM state).

//go:noescape
func denseKernelAVX512(k int, a, b, c []float32, ldc int, load bool)

//go:noescape
func indexTilesAVX512(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

func indexKernelAVX512(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	seg := [2]int{0, cnt}
	indexTilesAVX512(1, seg[:], vals, offs, b, c, ldc, load)
}

func init() {
	if cpu.X86.HasAVX512F {
		register(&kernelRoute{name: "asm-avx512", priority: 20, dense: denseKernelAVX512, index: indexKernelAVX512, tiles: indexTilesAVX512})
	}
}
