package gemm

// packA packs rows [r0, r0+DenseRows) x columns [k0, k0+kc) of row-major A (row
// stride lda, m valid rows) into dst laid out [kc][DenseRows], zero-padding rows >= m.
//
// A full micro-panel reads its six rows side by side and writes each column's six values with
// plain moves: 1.38x the row-by-row loop below (7.3 -> 10.1 GB/s packing a 192 x 8192 A, the
// weight gradients' dY, on an Intel Xeon family 6 model 167), which stored with a stride of six.
func packA(dst, a []float32, lda, m, r0, k0, kc int) {
	dst = dst[:kc*DenseRows]
	if r0+DenseRows <= m {
		const _ = uint(DenseRows-6) + uint(6-DenseRows) // the six rows below need DenseRows == 6
		s0 := a[r0*lda+k0 : r0*lda+k0+kc]
		s1 := a[(r0+1)*lda+k0 : (r0+1)*lda+k0+kc]
		s2 := a[(r0+2)*lda+k0 : (r0+2)*lda+k0+kc]
		s3 := a[(r0+3)*lda+k0 : (r0+3)*lda+k0+kc]
		s4 := a[(r0+4)*lda+k0 : (r0+4)*lda+k0+kc]
		s5 := a[(r0+5)*lda+k0 : (r0+5)*lda+k0+kc]
		for p := range kc {
			d := dst[p*DenseRows : (p+1)*DenseRows : (p+1)*DenseRows]
			d[0], d[1], d[2], d[3], d[4], d[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
		}
		return
	}
	for i := range DenseRows {
		r := r0 + i
		if r >= m {
			for p := range kc {
				dst[p*DenseRows+i] = 0
			}
			continue
		}
		src := a[r*lda+k0 : r*lda+k0+kc]
		for p, v := range src {
			dst[p*DenseRows+i] = v
		}
	}
}

// packAT is packA for A stored transposed (k x m, row stride lda): the
// micro-panel's row i, column p is a[(k0+p)*lda + r0+i].
//
// A full micro-panel copies its six values per column with plain moves: a copy() per column
// (24 bytes) spent most of its time in memmove's call and size dispatch, 8% of an AlexNet
// training step (the input gradients Wᵀ·dY) on an Intel Xeon (family 6 model 167).
func packAT(dst, a []float32, lda, m, r0, k0, kc int) {
	dst = dst[:kc*DenseRows]
	rows := min(DenseRows, m-r0)
	if rows == DenseRows {
		const _ = uint(DenseRows-6) + uint(6-DenseRows) // the six moves below need DenseRows == 6
		for p := range kc {
			s := a[(k0+p)*lda+r0:]
			s = s[:DenseRows:DenseRows]
			d := dst[p*DenseRows : (p+1)*DenseRows : (p+1)*DenseRows]
			d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
		}
		return
	}
	for p := range kc {
		d := dst[p*DenseRows : (p+1)*DenseRows]
		copy(d[:rows], a[(k0+p)*lda+r0:])
		clear(d[rows:])
	}
}

// packBT is PackB (identity rows, DenseCols-wide panels) for B stored
// transposed (n x k, row stride ldb): packed row p, column j of panel q is
// b[(col0+q*DenseCols+j)*ldb + k0+p]; columns >= n are zeros. With a route's
// 8x8 block transpose (tr non-nil), whole 8x8 blocks go through it and only
// the ragged edges through the scalar loop.
func packBT(tr transposeFunc, dst, b []float32, ldb, n, col0, panels, k0, kc int) {
	kb := 0
	if tr != nil {
		kb = kc / 8 * 8
	}
	for q := range panels {
		c0 := col0 + q*DenseCols
		w := max(min(DenseCols, n-c0), 0)
		pd := dst[q*kc*DenseCols : (q+1)*kc*DenseCols]
		j := 0
		if kb > 0 {
			for ; j+8 <= w; j += 8 {
				src := b[(c0+j)*ldb+k0:]
				_ = src[7*ldb+kb-1] // the last element the transpose reads
				tr(kb/8, src, ldb, pd[j:], DenseCols)
			}
			for jj := range j {
				src := b[(c0+jj)*ldb+k0+kb : (c0+jj)*ldb+k0+kc]
				for p, v := range src {
					pd[(kb+p)*DenseCols+jj] = v
				}
			}
		}
		for ; j < w; j++ {
			src := b[(c0+j)*ldb+k0 : (c0+j)*ldb+k0+kc]
			for p, v := range src {
				pd[p*DenseCols+j] = v
			}
		}
		if w < DenseCols {
			for p := range kc {
				clear(pd[p*DenseCols+w : (p+1)*DenseCols])
			}
		}
	}
}

// transposeFunc transposes nb consecutive 8x8 blocks: block i reads rows src[r*lds+8i : +8]
// (r < 8) and writes column p of the block to dst[(8i+p)*ldd : +8]. The caller guarantees
// both slices reach every element touched.
type transposeFunc func(nb int, src []float32, lds int, dst []float32, ldd int)

// PackB packs a kc x (panels*width) block of B into dst as consecutive
// panels, each laid out [kc][stride] with width (<= stride) values per row;
// the stride-width floats of padding are left as they are. Panel q covers
// columns col0+q*width onward, clipped at n and zero-padded. Row p of the
// block is B row rowOf(p); a negative row, or one >= kRows, is packed as
// zeros.
func PackB(dst, b []float32, ldb, n, col0, panels, kc, width, stride int, rowOf func(p int) int, kRows int) {
	packB(dst, bOperand{b: b, ldb: ldb}, n, col0, panels, kc, width, stride, rowOf, kRows)
}

// RowSource is a k x n matrix B that a product packs row by row instead of reading a row-major
// slice: Row(dst, r, c0) writes B[r, c0 : c0+len(dst)] into dst. Row is called concurrently, from
// every worker of the product. A convolution's im2col matrix is one: the engine packs its rows
// straight from the activation, so the matrix is never written out (VGG16's second conv at
// batch 128: 302 MB, written once and read back from memory, while the activation it copies
// from, 8.4 MB, stays in L3).
type RowSource interface {
	Row(dst []float32, r, c0 int)
}

// bOperand is a product's B: row-major values b with row stride ldb, or a RowSource.
type bOperand struct {
	b   []float32
	ldb int
	src RowSource
}

// row writes B[r, c0 : c0+len(dst)] into dst.
func (o bOperand) row(dst []float32, r, c0 int) {
	if o.src != nil {
		o.src.Row(dst, r, c0)
		return
	}
	copy(dst, o.b[r*o.ldb+c0:r*o.ldb+c0+len(dst)])
}

// packB is PackB for either kind of B.
func packB(dst []float32, o bOperand, n, col0, panels, kc, width, stride int, rowOf func(p int) int, kRows int) {
	for q := range panels {
		c0 := col0 + q*width
		w := min(width, n-c0)
		pd := dst[q*kc*stride : (q+1)*kc*stride]
		for p := range kc {
			d := pd[p*stride : p*stride+width]
			r := rowOf(p)
			if r < 0 || r >= kRows || w <= 0 {
				clear(d)
				continue
			}
			o.row(d[:w], r, c0)
			if w < width {
				clear(d[w:])
			}
		}
	}
}

// ScratchTile holds one C tile of either kernel (6*64 = 3*128 floats).
type ScratchTile [DenseRows * DenseCols]float32

// Tile runs one micro-kernel invocation on the th x tw tile of C at (row
// r0, col c0), going through scratch when the tile sticks out of the m x n
// matrix. run receives the C slice and its row stride.
func Tile(c []float32, ldc, m, n, r0, c0, th, tw int, load bool, scratch *ScratchTile, run func(c []float32, ldc int, load bool)) {
	if r0+th <= m && c0+tw <= n {
		run(c[r0*ldc+c0:], ldc, load)
		return
	}
	rows, cols := min(th, m-r0), min(tw, n-c0)
	if load {
		clear(scratch[:])
		for i := range rows {
			copy(scratch[i*tw:i*tw+cols], c[(r0+i)*ldc+c0:])
		}
	}
	run(scratch[:], tw, load)
	for i := range rows {
		copy(c[(r0+i)*ldc+c0:(r0+i)*ldc+c0+cols], scratch[i*tw:i*tw+cols])
	}
}
