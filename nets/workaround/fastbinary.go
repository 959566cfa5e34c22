package workaround

import (
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/gemm"
)

// binaryOp names the float32 elementwise ops the fast executors take over: with implicit
// broadcasting (batch norm's x - mean, x * scale + offset over [C, H, W, N], a bias added to
// [N, out]) and, on large tensors, between equal shapes or against a scalar (the gradient
// chains, the optimizer's updates, ReLU's Max(x, 0)), split across the gemm threads.
type binaryOp int

const (
	opAdd binaryOp = iota
	opSub
	opMul
	opDiv
	opMax
)

// minParallelElementwise is the smallest equal-shape or scalar operation the fast executors
// take from simplego (whose loops are single-threaded): below it one thread is as fast.
const minParallelElementwise = 1 << 15

// elementwiseOps maps the ops gemm.Elementwise and gemm.ElementwiseScalar vectorize; Max stays on the scalar loops below
// (Go's max orders -0 below +0 and returns NaN for a NaN operand, which VMAXPS does not).
var elementwiseOps = [...]gemm.ElementwiseOp{opAdd: gemm.OpAdd, opSub: gemm.OpSub, opMul: gemm.OpMul, opDiv: gemm.OpDiv}

// vecScalar sets dst[i] = x[i] op v (left: v op x[i]).
func vecScalar(op binaryOp, dst, x []float32, v float32, left bool) {
	dst = dst[:len(x)]
	switch {
	case op != opMax:
		gemm.ElementwiseScalar(elementwiseOps[op], dst, x, v, left)
	case !left:
		for i, a := range x {
			dst[i] = max(a, v)
		}
	default:
		for i, a := range x {
			dst[i] = max(v, a)
		}
	}
}

// vecVec sets dst[i] = x[i] op y[i] (left: y[i] op x[i]).
func vecVec(op binaryOp, dst, x, y []float32, left bool) {
	dst, y = dst[:len(x)], y[:len(x)]
	switch {
	case op != opMax:
		gemm.Elementwise(elementwiseOps[op], dst, x, y, left)
	case !left:
		for i, a := range x {
			dst[i] = max(a, y[i])
		}
	default:
		for i, a := range x {
			dst[i] = max(y[i], a)
		}
	}
}

// applyElementwise computes dst = x op y (y equal-sized, or a scalar when len(y) == 1; left:
// y op x), in contiguous chunks across the gemm threads; dst may be x itself.
func applyElementwise(op binaryOp, dst, x, y []float32, left bool) {
	workers := min(gemm.Threads(), max(1, len(x)/minParallelElementwise))
	gemm.Parallel(workers, func(w int) {
		lo, hi := w*len(x)/workers, (w+1)*len(x)/workers
		if len(y) == 1 {
			vecScalar(op, dst[lo:hi], x[lo:hi], y[0], left)
		} else {
			vecVec(op, dst[lo:hi], x[lo:hi], y[lo:hi], left)
		}
	})
}

// fastElementwise runs a float32 binary op between equal shapes, or between a tensor and a
// scalar (on either side), of at least minParallelElementwise values; it reports false, doing
// nothing, otherwise. The result reuses an owned full-size input buffer, as simplego's does.
func fastElementwise(op binaryOp, backend *simplego.Backend, inputs []*simplego.Buffer, inputsOwned []bool, a, b []float32,
	outShape shapes.Shape) (*simplego.Buffer, bool) {
	fullIdx, full, other := 0, a, b
	switch {
	case len(a) == len(b) && len(a) == outShape.Size():
		if !inputsOwned[0] && inputsOwned[1] {
			fullIdx, full, other = 1, b, a
		}
	case len(b) == 1 && len(a) == outShape.Size():
	case len(a) == 1 && len(b) == outShape.Size():
		fullIdx, full, other = 1, b, a
	default:
		return nil, false
	}
	if len(full) < minParallelElementwise {
		return nil, false
	}
	fastBinaryCalls.Add(1)
	left := fullIdx == 1 // the other operand is the op's left-hand side
	if inputsOwned[fullIdx] {
		out := inputs[fullIdx]
		inputs[fullIdx] = nil
		applyElementwise(op, full, full, other, left)
		return out, true
	}
	buf, dst := outputBuffer(backend, outShape, &fastOpsLayout)
	applyElementwise(op, dst, full, other, left)
	return buf, true
}

// fastBinary runs a float32 binary op where one operand broadcasts to the other's shape
// (broadcastPlan), or (fastElementwise) on large equal shapes or against a scalar; every
// other case (small tensors, other dtypes or layouts) goes to simplego's executor.
func fastBinary(op binaryOp, stock simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 2 {
		return stock(backend, node, inputs, inputsOwned)
	}
	lhs, rhs := bufferView(inputs[0], l), bufferView(inputs[1], l)
	outShape := nodeShapeOf(node, l)
	a, okA := lhs.flat.([]float32)
	b, okB := rhs.flat.([]float32)
	if !okA || !okB || outShape.DType != dtypes.Float32 || lhs.shape.DType != dtypes.Float32 || rhs.shape.DType != dtypes.Float32 ||
		len(a) != lhs.shape.Size() || len(b) != rhs.shape.Size() {
		return stock(backend, node, inputs, inputsOwned)
	}
	if lhs.shape.Equal(rhs.shape) || len(a) == 1 || len(b) == 1 {
		if out, ok := fastElementwise(op, backend, inputs, inputsOwned, a, b, outShape); ok {
			return out, nil
		}
		return stock(backend, node, inputs, inputsOwned)
	}
	fullIdx, full, small, smallShape := 0, a, b, rhs.shape
	if rhs.shape.Equal(outShape) {
		fullIdx, full, small, smallShape = 1, b, a, lhs.shape
	} else if !lhs.shape.Equal(outShape) {
		return stock(backend, node, inputs, inputsOwned) // both operands broadcast
	}
	plan, ok := newBroadcastPlan(smallShape.Dimensions, outShape.Dimensions)
	if !ok {
		return stock(backend, node, inputs, inputsOwned)
	}
	fastBinaryCalls.Add(1)
	if inputsOwned[fullIdx] { // simplego's convention: the executor takes the buffer over
		out := inputs[fullIdx]
		inputs[fullIdx] = nil
		plan.apply(op, full, full, small, fullIdx == 1)
		return out, nil
	}
	buf, dst := outputBuffer(backend, outShape, l)
	plan.apply(op, dst, full, small, fullIdx == 1)
	return buf, nil
}

func execFastAdd(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	return fastBinary(opAdd, fastOpsLayout.stockAdd, b, n, in, owned)
}

func execFastSub(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	return fastBinary(opSub, fastOpsLayout.stockSub, b, n, in, owned)
}

func execFastMul(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	return fastBinary(opMul, fastOpsLayout.stockMul, b, n, in, owned)
}

func execFastDiv(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	return fastBinary(opDiv, fastOpsLayout.stockDiv, b, n, in, owned)
}

func execFastMax(b *simplego.Backend, n *simplego.Node, in []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	return fastBinary(opMax, fastOpsLayout.stockMax, b, n, in, owned)
}
