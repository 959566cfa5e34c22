package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse"
)

// naiveIm2col is the definition of the im2col matrix, element by element: row j, column
// (oy*ow+ox)*n + b holds input channel rowC[j] at (oy*stride-pad+ky, ox*stride-pad+kx) of image b
// (batch innermost), zero outside the input.
func naiveIm2col(s *convStep, src []float32, n int) []float32 {
	nn := s.oh * s.ow * n
	dst := make([]float32, len(s.rowC)*nn)
	for j := range s.rowC {
		c, t := int(s.rowC[j]), int(s.rowT[j])
		ky, kx := t/s.k, t%s.k
		for oy := range s.oh {
			for ox := range s.ow {
				iy, ix := oy*s.stride-s.pad+ky, ox*s.stride-s.pad+kx
				if iy < 0 || iy >= s.h || ix < 0 || ix >= s.w {
					continue
				}
				for b := range n {
					dst[j*nn+(oy*s.ow+ox)*n+b] = src[((c*s.h+iy)*s.w+ix)*n+b]
				}
			}
		}
	}
	return dst
}

func testConvStep(t testing.TB, inC, h, w, outC, k, stride, pad int) *convStep {
	t.Helper()
	return testConvStepMode(t, inC, h, w, outC, k, stride, pad, ModeDense)
}

// testConvStepMode is testConvStep with the weights testWeights gives for mode.
func testConvStepMode(t testing.TB, inC, h, w, outC, k, stride, pad int, mode Mode) *convStep {
	t.Helper()
	l := nets.Layer{Kind: nets.KindConv, Name: "c", InChannels: inC, OutChannels: outC, Kernel: k, Stride: stride, Padding: pad}
	oh, ow := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	wt := testWeights(outC, inC*k*k, mode)
	s, err := newConvStep(l, nets.Shape{C: inC, H: h, W: w}, nets.Shape{C: outC, H: oh, W: ow}, wt, make([]float32, outC), false,
		mode, Options{N: 2, M: 4, Order: sparse.OrderWidth}, &LayerInfo{Name: "c", Kind: nets.KindConv})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testWeights returns rows x k weights for mode: all ones for ModeDense; for ModeNM a 2:4
// pattern along each row (width order) that varies from group to group (two of the four
// positions, chosen by a hash of the group), as a pruned layer's does.
func testWeights(rows, k int, mode Mode) []float32 {
	wt := make([]float32, rows*k)
	for i := range wt {
		wt[i] = 1
	}
	if mode != ModeNM {
		return wt
	}
	pairs := [6][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}
	for r := range rows {
		for g := 0; g < k; g += 4 {
			p := pairs[(uint64(r*k+g)*0x9e3779b97f4a7c15>>59)%6]
			for j := g; j < min(g+4, k); j++ {
				if j-g != p[0] && j-g != p[1] {
					wt[r*k+j] = 0
				}
			}
		}
	}
	return wt
}

// TestIm2colRows checks im2colRows.Row against the element-by-element definition on every row and
// on column ranges that start and end anywhere (inside a pixel's images, across output rows,
// the whole row), for stride 1, 2 and 3, padding 0 to 2, kernels 1 to 5 and batches 1, 3, 8.
func TestIm2colRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, g := range [][6]int{ // inC, h, w, k, stride, pad
		{2, 5, 7, 3, 1, 1}, {3, 8, 8, 3, 2, 1}, {1, 9, 6, 5, 3, 2}, {2, 4, 4, 1, 1, 0}, {2, 6, 5, 2, 2, 0}, {1, 3, 3, 3, 1, 2},
	} {
		s := testConvStep(t, g[0], g[1], g[2], 4, g[3], g[4], g[5])
		for _, n := range []int{1, 3, 8} {
			src := make([]float32, g[0]*g[1]*g[2]*n)
			for i := range src {
				src[i] = float32(rng.NormFloat64())
			}
			want := naiveIm2col(s, src, n)
			nn := s.oh * s.ow * n
			q := im2colRows{s: s, src: src, n: n}
			for j := range s.rowC {
				ranges := [][2]int{{0, nn}, {0, 1}, {nn - 1, nn}}
				for range 20 {
					a := rng.IntN(nn)
					ranges = append(ranges, [2]int{a, a + 1 + rng.IntN(nn-a)})
				}
				for _, r := range ranges {
					got := make([]float32, r[1]-r[0])
					for i := range got {
						got[i] = 99 // every value must be written
					}
					q.Row(got, j, r[0])
					for i, v := range got {
						if v != want[j*nn+r[0]+i] {
							t.Fatalf("conv %v n=%d row %d columns [%d, %d): column %d is %v, want %v", g, n, j, r[0], r[1], r[0]+i, v, want[j*nn+r[0]+i])
						}
					}
				}
			}
		}
	}
}

// BenchmarkIm2colRows times the GEMM's packing reads of AlexNet-CIFAR's conv layers at batch
// 128 (GB/s of the im2col matrix delivered, in 128-column panel rows), next to clearing a buffer
// of the matrix's size as a memory-bandwidth yardstick.
func BenchmarkIm2colRows(b *testing.B) {
	spec := nets.AlexNet(3, 10)
	shapes, _ := spec.Shapes()
	const n = 128
	cur := spec.Input
	for i, l := range spec.Layers {
		if l.Kind != nets.KindConv {
			cur = shapes[i]
			continue
		}
		out := shapes[i]
		s := testConvStep(b, l.InChannels, cur.H, cur.W, l.OutChannels, l.Kernel, l.Stride, l.Padding)
		src := make([]float32, s.c*s.h*s.w*n)
		nn := s.oh * s.ow * n
		q := im2colRows{s: s, src: src, n: n}
		panel := make([]float32, 128)
		b.Run(fmt.Sprint(l.Name), func(b *testing.B) {
			for b.Loop() {
				for j := range s.rowC {
					for c0 := 0; c0 < nn; c0 += 128 {
						q.Row(panel[:min(128, nn-c0)], j, c0)
					}
				}
			}
			b.ReportMetric(float64(len(s.rowC)*nn)*4/1e9*float64(b.N)/b.Elapsed().Seconds(), "GB/s")
		})
		dst := make([]float32, len(s.rowC)*nn)
		b.Run(l.Name+"-clear", func(b *testing.B) {
			for b.Loop() {
				clear(dst)
			}
			b.ReportMetric(float64(len(dst))*4/1e9*float64(b.N)/b.Elapsed().Seconds(), "GB/s")
		})
		cur = out
	}
}

// BenchmarkConvSplit times each padded conv of CIFAR AlexNet (whole, and with the widths of
// bench's hybrid2 selection at 0.5) split into padding regions and as one im2col product, dense
// and 2:4 (width order), at batch 8, 32 and 128: the split's gain per layer, which
// minSplitSaving and minSplitColumns are set from.
func BenchmarkConvSplit(b *testing.B) {
	for _, mode := range []Mode{ModeDense, ModeNM} {
		for _, widths := range [][]int{{64, 192, 384, 256, 256}, {32, 98, 173, 103, 170}} {
			in := []int{3, widths[0], widths[1], widths[2], widths[3]}
			sizes := []int{32, 4, 2, 2, 2}
			kernels, pads := []int{11, 5, 3, 3, 3}, []int{5, 2, 1, 1, 1}
			for i := 1; i < 5; i++ {
				s := testConvStepMode(b, in[i], sizes[i], sizes[i], widths[i], kernels[i], 1, pads[i], mode)
				wt := testWeights(s.rows, len(s.rowC), mode) // the step's K order: width order, the layer's own
				// Split wherever there is padding, at every batch size (the engine's limits aside).
				if err := s.splitRegions(wt, mode, &LayerInfo{Name: "c"}, 0, 1<<20, 1); err != nil || s.regions == nil {
					b.Fatalf("conv%d: not split (%v)", i+1, err)
				}
				for _, n := range []int{8, 32, 128} {
					src := make([]float32, s.c*s.h*s.w*n)
					for j := range src {
						src[j] = float32(j%7) - 3
					}
					for _, split := range []bool{false, true} {
						t := *s
						if !split {
							t.regions = nil
						}
						ws := &workspace{a: src, b: make([]float32, t.rows*t.oh*t.ow*n), col: make([]float32, t.colFloats(n)), region: make([]float32, t.regionFloats(n))}
						b.Run(fmt.Sprintf("%s-conv%d-%dx%d-b%d-split=%v", mode, i+1, t.rows, len(t.rowC), n, split), func(b *testing.B) {
							for b.Loop() {
								if _, err := t.run(ws, src, n); err != nil {
									b.Fatal(err)
								}
							}
						})
					}
				}
			}
		}
	}
}
