package gemm_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

// BenchmarkTrainingGEMMs times the three products of a conv layer's training step, as the fast
// Dot runs them (SGEMMT, A packed per call), on CIFAR VGG16's 3x3 conv shapes at batch 64:
// forward W·X (out x K times K x N), input gradient Wᵀ·dY (A read transposed) and weight
// gradient dY·Xᵀ (B read transposed, contracting N). It reports GFLOP/s.
func BenchmarkTrainingGEMMs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	for _, s := range []struct {
		name         string
		out, in, pix int
	}{{"conv2", 64, 64, 32 * 32}, {"conv4", 128, 128, 16 * 16}, {"conv6", 256, 256, 8 * 8}, {"conv9", 512, 512, 4 * 4}, {"conv12", 512, 512, 2 * 2}} {
		out, k, n := s.out, s.in*9, s.pix*64
		w, x, dy := rnd(out*k), rnd(k*n), rnd(out*n)
		for _, p := range []struct {
			name      string
			ta, tb    bool
			m, nn, kk int
			a, bb     []float32
			lda, ldb  int
		}{
			{"forward", false, false, out, n, k, w, x, k, n},
			{"dX", true, false, k, n, out, w, dy, k, n},
			{"dW", false, true, out, k, n, dy, x, n, n},
		} {
			b.Run(fmt.Sprintf("%s/%s/%dx%dx%d", s.name, p.name, p.m, p.nn, p.kk), func(b *testing.B) {
				c := make([]float32, p.m*p.nn)
				for b.Loop() {
					if err := gemm.SGEMMT(p.ta, p.tb, p.m, p.nn, p.kk, p.a, p.lda, p.bb, p.ldb, c, p.nn); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(p.m*p.nn*p.kk)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
