package gemm

import "fmt"

// scatterAddFunc is ScatterAddRows' inner loop for a multiple of 8 columns, without checks:
// dst[ix[i]*ldd + j] += src[i*lds + j] for every i in order and j < cols8.
type scatterAddFunc func(ix []int32, src []float32, lds int, dst []float32, ldd int, cols8 int)

// ScatterAddRows adds row i of src to row ix[i] of dst over the columns [c0, c1):
// dst[ix[i]*ldd + j] += src[i*lds + j]. Rows of ix may repeat; the additions run in order of i,
// so the result is the same on every route, bit for bit. It is the gradient of a row gather
// (im2col's, in a convolution's backward pass), vectorized on the SIMD routes and split over
// Threads() goroutines by columns when large. An index outside
// dst, or operands too short for their strides, is an error and nothing is written.
func ScatterAddRows(dst []float32, ldd int, src []float32, lds int, ix []int32, c0, c1 int) error {
	if c0 < 0 || c1 < c0 || c1 > ldd || c1 > lds {
		return fmt.Errorf("gemm: ScatterAddRows: columns [%d, %d) outside the strides ldd=%d lds=%d: %w", c0, c1, ldd, lds, ErrShape)
	}
	if len(ix) == 0 || c1 == c0 {
		return nil
	}
	if need := (len(ix)-1)*lds + c1; len(src) < need {
		return fmt.Errorf("gemm: ScatterAddRows: src has %d elements, %d rows of stride %d need %d: %w", len(src), len(ix), lds, need, ErrShape)
	}
	rows := 0 // rows r with r*ldd + c1 <= len(dst)
	if len(dst) >= c1 {
		rows = (len(dst)-c1)/ldd + 1
	}
	for i, r := range ix {
		if r < 0 || int(r) >= rows {
			return fmt.Errorf("gemm: ScatterAddRows: index %d is %d, dst has %d rows of stride %d: %w", i, r, rows, ldd, ErrShape)
		}
	}
	// Rows may repeat, so the goroutines split the columns (on multiples of 8, keeping each on the
	// vector loop), not the indices.
	cols := c1 - c0
	workers := 1
	if len(ix)*cols >= 1<<16 && cols >= 16 {
		workers = min(Threads(), cols/8)
	}
	f := Current().scatterAdd
	Parallel(workers, func(w int) {
		lo, hi := c0+cols*w/workers/8*8, c0+cols*(w+1)/workers/8*8
		if w == workers-1 {
			hi = c1
		}
		scatterAddCols(f, dst, ldd, src, lds, ix, lo, hi)
	})
	return nil
}

// scatterAddCols is ScatterAddRows on the columns [c0, c1), without checks: the vector loop f
// (nil: none) over a multiple of 8 columns, the scalar loop over the rest.
func scatterAddCols(f scatterAddFunc, dst []float32, ldd int, src []float32, lds int, ix []int32, c0, c1 int) {
	cols8 := 0
	if f != nil {
		cols8 = (c1 - c0) / 8 * 8
		if cols8 > 0 {
			f(ix, src[c0:], lds, dst[c0:], ldd, cols8)
		}
	}
	for i, r := range ix {
		d := dst[int(r)*ldd+c0+cols8 : int(r)*ldd+c1]
		for j, v := range src[i*lds+c0+cols8 : i*lds+c1] {
			d[j] += v
		}
	}
}
