//go:build amd64

package sparse

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// Micro-kernel benchmarks (assembly route) on L1/L2-resident operands, for
// tuning tile shapes: Gfma/s counts 16-lane FMA instructions per second.

func BenchmarkMicroDenseAVX512(b *testing.B) {
	if !cpu.X86.HasAVX512F {
		b.Skip("no AVX-512F")
	}
	k := kcDense
	a, bb, c := randMatrix(k*mr, 1), randMatrix(k*nr, 2), make([]float32, mr*nr)
	for b.Loop() {
		denseKernelAVX512(k, a, bb, c, nr, true)
	}
	b.ReportMetric(float64(k*mr*nr/16)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfma/s")
}

func BenchmarkMicroIndexAVX512(b *testing.B) {
	if !cpu.X86.HasAVX512F {
		b.Skip("no AVX-512F")
	}
	// A 2:4 plan of one 384 x kbIndex block: every step reads B rows from an
	// L1-resident panel, as Plan.run does.
	m, k := 384, kbIndex
	w := randMatrix(m*k, 1)
	pruneNM(w, m, k, 2, 4)
	nm, _ := CompressNM(w, m, k, 2, 4, OrderWidth)
	p, _ := NewNMPlan(nm)
	panel, c := randMatrix(p.kb*inr, 2), make([]float32, m*inr)
	for b.Loop() {
		indexTilesAVX512(p.tiles, p.seg, p.vals, p.offs, panel, c, inr, true)
	}
	b.ReportMetric(float64(p.Steps()*imr*inr/16)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfma/s")
}
