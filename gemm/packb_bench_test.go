package gemm_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

var packSmall = flag.Bool("packsmall", false, "")

func BenchmarkPackBIndexed(b *testing.B) {
	k, n := 576, 32768
	if *packSmall {
		n = 2048 // B of 4.7 MB: L3-resident
	}
	src := make([]float32, k*n)
	for i := range src {
		src[i] = float32(i % 7)
	}
	for _, panels := range []int{1, 2, 4} {
		dst := make([]float32, panels*k*144)
		b.Run(fmt.Sprint(panels), func(b *testing.B) {
			for b.Loop() {
				for c0 := 0; c0 < n; c0 += 128 * panels {
					gemm.PackB(dst, src, n, n, c0, panels, k, 128, 144, func(p int) int { return p }, k)
				}
			}
			b.ReportMetric(float64(k*n*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
