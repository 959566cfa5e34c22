package sparse

// Portable pure-Go micro-kernels. They are always compiled and serve as the
// fallback route "go" on CPUs/architectures without a SIMD route. Bounds are
// checked, so they also validate the packing code in tests.

func denseKernelGo(k int, a, b, c []float32, ldc int, load bool) {
	a = a[:k*mr]
	b = b[:k*nr]
	// Eight scalar accumulators per (row, 8-column chunk) stay in registers;
	// an [mr][nr] accumulator array would live in memory.
	for i := range mr {
		dst := c[i*ldc : i*ldc+nr]
		for j := 0; j < nr; j += 8 {
			var s0, s1, s2, s3, s4, s5, s6, s7 float32
			for p := range k {
				av := a[p*mr+i]
				bp := b[p*nr+j : p*nr+j+8 : p*nr+j+8]
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
	var acc [imr][inr]float32
	vals = vals[:cnt*imr]
	offs = offs[:cnt*imr]
	for j := range cnt {
		for i := range imr {
			v := vals[j*imr+i]
			o := int(offs[j*imr+i]) * 2
			bp := (*[inr]float32)(b[o : o+inr])
			row := &acc[i]
			for x := range row {
				row[x] += v * bp[x]
			}
		}
	}
	for i := range imr {
		dst := (*[inr]float32)(c[i*ldc : i*ldc+inr])
		if load {
			for x := range dst {
				dst[x] += acc[i][x]
			}
		} else {
			*dst = acc[i]
		}
	}
}
