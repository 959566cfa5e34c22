package workaround

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
)

// BenchmarkSparseDot times the products of one 2:4-masked conv layer's training step on the
// AlexNet-CIFAR shapes at batch 128 (out x K weight, N = batch x output pixels), dense (SGEMMT)
// against the N:M path with its cached plan: the forward W·X and the input gradient Wᵀ·dY. Both
// allocate their output per call, as the executor does.
func BenchmarkSparseDot(b *testing.B) {
	defer SetSparseDot(SetSparseDot(true)) // the path is automatic (off on some routes): force it
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{192, 1600, 2048}, {384, 1728, 512}, {256, 3456, 512}, {256, 2304, 512}} {
		out, k, n := s[0], s[1], s[2]
		w := randSlice(rng, out*k)
		m := mask24(rng, out, k)
		for i := range w {
			w[i] *= m[i]
		}
		x, dy := randSlice(rng, k*n), randSlice(rng, out*n)
		for _, pass := range []struct {
			name     string
			trans    bool
			rows, kk int
			rhs      []float32
		}{{"forward", false, out, k, x}, {"dX", true, k, out, dy}} {
			key := new(int)
			b.Run(fmt.Sprintf("%s/%dx%dx%d/dense", pass.name, pass.rows, n, pass.kk), func(b *testing.B) {
				for b.Loop() {
					c := make([]float32, pass.rows*n) // as the executor does (and the N:M path)
					if err := gemm.SGEMMT(pass.trans, false, pass.rows, n, pass.kk, w, k, pass.rhs, n, c, n); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/%dx%dx%d/2:4", pass.name, pass.rows, n, pass.kk), func(b *testing.B) {
				for b.Loop() {
					c := make([]float32, pass.rows*n)
					if ok, err := sparseDot(unsafePointer(key), pass.trans, false, pass.rows, n, pass.kk, w, k, pass.rhs, n, c); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
			})
		}
	}
}
