package workaround

import (
	"math"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/gemm"
)

// Batch-norm, bias and pooling in the nets' [C, H, W, N] layout broadcast per-channel values over
// the trailing axes and reduce the trailing axes back to one value per channel. simplego does both
// with a general index iterator per element (13% and 8% of a VGG16-BN step). Broadcasts become
// loops over contiguous rows (broadcastPlan); when the reduced axes form one contiguous run, the
// data is outer x mid x inner blocks, and reductions become plain loops over contiguous memory.

// span3 splits dims around the axis run [a, b): outer = prod(dims[:a]), mid = prod(dims[a:b]),
// inner = prod(dims[b:]).
func span3(dims []int, a, b int) (outer, mid, inner int) {
	outer, mid, inner = 1, 1, 1
	for i, d := range dims {
		switch {
		case i < a:
			outer *= d
		case i < b:
			mid *= d
		default:
			inner *= d
		}
	}
	return outer, mid, inner
}

// contiguousRun reports whether the ascending axes form one run [a, b).
func contiguousRun(axes []int) (a, b int, ok bool) {
	if len(axes) == 0 {
		return 0, 0, false
	}
	for i := 1; i < len(axes); i++ {
		if axes[i] != axes[i-1]+1 {
			return 0, 0, false
		}
	}
	return axes[0], axes[len(axes)-1] + 1, true
}

// nodeAxes reads a node's []int data (the broadcast or reduced axes).
func nodeAxes(node *simplego.Node, l *simplegoLayout) ([]int, bool) {
	v, ok := (*(*any)(unsafe.Add(unsafe.Pointer(node), l.nodeData))).([]int)
	return v, ok
}

// nodeShapeOf reads a node's output shape.
func nodeShapeOf(node *simplego.Node, l *simplegoLayout) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(node), l.nodeShape))
}

// execFastBroadcastInDim is the BroadcastInDim executor installed by InstallFastOps: float32
// operands whose axes keep their order in the output (a per-channel vector over [C, H, W, N], a
// bias over [O, P], a pooling window's maximum) are written row by row (broadcastPlan);
// everything else goes to simplego.
func execFastBroadcastInDim(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 1 {
		return l.stockBroadcastInDim(backend, node, inputs, inputsOwned)
	}
	in := bufferView(inputs[0], l)
	outShape := nodeShapeOf(node, l)
	src, ok := in.flat.([]float32)
	axes, okAxes := nodeAxes(node, l)
	if ok && len(src) == 1 && in.shape.DType == dtypes.Float32 && outShape.DType == dtypes.Float32 && in.shape.Size() == 1 {
		// A single value over the whole output: the zeros a gather's gradient scatters into (a
		// region weight's [K, O] per padding region and step) and the constants of the loss.
		// simplego fills them by doubling copies (5% of an AlexNet b128 step in memmove).
		buf, out := outputBuffer(backend, outShape, l)
		if v := src[0]; v == 0 && !math.Signbit(float64(v)) {
			clear(out)
		} else {
			for i := range out {
				out[i] = v
			}
		}
		fastBroadcastCalls.Add(1)
		return buf, nil
	}
	if !ok || !okAxes || in.shape.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 || len(src) != in.shape.Size() ||
		len(src) <= 1 || len(axes) != in.shape.Rank() {
		return l.stockBroadcastInDim(backend, node, inputs, inputsOwned)
	}
	// The operand laid out at the output's rank (1 on the broadcast axes), as simplego reads it;
	// its non-unit axes must keep their order (else the broadcast also transposes).
	dims, last := make([]int, outShape.Rank()), -1
	for i := range dims {
		dims[i] = 1
	}
	for opAxis, outAxis := range axes {
		d := in.shape.Dimensions[opAxis]
		if outAxis < 0 || outAxis >= len(dims) || (d != 1 && outAxis <= last) {
			return l.stockBroadcastInDim(backend, node, inputs, inputsOwned)
		}
		if d != 1 {
			dims[outAxis], last = d, outAxis
		}
	}
	plan, ok := newBroadcastPlan(dims, outShape.Dimensions)
	if !ok {
		return l.stockBroadcastInDim(backend, node, inputs, inputsOwned)
	}
	buf, out := outputBuffer(backend, outShape, l)
	plan.fill(out, src)
	fastBroadcastCalls.Add(1)
	return buf, nil
}

// reduceBlocks writes out[o*inner+i] = op over m of src[(o*mid+m)*inner+i], accumulating in
// increasing m (simplego's order: maxima and sums over strided blocks are bit-identical), except
// that a sum over a contiguous block (inner == 1: a channel's H*W*N values) runs on eight partial
// sums (sumBlock), which rounds differently from, and no worse than, one running sum.
func reduceBlocks(out, src []float32, outer, mid, inner int, isMax bool) {
	workers := 1
	if len(src) >= 1<<18 && outer >= 2 {
		workers = min(gemm.Threads(), outer)
	}
	init := float32(0)
	if isMax {
		init = dtypes.Float32.LowestValue().(float32)
	}
	gemm.Parallel(workers, func(w int) {
		for o := w * outer / workers; o < (w+1)*outer/workers; o++ {
			acc := out[o*inner : (o+1)*inner]
			if inner == 1 && !isMax {
				acc[0] = sumBlock(src[o*mid : (o+1)*mid])
				continue
			}
			for i := range acc {
				acc[i] = init
			}
			for m := range mid {
				row := src[(o*mid+m)*inner : (o*mid+m+1)*inner]
				if isMax {
					for i, v := range row {
						acc[i] = max(acc[i], v)
					}
				} else {
					for i, v := range row {
						acc[i] += v
					}
				}
			}
		}
	})
}

// execFastReduceSum and execFastReduceMax are the ReduceSum and ReduceMax executors installed by
// InstallFastOps: float32 reductions over one contiguous run of axes (a channel's H, W and N)
// run block by block, maxima over split axes (a pooling window's) row by row (maxSplit);
// everything else goes to simplego.
func execFastReduceSum(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error) {
	return fastReduce(backend, node, inputs, inputsOwned, false, fastOpsLayout.stockReduceSum)
}

func execFastReduceMax(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error) {
	return fastReduce(backend, node, inputs, inputsOwned, true, fastOpsLayout.stockReduceMax)
}

func fastReduce(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool,
	isMax bool, stock simplegoExecutor) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 1 {
		return stock(backend, node, inputs, inputsOwned)
	}
	in := bufferView(inputs[0], l)
	outShape := nodeShapeOf(node, l)
	src, ok := in.flat.([]float32)
	axes, okAxes := nodeAxes(node, l)
	if !ok || !okAxes || in.shape.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 || len(src) != in.shape.Size() {
		return stock(backend, node, inputs, inputsOwned)
	}
	a, b, ok := contiguousRun(axes)
	if !ok || b > in.shape.Rank() || a < 0 {
		// Split axes (a pooling window's two axes): maxima only, over rows long enough.
		sl, okSplit := newSplitLayout(in.shape.Dimensions, axes)
		if !isMax || !okSplit || sl.outRows*sl.inner != outShape.Size() {
			return stock(backend, node, inputs, inputsOwned)
		}
		out := make([]float32, outShape.Size())
		maxSplit(out, src, sl)
		fastReduceCalls.Add(1)
		return newSimplegoBuffer(outShape, out, l), nil
	}
	outer, mid, inner := span3(in.shape.Dimensions, a, b)
	if outer*inner != outShape.Size() {
		return stock(backend, node, inputs, inputsOwned)
	}
	out := make([]float32, outer*inner)
	reduceBlocks(out, src, outer, mid, inner, isMax)
	fastReduceCalls.Add(1)
	return newSimplegoBuffer(outShape, out, l), nil
}

// sumBlock returns the sum of x over eight interleaved partial sums (an addition chain per
// partial sum instead of one chain through all of x: eight times the throughput, and a smaller
// rounding error than one running sum).
func sumBlock(x []float32) float32 {
	var p [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		p[0] += x[i]
		p[1] += x[i+1]
		p[2] += x[i+2]
		p[3] += x[i+3]
		p[4] += x[i+4]
		p[5] += x[i+5]
		p[6] += x[i+6]
		p[7] += x[i+7]
	}
	for j := 0; i < len(x); i, j = i+1, j+1 {
		p[j] += x[i]
	}
	return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
}
