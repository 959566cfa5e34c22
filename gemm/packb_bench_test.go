package gemm_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

var packSmall = flag.Bool("packsmall", false, "BenchmarkPackBIndexed: a 576 x 2048 B (4.7 MB, cache-resident) instead of 576 x 32768 (75 MB)")

// BenchmarkPackBIndexed packs the whole B of VGG16's conv2_1 at batch 128 (576 x 32768, 75 MB) into
// the indexed driver's panels (128 columns, 1, 2 or 4 panels per call), in GB/s of B read: the
// cost of a product whose B comes from memory. With -packsmall, B is small enough to stay in L3:
// on a Zen 2, 7.4 GB/s from memory against 24.7 from L3 on one core, which is why the engine
// packs its convolutions' B from the activation (gemm.RowSource) instead of writing im2col out.
func BenchmarkPackBIndexed(b *testing.B) {
	k, n := 576, 32768
	if *packSmall {
		n = 2048
	}
	src := make([]float32, k*n)
	for i := range src {
		src[i] = float32(i % 7)
	}
	for _, panels := range []int{1, 2, 4} {
		dst := make([]float32, panels*k*gemm.IndexStride)
		b.Run(fmt.Sprint(panels), func(b *testing.B) {
			for b.Loop() {
				for c0 := 0; c0 < n; c0 += gemm.IndexCols * panels {
					gemm.PackB(dst, src, n, n, c0, panels, k, gemm.IndexCols, gemm.IndexStride, func(p int) int { return p }, k)
				}
			}
			b.ReportMetric(float64(k*n*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
