package workaround

import (
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/hybridprune/hybridprune/gemm"
)

// binaryOp names the float32 elementwise ops whose implicit broadcasting the fast executors take
// over: batch norm's x - mean, x * scale + offset over [C, H, W, N], a bias added to [N, out].
type binaryOp int

const (
	opAdd binaryOp = iota
	opSub
	opMul
	opDiv
)

// broadcastRun reports how an operand of dims small (at full's rank) broadcasts to dims full: its
// non-unit axes must be one contiguous run [a, b) of full's axes at full size, so that small[m]
// meets full[(o*mid+m)*inner + i].
func broadcastRun(small, full []int) (outer, mid, inner int, ok bool) {
	if len(small) != len(full) {
		return 0, 0, 0, false
	}
	var run []int
	for ax, d := range small {
		if d == 1 {
			continue
		}
		if d != full[ax] {
			return 0, 0, 0, false
		}
		run = append(run, ax)
	}
	a, b, ok := contiguousRun(run)
	if !ok {
		return 0, 0, 0, false
	}
	outer, mid, inner = span3(full, a, b)
	return outer, mid, inner, true
}

// applyBroadcast computes dst = full op small (smallLeft: small op full) block by block; dst may
// be full itself.
func applyBroadcast(op binaryOp, dst, full, small []float32, outer, mid, inner int, smallLeft bool) {
	rows := outer * mid
	if inner == 1 {
		rows = outer
	}
	workers := 1
	if len(dst) >= 1<<18 {
		workers = min(gemm.Threads(), rows)
	}
	gemm.Parallel(workers, func(w int) {
		for r := w * rows / workers; r < (w+1)*rows/workers; r++ {
			if inner == 1 { // row r of full against the whole of small
				vecVec(op, dst[r*mid:(r+1)*mid], full[r*mid:(r+1)*mid], small, smallLeft)
			} else { // row r of full against one value of small
				vecScalar(op, dst[r*inner:(r+1)*inner], full[r*inner:(r+1)*inner], small[r%mid], smallLeft)
			}
		}
	})
}

func vecScalar(op binaryOp, dst, x []float32, v float32, left bool) {
	dst = dst[:len(x)]
	switch {
	case op == opAdd:
		for i, a := range x {
			dst[i] = a + v
		}
	case op == opMul:
		for i, a := range x {
			dst[i] = a * v
		}
	case op == opSub && !left:
		for i, a := range x {
			dst[i] = a - v
		}
	case op == opSub:
		for i, a := range x {
			dst[i] = v - a
		}
	case op == opDiv && !left:
		for i, a := range x {
			dst[i] = a / v
		}
	default:
		for i, a := range x {
			dst[i] = v / a
		}
	}
}

func vecVec(op binaryOp, dst, x, y []float32, left bool) {
	dst, y = dst[:len(x)], y[:len(x)]
	switch {
	case op == opAdd:
		for i, a := range x {
			dst[i] = a + y[i]
		}
	case op == opMul:
		for i, a := range x {
			dst[i] = a * y[i]
		}
	case op == opSub && !left:
		for i, a := range x {
			dst[i] = a - y[i]
		}
	case op == opSub:
		for i, a := range x {
			dst[i] = y[i] - a
		}
	case op == opDiv && !left:
		for i, a := range x {
			dst[i] = a / y[i]
		}
	default:
		for i, a := range x {
			dst[i] = y[i] / a
		}
	}
}

// fastBinary runs a float32 binary op where one operand broadcasts to the other's shape along a
// contiguous run of axes; every other case (equal shapes, scalars, other dtypes or layouts) goes
// to simplego's executor, which handles them without its per-element iterator or is rare.
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
		lhs.shape.Equal(rhs.shape) || lhs.shape.Size() <= 1 || rhs.shape.Size() <= 1 || len(a) != lhs.shape.Size() || len(b) != rhs.shape.Size() {
		return stock(backend, node, inputs, inputsOwned)
	}
	fullIdx, full, small, smallShape := 0, a, b, rhs.shape
	if rhs.shape.Equal(outShape) {
		fullIdx, full, small, smallShape = 1, b, a, lhs.shape
	} else if !lhs.shape.Equal(outShape) {
		return stock(backend, node, inputs, inputsOwned) // both operands broadcast
	}
	outer, mid, inner, ok := broadcastRun(smallShape.Dimensions, outShape.Dimensions)
	if !ok {
		return stock(backend, node, inputs, inputsOwned)
	}
	fastBinaryCalls.Add(1)
	if inputsOwned[fullIdx] { // simplego's convention: the executor takes the buffer over
		out := inputs[fullIdx]
		inputs[fullIdx] = nil
		applyBroadcast(op, full, full, small, outer, mid, inner, fullIdx == 1)
		return out, nil
	}
	buf, dst := outputBuffer(backend, outShape, l)
	applyBroadcast(op, dst, full, small, outer, mid, inner, fullIdx == 1)
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
