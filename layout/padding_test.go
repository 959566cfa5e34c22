package layout

import (
	"math"
	"slices"
	"testing"
)

// TestSpans checks the padding regions of one axis against hand-worked windows.
func TestSpans(t *testing.T) {
	for _, c := range []struct {
		name             string
		in, k, s, p, out int
		want             []Span
	}{
		// AlexNet conv2 on CIFAR: 4 positions, 5 taps, padding 2: windows start at -2, -1, 0, 1.
		{"k5 p2 at 4", 4, 5, 1, 2, 4, []Span{{0, 1, 2, 5}, {1, 2, 1, 5}, {2, 3, 0, 4}, {3, 4, 0, 3}}},
		// AlexNet conv1: 32 inputs, 11 taps, stride 4, padding 5: windows start at 4o-5.
		{"k11 s4 p5 at 32", 32, 11, 4, 5, 8, []Span{{0, 1, 5, 11}, {1, 2, 1, 11}, {2, 7, 0, 11}, {7, 8, 0, 9}}},
		// A 3x3 conv at 32: only the border positions lose a tap.
		{"k3 p1 at 32", 32, 3, 1, 1, 32, []Span{{0, 1, 1, 3}, {1, 31, 0, 3}, {31, 32, 0, 2}}},
		{"no padding", 5, 3, 1, 0, 3, []Span{{0, 3, 0, 3}}},
	} {
		if got := axisSpans(c.in, c.k, c.s, c.p, c.out); !slices.Equal(got, c.want) {
			t.Errorf("%s: spans = %v, want %v", c.name, got, c.want)
		}
	}
	ys, xs := Conv{InC: 1, InH: 6, InW: 4, Kernel: 3, Stride: 1, Padding: 1}.Spans()
	if len(ys) != 3 || len(xs) != 3 || ys[1] != (Span{1, 5, 0, 3}) || xs[2] != (Span{3, 4, 0, 2}) {
		t.Errorf("Spans of 6x4 k3 p1: %v, %v", ys, xs)
	}
}

// TestPaddingShare checks the padding's share of the multiply-adds on hand-counted geometries.
func TestPaddingShare(t *testing.T) {
	for _, c := range []struct {
		geom Conv
		want float64
	}{
		{Conv{InC: 192, InH: 2, InW: 2, Kernel: 3, Stride: 1, Padding: 1}, 1 - 16.0/36},          // 4 of 9 taps
		{Conv{InC: 64, InH: 4, InW: 4, Kernel: 5, Stride: 1, Padding: 2}, 1 - (14.0*14)/(20*20)}, // 14 of 20 per axis
		{Conv{InC: 3, InH: 32, InW: 32, Kernel: 11, Stride: 4, Padding: 5}, 1 - (80.0*80)/(88*88)},
		{Conv{InC: 64, InH: 32, InW: 32, Kernel: 3, Stride: 1, Padding: 1}, 1 - (94.0*94)/(96*96)},
		{Conv{InC: 64, InH: 8, InW: 8, Kernel: 3, Stride: 1, Padding: 1}, 1 - (22.0*22)/(24*24)},
		{Conv{InC: 512, InH: 4, InW: 4, Kernel: 3, Stride: 1, Padding: 1}, 1 - (10.0*10)/(12*12)},
		{Conv{InC: 64, InH: 8, InW: 8, Kernel: 3, Stride: 1, Padding: 0}, 0},
	} {
		if got := c.geom.PaddingShare(); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v: PaddingShare = %v, want %v", c.geom, got, c.want)
		}
	}
}
