//go:build goexperiment.simd && amd64

package gemm

import "simd/archsimd"

// The simd/archsimd route: the same 6x64 micro-kernels written with
// archsimd.Float32x16 intrinsics. Only built with GOEXPERIMENT=simd; when the
// assembly route is also available it is preferred (see doc.go for numbers).

func init() {
	register(&Route{name: "archsimd-avx512", priority: 10, needs: "AVX-512 (GOEXPERIMENT=simd)", available: archsimd.X86.AVX512(),
		dense: denseKernelSIMD, index: indexKernelSIMD, indexBlock: 64})
}

func denseKernelSIMD(k int, a, b, c []float32, ldc int, load bool) {
	// Go's register allocator (Go 1.26) spills and shuffles a 24-accumulator
	// tile, so the 6x64 tile is computed as four 3x32 quarters.
	for i0 := 0; i0 < DenseRows; i0 += 3 {
		denseQuarterSIMD(k, a, b, c[i0*ldc:], ldc, load, i0, 0)
		denseQuarterSIMD(k, a, b, c[i0*ldc:], ldc, load, i0, 32)
	}
}

func denseQuarterSIMD(k int, a, b, c []float32, ldc int, load bool, i0, h int) {
	var z archsimd.Float32x16
	c00, c01, c10, c11, c20, c21 := z, z, z, z, z, z
	a = a[:k*DenseRows]
	b = b[:k*DenseCols]
	for p := 0; p < k; p++ {
		bp := b[p*DenseCols+h : p*DenseCols+h+32 : p*DenseCols+h+32]
		ap := a[p*DenseRows+i0 : p*DenseRows+i0+3 : p*DenseRows+i0+3]
		b0 := archsimd.LoadFloat32x16((*[16]float32)(bp[0:16]))
		b1 := archsimd.LoadFloat32x16((*[16]float32)(bp[16:32]))
		a0 := archsimd.BroadcastFloat32x16(ap[0])
		c00, c01 = a0.MulAdd(b0, c00), a0.MulAdd(b1, c01)
		a1 := archsimd.BroadcastFloat32x16(ap[1])
		c10, c11 = a1.MulAdd(b0, c10), a1.MulAdd(b1, c11)
		a2 := archsimd.BroadcastFloat32x16(ap[2])
		c20, c21 = a2.MulAdd(b0, c20), a2.MulAdd(b1, c21)
	}
	storeHalfSIMD(c[0*ldc+h:], c00, c01, load)
	storeHalfSIMD(c[1*ldc+h:], c10, c11, load)
	storeHalfSIMD(c[2*ldc+h:], c20, c21, load)
}

func indexKernelSIMD(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	// Same register-pressure split as denseKernelSIMD: four 3x32 quarters.
	for h := 0; h < IndexCols; h += 32 {
		indexQuarterSIMD(cnt, vals, offs, b, c, ldc, load, h)
	}
}

func indexQuarterSIMD(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool, h int) {
	var z archsimd.Float32x16
	c00, c01, c10, c11, c20, c21 := z, z, z, z, z, z
	vals = vals[:cnt*IndexRows]
	offs = offs[:cnt*IndexRows]
	for j := 0; j < cnt; j++ {
		v := vals[j*IndexRows : j*IndexRows+3 : j*IndexRows+3]
		o := offs[j*IndexRows : j*IndexRows+3 : j*IndexRows+3]
		c00, c01 = fma2(v[0], b, int(o[0])*2+h, c00, c01)
		c10, c11 = fma2(v[1], b, int(o[1])*2+h, c10, c11)
		c20, c21 = fma2(v[2], b, int(o[2])*2+h, c20, c21)
	}
	storeHalfSIMD(c[0*ldc+h:], c00, c01, load)
	storeHalfSIMD(c[1*ldc+h:], c10, c11, load)
	storeHalfSIMD(c[2*ldc+h:], c20, c21, load)
}

// fma2 returns c0, c1 + v * b[o : o+32] as two 16-lane vectors.
func fma2(v float32, b []float32, o int, c0, c1 archsimd.Float32x16) (archsimd.Float32x16, archsimd.Float32x16) {
	bp := b[o : o+32 : o+32]
	x := archsimd.BroadcastFloat32x16(v)
	c0 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(bp[0:16])), c0)
	c1 = x.MulAdd(archsimd.LoadFloat32x16((*[16]float32)(bp[16:32])), c1)
	return c0, c1
}

func storeHalfSIMD(c []float32, x0, x1 archsimd.Float32x16, load bool) {
	c = c[:32]
	p0 := (*[16]float32)(c[0:16])
	p1 := (*[16]float32)(c[16:32])
	if load {
		x0 = x0.Add(archsimd.LoadFloat32x16(p0))
		x1 = x1.Add(archsimd.LoadFloat32x16(p1))
	}
	x0.Store(p0)
	x1.Store(p1)
}
