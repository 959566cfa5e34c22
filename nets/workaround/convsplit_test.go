package workaround

import (
	"testing"
)

// TestUsesSplit checks where Conv2D splits: AlexNet-CIFAR's conv2-5, not conv1 or VGG16's
// 4x4 and larger layers.
func TestUsesSplit(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		geom  ConvGeometry
		split bool
	}{
		{ConvGeometry{InC: 192, InH: 2, InW: 2, Kernel: 3, Stride: 1, Padding: 1}, true},   // 4 of 9 taps
		{ConvGeometry{InC: 64, InH: 4, InW: 4, Kernel: 5, Stride: 1, Padding: 2}, true},    // 14 of 20 per axis
		{ConvGeometry{InC: 3, InH: 32, InW: 32, Kernel: 11, Stride: 4, Padding: 5}, false}, // AlexNet conv1: 17%
		{ConvGeometry{InC: 64, InH: 32, InW: 32, Kernel: 3, Stride: 1, Padding: 1}, false},
		{ConvGeometry{InC: 64, InH: 8, InW: 8, Kernel: 3, Stride: 1, Padding: 1}, false},  // 16%
		{ConvGeometry{InC: 512, InH: 4, InW: 4, Kernel: 3, Stride: 1, Padding: 1}, false}, // VGG16's 4x4: 31%
		{ConvGeometry{InC: 64, InH: 8, InW: 8, Kernel: 3, Stride: 1, Padding: 0}, false},
	} {
		if got := UsesSplit(c.geom); got != c.split && !convSplitOff {
			t.Errorf("%+v: UsesSplit = %v, want %v", c.geom, got, c.split)
		}
	}
}

// TestRegionIndices: every region index reads inside the input, and the regions of a geometry
// cover exactly the in-range (tap, position) pairs of the full im2col matrix, each once.
func TestRegionIndices(t *testing.T) {
	geom := ConvGeometry{InC: 2, InH: 5, InW: 4, Kernel: 3, Stride: 2, Padding: 1}
	oh, ow := geom.OutSize()
	full := Im2ColIndices(geom)
	zero := int32(geom.InC * geom.InH * geom.InW)
	want := map[[2]int]int32{} // (row, position) -> index, in-range pairs only
	kk := geom.Kernel * geom.Kernel
	for row := 0; row < geom.InC*kk; row++ {
		for p := 0; p < oh*ow; p++ {
			if v := full[row*oh*ow+p]; v != zero {
				want[[2]int{row, p}] = v
			}
		}
	}
	got := map[[2]int]int32{}
	ys, xs := geom.Spans()
	for _, sy := range ys {
		for _, sx := range xs {
			idx := regionIndices(geom, sy, sx)
			i := 0
			for ch := 0; ch < geom.InC; ch++ {
				for ky := sy.T0; ky < sy.T1; ky++ {
					for kx := sx.T0; kx < sx.T1; kx++ {
						for oy := sy.O0; oy < sy.O1; oy++ {
							for ox := sx.O0; ox < sx.O1; ox++ {
								key := [2]int{ch*kk + ky*geom.Kernel + kx, oy*ow + ox}
								if _, dup := got[key]; dup {
									t.Fatalf("pair %v in two regions", key)
								}
								got[key] = idx[i]
								i++
							}
						}
					}
				}
			}
			if i != len(idx) {
				t.Fatalf("region %v x %v: %d indices, walked %d", sy, sx, len(idx), i)
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("regions cover %d pairs, the in-range pairs are %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("pair %v: region index %d, im2col index %d", k, got[k], v)
		}
	}
}
