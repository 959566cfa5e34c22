package workaround

import (
	"os"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/hybridprune/hybridprune/layout"
)

// ConvSplitEnvVar turns the padding-aware convolution off ("0") or on (anything else, the
// default), in training (Conv2D) and in the inference engine (sparse/engine). Off, training
// runs every product as before the split existed (the fast Dot's N:M path then takes 2:4
// operands only), bit for bit: a VGG16 epoch with it off gives the weights that
// commit 681f4d4 gave (checked 2026-12-03), so a grid whose stored rows predate the split resumes.
const ConvSplitEnvVar = "HYBRIDPRUNE_CONVSPLIT"

// minSplitSaving is the smallest share of a convolution's im2col multiply-adds that the
// padding-aware split must skip to be used: below it the extra graph nodes (a gather of the
// weight and of the input and a narrower product per region, the concatenations, and all their
// gradients) cost more than the skipped zeros. A 3x3 convolution with padding 1 skips 4% at
// 32x32, 8% at 16x16, 16% at 8x8, 31% at 4x4 and 56% at 2x2; AlexNet-CIFAR's 5x5 at 4x4 skips
// 51%. Measured on a Zen 4 (VGG16-BN b64 training, two rounds each): splitting every layer that
// skips 10% or more ran at 59-60 images/s, 30% at 62, 50% at 67-71, no split at 66-70; AlexNet
// b128 with its conv2-5 split ran 1.16x the unsplit step.
const minSplitSaving = 0.45

// convSplitOff is read once: the graph a model builds must not change between steps.
var convSplitOff = os.Getenv(ConvSplitEnvVar) == "0"

// UsesSplit reports whether Conv2D lowers a convolution of this geometry to one product per
// padding region instead of one im2col product. It needs the fast executors installed
// (InstallFastOps): their Dot runs simplego's own product, where it falls back to it, as a
// sleeping worker (stockDotAsleep), without which the split's many independent products can
// deadlock simplego's worker pool.
func UsesSplit(c layout.Conv) bool {
	return !convSplitOff && fastOpsInstalled.Load() && c.Padding > 0 && c.PaddingShare() >= minSplitSaving
}

// conv2DSplit is Conv2D by regions of the output: the output positions whose windows read the
// same in-range taps (a rectangle of spans) get one product of the weight's columns at those taps
// with an im2col matrix of just those taps, so no multiply-add touches the zero padding. On the
// small feature maps of CIFAR networks most taps are padding (AlexNet's 3x3 convolutions at 2x2
// read 4 of 9), where PyTorch's direct convolutions skip them too. Regions are concatenated
// back along W, then H. Its gradient is mergedGradient's (one scatter-add for the input and one
// for the weight over all regions) where GoMLX's Node lets a gradient be set, else every piece's
// own (a scatter of each region's gathers into a zeroed full-size tensor, summed region by region).
func conv2DSplit(flat, weight *graph.Node, geom ConvGeometry, n int) *graph.Node {
	out := weight.Shape().Dimensions[0]
	// The weight's columns at a region's taps are gathered as rows of its transpose [K, O]
	// (simplego has no Pad, which the gradient of a Slice needs; a Gather's is a scatter-add).
	wt := graph.Transpose(graph.Reshape(weight, out, geom.InC*geom.Kernel*geom.Kernel), 0, 1)
	s := splitProducts(flat, wt, geom, n, out)
	if customVJPOffset == noCustomVJP {
		return s.y
	}
	return s.mergedGradient(flat, wt)
}

// splitRegions is the forward graph of conv2DSplit: each region's operands and the output.
type splitRegions struct {
	regions []splitRegion
	out, n  int
	y       *graph.Node // [O, OH, OW, N]
}

// splitRegion is one padding region: its output box, its im2col gather indices into flat and
// the rows of wt its taps read (constants [k*npos, 1] and [k, 1], which the merged gradient's
// scatters reuse), and its two operands.
type splitRegion struct {
	sy, sx    layout.Span
	idx, taps *graph.Node
	cols, wr  *graph.Node // [k, npos*n], [k, O]
	k, npos   int
}

// splitProducts builds every region's product of wt's rows at its taps with flat's values there.
func splitProducts(flat, wt *graph.Node, geom ConvGeometry, n, out int) splitRegions {
	ys, xs := geom.Spans()
	g := flat.Graph()
	s := splitRegions{out: out, n: n}
	rows := make([]*graph.Node, 0, len(ys))
	for _, sy := range ys {
		row := make([]*graph.Node, 0, len(xs))
		for _, sx := range xs {
			taps := tapRows(geom, sy, sx)
			r := splitRegion{sy: sy, sx: sx, k: len(taps), npos: (sy.O1 - sy.O0) * (sx.O1 - sx.O0)}
			r.idx = graph.Reshape(graph.Const(g, regionIndices(geom, sy, sx)), r.k*r.npos, 1)
			r.taps = graph.Reshape(graph.Const(g, taps), r.k, 1)
			r.cols = graph.Reshape(graph.Gather(flat, r.idx, true), r.k, r.npos*n)
			r.wr = graph.Gather(wt, r.taps, true) // [k, O]
			y := dotTransposedA(r.wr, r.cols)     // [O, npos*n]
			row = append(row, graph.Reshape(y, out, sy.O1-sy.O0, sx.O1-sx.O0, n))
			s.regions = append(s.regions, r)
		}
		rows = append(rows, concat(row, 2))
	}
	s.y = concat(rows, 1)
	return s
}

// concat is graph.Concatenate that passes a single node through.
func concat(xs []*graph.Node, axis int) *graph.Node {
	if len(xs) == 1 {
		return xs[0]
	}
	return graph.Concatenate(xs, axis)
}

// tapRows returns the weight columns (c, ky, kx) of a region's taps, in OIHW order: the rows of
// its im2col matrix.
func tapRows(c ConvGeometry, sy, sx layout.Span) []int32 {
	r := make([]int32, 0, c.InC*(sy.T1-sy.T0)*(sx.T1-sx.T0))
	for ch := 0; ch < c.InC; ch++ {
		for ky := sy.T0; ky < sy.T1; ky++ {
			for kx := sx.T0; kx < sx.T1; kx++ {
				r = append(r, int32((ch*c.Kernel+ky)*c.Kernel+kx))
			}
		}
	}
	return r
}

// regionIndices returns the im2col gather indices of one region: rows (c, ky, kx) over its
// taps in OIHW order, columns (oy, ox) over its positions, each the flat index
// c*InH*InW + iy*InW + ix of the input value read (always inside the input).
func regionIndices(c ConvGeometry, sy, sx layout.Span) []int32 {
	ty, tx := sy.T1-sy.T0, sx.T1-sx.T0
	npos := (sy.O1 - sy.O0) * (sx.O1 - sx.O0)
	idx := make([]int32, 0, c.InC*ty*tx*npos)
	for ch := 0; ch < c.InC; ch++ {
		for ky := sy.T0; ky < sy.T1; ky++ {
			for kx := sx.T0; kx < sx.T1; kx++ {
				for oy := sy.O0; oy < sy.O1; oy++ {
					iy := oy*c.Stride - c.Padding + ky
					for ox := sx.O0; ox < sx.O1; ox++ {
						ix := ox*c.Stride - c.Padding + kx
						idx = append(idx, int32((ch*c.InH+iy)*c.InW+ix))
					}
				}
			}
		}
	}
	return idx
}
