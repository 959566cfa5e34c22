package workaround

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/layout"
)

// ConvGeometry is layout.Conv: a square 2D convolution over an input of InC x InH x InW.
type ConvGeometry = layout.Conv

// Im2ColIndices returns, for every (k, p) pair with k = (c, ky, kx) in OIHW flatten order and p
// = (oy, ox), the flat index c*InH*InW + iy*InW + ix of the input value it reads, or InC*InH*InW
// (the appended zero row) where the window reaches into the padding. The result is row-major
// [K x P] with K = InC*Kernel*Kernel and P = outH*outW.
func Im2ColIndices(c layout.Conv) []int32 {
	oh, ow := c.OutSize()
	k := c.InC * c.Kernel * c.Kernel
	p := oh * ow
	zero := int32(c.InC * c.InH * c.InW)
	idx := make([]int32, k*p)
	for ch := 0; ch < c.InC; ch++ {
		for ky := 0; ky < c.Kernel; ky++ {
			for kx := 0; kx < c.Kernel; kx++ {
				row := (ch*c.Kernel+ky)*c.Kernel + kx
				for oy := 0; oy < oh; oy++ {
					iy := oy*c.Stride - c.Padding + ky
					for ox := 0; ox < ow; ox++ {
						ix := ox*c.Stride - c.Padding + kx
						v := zero
						if iy >= 0 && iy < c.InH && ix >= 0 && ix < c.InW {
							v = int32((ch*c.InH+iy)*c.InW + ix)
						}
						idx[row*p+oy*ow+ox] = v
					}
				}
			}
		}
	}
	return idx
}

// Conv2D convolves x, laid out [C, H, W, N] (batch last), with weight [O, C, k, k] (OIHW) and
// adds bias [O]; the result is [O, outH, outW, N]. It is im2col (graph.Gather) plus graph.Dot,
// so it is differentiable on every backend: one product where the padding is a small share of
// the windows, else one per padding region (conv2DSplit, UsesSplit), which skips the
// multiply-adds on the zero padding.
func Conv2D(x, weight, bias *graph.Node, geom ConvGeometry) *graph.Node {
	return conv2D(x, weight, bias, geom, UsesSplit(geom))
}

// Conv2DIm2Col is Conv2D as one im2col product whatever the padding (what the split is tested
// against). An N:M-masked weight splits like any other: the split's column slices of a 2:4
// weight are mostly zero, which the fast Dot's N:M path takes as well (sparseDot).
func Conv2DIm2Col(x, weight, bias *graph.Node, geom ConvGeometry) *graph.Node {
	return conv2D(x, weight, bias, geom, false)
}

func conv2D(x, weight, bias *graph.Node, geom ConvGeometry, split bool) *graph.Node {
	dims := x.Shape().Dimensions
	if x.Rank() != 4 || dims[0] != geom.InC || dims[1] != geom.InH || dims[2] != geom.InW {
		panic(fmt.Sprintf("workaround.Conv2D: input shape %s does not match geometry %+v ([C, H, W, N] expected)", x.Shape(), geom))
	}
	g := x.Graph()
	n := dims[3]
	oh, ow := geom.OutSize()
	k := geom.InC * geom.Kernel * geom.Kernel
	out := weight.Shape().Dimensions[0]

	flat := graph.Reshape(x, geom.InC*geom.InH*geom.InW, n)
	var y *graph.Node
	switch {
	case split:
		y = conv2DSplit(flat, weight, geom, n)
	case geom.Kernel == 1 && geom.Stride == 1 && geom.Padding == 0:
		// A 1x1 conv's im2col matrix is the input itself.
		y = graph.Dot(graph.Reshape(weight, out, k), graph.Reshape(flat, k, oh*ow*n))
	default:
		if geom.Padding > 0 {
			flat = graph.Concatenate([]*graph.Node{flat, graph.Zeros(g, shapes.Make(flat.DType(), 1, n))}, 0)
		}
		idx := graph.Const(g, Im2ColIndices(geom))
		cols := graph.Gather(flat, graph.Reshape(idx, k*oh*ow, 1), true)
		y = graph.Dot(graph.Reshape(weight, out, k), graph.Reshape(cols, k, oh*ow*n))
	}
	y = graph.Reshape(y, out, oh*ow*n)
	y = graph.Add(y, graph.Reshape(bias, out, 1))
	return graph.Reshape(y, out, oh, ow, n)
}
