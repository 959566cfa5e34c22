package gemm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestGatherNonZeros checks Refill's gather on every route against the definition: each slot
// gets a[src] (bit for bit: signed zeros, NaN payloads, subnormals), padding slots (-1) get +0,
// and the count is of the non-zero values written (-0 zero, NaN not), at every length around the
// 8-, 16- and 32-slot steps of the vector loops and their tail, with sources at both ends of a.
func TestGatherNonZeros(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	a := []float32{-1, 0, float32(math.Copysign(0, -1)), 1e-45, nan, float32(math.Inf(-1)), 2.5, 0, 7}
	rng := rand.New(rand.NewPCG(3, 4))
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 200} {
			src := make([]int32, n)
			for i := range src {
				src[i] = int32(rng.IntN(len(a)+3)) - 3 // about a quarter padding
				if src[i] < 0 {
					src[i] = -1
				}
			}
			if n > 1 {
				src[0], src[n-1] = 0, int32(len(a)-1)
			}
			dst := make([]float32, n+1)
			for i := range dst {
				dst[i] = 99 // every slot is written; the one past the end is not
			}
			got := gemm.GatherNonZeros(dst[:n], src, a)
			want := 0
			for i, s := range src {
				w := float32(0)
				if s >= 0 {
					w = a[s]
				}
				if math.Float32bits(dst[i]) != math.Float32bits(w) {
					t.Fatalf("n=%d slot %d (source %d): got %v (%#x), want %v (%#x)", n, i, s, dst[i], math.Float32bits(dst[i]), w, math.Float32bits(w))
				}
				if w != 0 || w != w {
					want++
				}
			}
			if got != want {
				t.Fatalf("n=%d: counted %d non-zeros, want %d", n, got, want)
			}
			if dst[n] != 99 {
				t.Fatalf("n=%d: wrote past the slots", n)
			}
		}
	})
}
