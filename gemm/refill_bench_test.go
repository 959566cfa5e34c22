package gemm_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

// BenchmarkRefill times DenseIndexPlan.Refill, the per-step cost of 2:4 fine-tuning, on AlexNet
// CIFAR conv2-5 weights under a 2:4 mask along K, for the forward plan (W) and the transposed one
// (Wᵀ, read from W as stored).
func BenchmarkRefill(b *testing.B) {
	for _, s := range [][2]int{{192, 1600}, {384, 1728}, {256, 3456}, {256, 2304}} {
		m, k := s[0], s[1]
		rng := rand.New(rand.NewPCG(1, 2))
		w := make([]float32, m*k)
		for i := range m {
			for g := 0; g < k; g += 4 {
				p := rng.Perm(4)
				for _, j := range p[:2] {
					w[i*k+g+j] = float32(rng.NormFloat64())
				}
			}
		}
		for _, trans := range []bool{false, true} {
			rows, kk := m, k
			if trans {
				rows, kk = k, m
			}
			p, err := gemm.NewIndexPlanDense(w, k, rows, kk, trans)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dx%d/trans=%v", m, k, trans), func(b *testing.B) {
				for b.Loop() {
					if !p.Refill(w) {
						b.Fatal("refill refused its own pattern")
					}
				}
				b.ReportMetric(float64(m*k/2)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
			})
		}
	}
}
