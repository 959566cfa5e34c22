//go:build cusparselt && cgo

package cusparselt

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/sparse"
)

var devOnly = flag.Bool("devonly", false, "benchmark the device product only (no host<->device copies)")

func random24(rows, k int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	a := make([]float32, rows*k)
	for i := range a {
		a[i] = r.Float32()*2 - 1
	}
	for row := range rows {
		for g := 0; g < k; g += 4 {
			// keep two of every four: zero two random positions
			z := r.Perm(min(4, k-g))
			for _, p := range z[:max(len(z)-2, 0)] {
				a[row*k+g+p] = 0
			}
		}
	}
	return a
}

func TestMatMul(t *testing.T) {
	for _, s := range [][3]int{{16, 16, 32}, {192, 512, 1600}, {7, 33, 70}} {
		m, n, k := s[0], s[1], s[2]
		a := random24(m, k, 1)
		nm, err := sparse.CompressNM(a, m, k, 2, 4, sparse.OrderWidth)
		if err != nil {
			t.Fatal(err)
		}
		b := random24(k, n, 2)
		want, got := make([]float32, m*n), make([]float32, m*n)
		gemm.Naive(m, n, k, a, b, want)
		if err := SpMMNM(nm, b, n, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 2e-2*(1+math.Abs(float64(want[i])))) { // NaN fails too
				t.Fatalf("%v: C[%d]=%v want %v", s, i, got[i], want[i])
			}
		}
	}
}

func TestHalfRoundTrip(t *testing.T) {
	for _, f := range []float32{0, 1, -2.5, 65504, 1e-7, 6.1e-5, float32(math.Inf(1))} {
		if g := fromHalf(toHalf(f)); math.Abs(float64(g-f)) > 1e-3*math.Abs(float64(f))+6e-8 {
			t.Errorf("%v -> %v", f, g)
		}
	}
}

func BenchmarkMatMul(b *testing.B) {
	for _, s := range sparse.AlexNetShapes(128) {
		b.Run(fmt.Sprintf("%s-%s", s.Net, s.Layer), func(b *testing.B) {
			a := random24(s.M, s.K, 1)
			nm, _ := sparse.CompressNM(a, s.M, s.K, 2, 4, sparse.OrderWidth)
			p, err := NewNMPlan(nm)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			x, c := random24(s.K, s.N, 2), make([]float32, s.M*s.N)
			if err := p.MatMul(x, s.N, c); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if *devOnly {
					err = p.DeviceMatMul(s.N)
				} else {
					err = p.MatMul(x, s.N, c)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
