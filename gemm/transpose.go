package gemm

// Transpose writes the transpose of the row-major rows x cols matrix src into dst (cols x rows):
// dst[j*rows+i] = src[i*cols+j]. It works on strips of 8 rows in 8x8 blocks (AVX transposes on
// the SIMD routes, 64-column blocks of scalar moves on the portable one), the strips split over
// Threads() goroutines when the matrix is large. dst and src must not overlap; it panics if
// either holds fewer than rows*cols values.
func Transpose(dst, src []float32, rows, cols int) {
	n := rows * cols
	src, dst = src[:n], dst[:n]
	if n == 0 {
		return
	}
	tr := Current().transpose
	strip := func(i0, i1 int) { // rows [i0, i1), at most 8
		j := 0
		if tr != nil && i1-i0 == 8 && cols >= 8 {
			nb := cols / 8
			tr(nb, src[i0*cols:], cols, dst[i0:], rows)
			j = nb * 8
		}
		for j0 := j; j0 < cols; j0 += 64 {
			j1 := min(j0+64, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols+j0 : i*cols+j1]
				for jj, v := range row {
					dst[(j0+jj)*rows+i] = v
				}
			}
		}
	}
	strips := CeilDiv(rows, 8)
	workers := 1
	if n >= 1<<16 {
		workers = min(Threads(), strips)
	}
	Parallel(workers, func(w int) {
		s0, s1 := split(strips, workers, w)
		for s := s0; s < s1; s++ {
			strip(8*s, min(8*s+8, rows))
		}
	})
}
