package gemm_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestTranspose checks every route against the definition, bit for bit, on shapes below, at
// and around the 8x8 blocks and the 64-column scalar blocks, and large enough to be split.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, s := range [][2]int{{1, 1}, {1, 9}, {9, 1}, {7, 7}, {8, 8}, {8, 13}, {13, 8}, {16, 65}, {130, 3072}, {3, 40000}, {300, 301}} {
			rows, cols := s[0], s[1]
			t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
				src := make([]float32, rows*cols)
				for i := range src {
					src[i] = float32(rng.NormFloat64())
				}
				dst := make([]float32, rows*cols+1)
				dst[rows*cols] = 42 // past the end: must stay
				gemm.Transpose(dst, src, rows, cols)
				for i := range rows {
					for j := range cols {
						if dst[j*rows+i] != src[i*cols+j] {
							t.Fatalf("dst[%d,%d] = %v, want %v", j, i, dst[j*rows+i], src[i*cols+j])
						}
					}
				}
				if dst[rows*cols] != 42 {
					t.Fatal("wrote past rows*cols")
				}
			})
		}
	})
}
