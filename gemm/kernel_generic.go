package gemm

// Portable pure-Go micro-kernels. They are always compiled and serve as the
// fallback route "go" on CPUs/architectures without a SIMD route. Bounds are
// checked, so they also validate the packing code in tests.

func denseKernelGo(k int, a, b, c []float32, ldc int, load bool) {
	a = a[:k*DenseRows]
	b = b[:k*DenseCols]
	// Eight scalar accumulators per (row, 8-column chunk) stay in registers;
	// an [DenseRows][DenseCols] accumulator array would live in memory.
	for i := range DenseRows {
		dst := c[i*ldc : i*ldc+DenseCols]
		for j := 0; j < DenseCols; j += 8 {
			var s0, s1, s2, s3, s4, s5, s6, s7 float32
			for p := range k {
				av := a[p*DenseRows+i]
				bp := b[p*DenseCols+j : p*DenseCols+j+8 : p*DenseCols+j+8]
				s0 += av * bp[0]
				s1 += av * bp[1]
				s2 += av * bp[2]
				s3 += av * bp[3]
				s4 += av * bp[4]
				s5 += av * bp[5]
				s6 += av * bp[6]
				s7 += av * bp[7]
			}
			d := dst[j : j+8 : j+8]
			if load {
				s0, s1, s2, s3 = s0+d[0], s1+d[1], s2+d[2], s3+d[3]
				s4, s5, s6, s7 = s4+d[4], s5+d[5], s6+d[6], s7+d[7]
			}
			d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s0, s1, s2, s3, s4, s5, s6, s7
		}
	}
}

func indexKernelGo(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	// A row-at-a-time accumulator array measured faster here than scalar
	// accumulators, which re-read vals/offs once per 8 columns.
	var acc [IndexRows][IndexCols]float32
	vals = vals[:cnt*IndexRows]
	offs = offs[:cnt*IndexRows]
	for j := range cnt {
		for i := range IndexRows {
			v := vals[j*IndexRows+i]
			o := int(offs[j*IndexRows+i]) * 2
			bp := (*[IndexCols]float32)(b[o : o+IndexCols])
			row := &acc[i]
			for x := range row {
				row[x] += v * bp[x]
			}
		}
	}
	for i := range IndexRows {
		dst := (*[IndexCols]float32)(c[i*ldc : i*ldc+IndexCols])
		if load {
			for x := range dst {
				dst[x] += acc[i][x]
			}
		} else {
			*dst = acc[i]
		}
	}
}
