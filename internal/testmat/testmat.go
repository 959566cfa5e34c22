// Package testmat makes the matrices that tests and benchmarks of gemm and
// sparse share: seeded random values, a NaN-filled output, and valid N:M,
// group-wise and element-wise patterns. Real pruning belongs to the pruner
// package; these only produce valid patterns, quickly.
package testmat

import (
	"math"
	"math/rand/v2"
	"sort"
)

// RandMatrix returns n uniform values in [-1, 1) from a seeded generator.
func RandMatrix(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]float32, n)
	for i := range out {
		out[i] = r.Float32()*2 - 1
	}
	return out
}

// Sentinel returns n NaNs, so a kernel that fails to overwrite C is caught.
func Sentinel(n int) []float32 {
	c := make([]float32, n)
	for i := range c {
		c[i] = float32(math.NaN())
	}
	return c
}

// PruneNM zeroes all but the n largest-magnitude values of every group of m
// consecutive columns of each row of the row-major rows x k matrix.
func PruneNM(w []float32, rows, k, n, m int) {
	idx := make([]int, 0, m)
	for r := range rows {
		row := w[r*k : (r+1)*k]
		for g0 := 0; g0 < k; g0 += m {
			idx = idx[:0]
			for c := g0; c < min(g0+m, k); c++ {
				idx = append(idx, c)
			}
			sort.SliceStable(idx, func(a, b int) bool { return abs32(row[idx[a]]) > abs32(row[idx[b]]) })
			for _, c := range idx[min(n, len(idx)):] {
				row[c] = 0
			}
		}
	}
}

// PruneColumns keeps the keep columns of largest L2 norm (group-wise
// pattern) and zeroes the others; it returns the kept column indices.
func PruneColumns(w []float32, rows, k, keep int) []int32 {
	norms := make([]float64, k)
	for r := range rows {
		for c := range k {
			v := float64(w[r*k+c])
			norms[c] += v * v
		}
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return norms[order[a]] > norms[order[b]] })
	drop := make([]bool, k)
	for _, c := range order[min(keep, k):] {
		drop[c] = true
	}
	var kept []int32
	for c := range k {
		if drop[c] {
			for r := range rows {
				w[r*k+c] = 0
			}
		} else {
			kept = append(kept, int32(c))
		}
	}
	return kept
}

// RandSparse zeroes each value with probability 1-density (element-wise).
func RandSparse(w []float32, density float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range w {
		if r.Float64() >= density {
			w[i] = 0
		}
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
