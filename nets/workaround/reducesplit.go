package workaround

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/hybridprune/hybridprune/gemm"
)

// Max pooling in the nets' [C, H, W, N] layout reshapes x to [C, H/s, s, W/s, s, N] and takes
// ReduceMax over the two window axes 2 and 4: not one contiguous run, so reduceBlocks cannot take
// it, and simplego's generic reduction walks it element by element on one core (an AlexNet b128
// training step spent 2-3% of its wall time there with the second core idle, a VGG16-BN b64 step
// about 5%). maxSplit takes any set of reduced axes as long as the axes after the last reduced
// one hold at least minSplitInner elements: every input position then contributes a contiguous
// row of that many values to one output row.

// minSplitInner is the shortest contiguous row (elements after the last reduced axis) that
// maxSplit takes; shorter ones stay with simplego, where the per-row bookkeeping would dominate.
const minSplitInner = 8

// splitLayout describes a reduction over the (ascending, possibly split) axes of dims for
// maxSplit: lead = dims[:last+1] (last, the last reduced axis), inner = prod(dims[last+1:]), and
// outStride[i], the output row stride of lead axis i (0 for a reduced axis).
type splitLayout struct {
	lead      []int
	outStride []int
	inner     int
	outRows   int
}

// newSplitLayout returns the layout of reducing axes of dims, or ok = false when an axis is out of
// range or not ascending, or the rows are shorter than minSplitInner.
func newSplitLayout(dims, axes []int) (l splitLayout, ok bool) {
	if len(axes) == 0 {
		return l, false
	}
	for i, a := range axes {
		if a < 0 || a >= len(dims) || (i > 0 && a <= axes[i-1]) {
			return l, false
		}
	}
	last := axes[len(axes)-1]
	l.inner = 1
	for _, d := range dims[last+1:] {
		l.inner *= d
	}
	if l.inner < minSplitInner {
		return l, false
	}
	l.lead = dims[:last+1]
	l.outStride = make([]int, len(l.lead))
	reduced := make([]bool, len(l.lead))
	for _, a := range axes {
		reduced[a] = true
	}
	l.outRows = 1
	for i := len(l.lead) - 1; i >= 0; i-- {
		if !reduced[i] {
			l.outStride[i] = l.outRows
			l.outRows *= l.lead[i]
		}
	}
	return l, true
}

// maxSplit writes the maximum of src (shape lead x inner, row-major) over the reduced axes of l
// into out (outRows x inner), with the same initial value (the lowest float32) and the same
// comparison (Go's max) as reduceBlocks. Positions of the leading axis are split over the threads
// when that axis is kept (their output rows are disjoint).
func maxSplit(out, src []float32, l splitLayout) {
	lowest := dtypes.Float32.LowestValue().(float32)
	for i := range out {
		out[i] = lowest
	}
	n0 := l.lead[0]
	per := len(src) / n0 / l.inner // input rows per position of axis 0
	workers := 1
	if l.outStride[0] > 0 && len(src) >= 1<<16 {
		workers = min(gemm.Threads(), n0)
	}
	gemm.Parallel(workers, func(w int) {
		idx := make([]int, len(l.lead))
		for i0 := w * n0 / workers; i0 < (w+1)*n0/workers; i0++ {
			clear(idx)
			idx[0] = i0
			o := i0 * l.outStride[0]
			for r := i0 * per; r < (i0+1)*per; r++ {
				acc := out[o*l.inner : (o+1)*l.inner]
				row := src[r*l.inner : (r+1)*l.inner]
				for k, v := range row {
					acc[k] = max(acc[k], v)
				}
				// Advance the odometer over axes 1.. (row-major), keeping o in step.
				for a := len(idx) - 1; a > 0; a-- {
					idx[a]++
					o += l.outStride[a]
					if idx[a] < l.lead[a] {
						break
					}
					o -= idx[a] * l.outStride[a]
					idx[a] = 0
				}
			}
		}
	})
}
