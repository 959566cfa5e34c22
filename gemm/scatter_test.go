package gemm_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// TestScatterAddRows checks every route against the scalar definition, bit for bit, on repeated
// indices, column ranges that are not multiples of 8 and padded strides.
func TestScatterAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		for _, s := range []struct{ rows, n, lds, ldd, c0, c1 int }{
			{5, 1, 1, 1, 0, 1}, {7, 64, 64, 64, 0, 64}, {7, 64, 64, 64, 32, 64}, {3, 45, 47, 50, 3, 45},
			{40, 128, 130, 128, 0, 128}, {9, 33, 33, 40, 1, 33}, {1, 8, 8, 8, 0, 8},
			{200, 300, 300, 301, 3, 299}, // large enough to split the columns over goroutines
		} {
			t.Run(fmt.Sprintf("%+v", s), func(t *testing.T) {
				nix := 3*s.rows + 2
				ix := make([]int32, nix)
				for i := range ix {
					ix[i] = int32(rng.IntN(s.rows)) // repeats guaranteed: more indices than rows
				}
				src := make([]float32, (nix-1)*s.lds+s.n)
				for i := range src {
					src[i] = float32(rng.NormFloat64())
				}
				dst := make([]float32, (s.rows-1)*s.ldd+s.n)
				for i := range dst {
					dst[i] = float32(rng.NormFloat64())
				}
				want := append([]float32(nil), dst...)
				for i, r := range ix {
					for j := s.c0; j < s.c1; j++ {
						want[int(r)*s.ldd+j] += src[i*s.lds+j]
					}
				}
				if err := gemm.ScatterAddRows(dst, s.ldd, src, s.lds, ix, s.c0, s.c1); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if dst[i] != want[i] {
						t.Fatalf("element %d (row %d, col %d): got %v, want %v", i, i/s.ldd, i%s.ldd, dst[i], want[i])
					}
				}
			})
		}
	})
}

// TestScatterAddRowsErrors: bad indices and short operands are errors that write nothing.
func TestScatterAddRowsErrors(t *testing.T) {
	dst, src := make([]float32, 4*8), make([]float32, 2*8)
	for _, c := range []struct {
		name   string
		ix     []int32
		c0, c1 int
		src    []float32
	}{
		{"index past the last row", []int32{0, 4}, 0, 8, src},
		{"negative index", []int32{-1, 0}, 0, 8, src},
		{"columns past the stride", []int32{0, 1}, 0, 9, src},
		{"reversed columns", []int32{0, 1}, 5, 4, src},
		{"short src", []int32{0, 1}, 0, 8, src[:15]},
	} {
		if err := gemm.ScatterAddRows(dst, 8, c.src, 8, c.ix, c.c0, c.c1); !errors.Is(err, gemm.ErrShape) {
			t.Errorf("%s: got %v, want ErrShape", c.name, err)
		}
	}
	for i, v := range dst {
		if v != 0 {
			t.Fatalf("dst[%d] = %v after failed calls, want untouched 0", i, v)
		}
	}
}
