package gemm_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

// BenchmarkSampledWeightGrad times the weight gradient dW = dY·Xᵀ of AlexNet-CIFAR conv2-5 at
// batch 128 (m = out channels, n = K, k = batch*H*W) as the dense product (SGEMMT with B read
// transposed, what the dense masked path runs) and as the sampled product under a 2:4 mask;
// GFLOP/s are dense-equivalent (2mnk / time), so their ratio is the speedup. On an AMD EPYC
// Zen 2 (asm-avx2, 2 threads): dense 142-148, sampled 143-168 (1.02-1.10x; the blockings
// 96x64 .. 16x1024 of a first, one-row kernel measured 0.5-1.07x).
//
//	go test ./gemm -run X -bench SampledWeightGrad -benchtime 10x
func BenchmarkSampledWeightGrad(b *testing.B) {
	for _, s := range [][3]int{{192, 1600, 2048}, {384, 1728, 512}, {256, 3456, 512}, {256, 2304, 512}} {
		m, n, k := s[0], s[1], s[2]
		rng := rand.New(rand.NewPCG(1, 2))
		dy, x := randMat(rng, m*k), randMat(rng, n*k)
		mask := sparseOperand(rng, m, n, 0, true)
		c := make([]float32, m*n)
		flops := 2 * float64(m) * float64(n) * float64(k)
		b.Run(fmt.Sprintf("dense/%dx%dx%d", m, n, k), func(b *testing.B) {
			for b.Loop() {
				if err := gemm.SGEMMT(false, true, m, n, k, dy, k, x, k, c, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("sampled-2:4/%dx%dx%d", m, n, k), func(b *testing.B) {
			p, err := gemm.NewSampledPlan(mask, m, n)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := p.MulABt(k, dy, k, x, k, c, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
