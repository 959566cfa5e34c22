//go:build openblas && cgo

package openblas_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/openblas"
	"github.com/hybridprune/hybridprune/sparse/gemmbench"
)

func TestSGEMMMatchesSparse(t *testing.T) {
	for _, s := range [][3]int{{1, 1, 1}, {17, 33, 65}, {192, 300, 1600}} {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 2))
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = r.Float32()*2 - 1
		}
		for i := range b {
			b[i] = r.Float32()*2 - 1
		}
		got, want := make([]float32, m*n), make([]float32, m*n)
		if err := openblas.SGEMM(m, n, k, a, k, b, n, got, n); err != nil {
			t.Fatal(err)
		}
		if err := gemm.MatMul(m, n, k, a, b, want); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-3 {
				t.Fatalf("%v: C[%d] openblas %v sparse %v", s, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkOpenBLAS times cblas_sgemm on gemmbench.BenchShapes (GFLOP/s =
// 2*M*N*K / time), named like sparse's BenchmarkGEMM.
func BenchmarkOpenBLAS(b *testing.B) {
	for _, batch := range []int{1, 32, 128} {
		for _, s := range gemmbench.BenchShapes(batch) {
			b.Run(fmt.Sprintf("%s-%s/b%d", s.Net, s.Layer, batch), func(b *testing.B) {
				run := openblas.Setup(s.M, s.N, s.K)
				for b.Loop() {
					if err := run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
