package gemm

// ElementwiseOp names a float32 binary operation of Elementwise.
type ElementwiseOp int

// The operations of Elementwise: x op y.
const (
	OpAdd ElementwiseOp = iota // x + y
	OpSub                      // x - y
	OpMul                      // x * y
	OpDiv                      // x / y
)

// binaryFunc is the vector loop of Elementwise and ElementwiseScalar over the first n8 values (a
// multiple of 8): op as binaryAVX numbers them (0-3 as ElementwiseOp; 4 v - x and 5 v / x only
// when scalar), v in place of y when scalar.
type binaryFunc func(op int, dst, x, y []float32, n8 int, v float32, scalar bool)

// Elementwise sets dst[i] = x[i] op y[i] (y at least as long as x); swapped computes y op x
// instead. It is the inner loop of the training executors' gradient chains and optimizer
// updates (nets/workaround splits it over the threads): 8 lanes at a time on the SIMD routes,
// each lane one IEEE operation, so the result equals the scalar loop's bit for bit and
// training stays deterministic across routes. dst may alias x or y; it panics if dst or y is
// shorter than x.
func Elementwise(op ElementwiseOp, dst, x, y []float32, swapped bool) {
	if len(dst) < len(x) || len(y) < len(x) {
		panic("gemm.Elementwise: dst or y shorter than x")
	}
	dst, y = dst[:len(x)], y[:len(x)]
	if swapped && (op == OpSub || op == OpDiv) {
		x, y = y, x // y op x is the same loop with the operands exchanged
	}
	n8 := 0
	if f := Current().binary; f != nil && op >= OpAdd && op <= OpDiv {
		if n8 = len(x) / 8 * 8; n8 > 0 {
			f(int(op), dst, x, y, n8, 0, false)
		}
	}
	binaryGo(int(op), dst[n8:], x[n8:], y[n8:])
}

// ElementwiseScalar sets dst[i] = x[i] op v; swapped computes v op x[i] instead. As
// Elementwise: vectorized on the SIMD routes, bit for bit the scalar loop's result; dst may
// alias x; it panics if dst is shorter than x.
func ElementwiseScalar(op ElementwiseOp, dst, x []float32, v float32, swapped bool) {
	if len(dst) < len(x) {
		panic("gemm.ElementwiseScalar: dst shorter than x")
	}
	dst = dst[:len(x)]
	code := int(op)
	if swapped && op == OpSub {
		code = 4
	} else if swapped && op == OpDiv {
		code = 5
	}
	n8 := 0
	if f := Current().binary; f != nil && op >= OpAdd && op <= OpDiv {
		if n8 = len(x) / 8 * 8; n8 > 0 {
			f(code, dst, x, nil, n8, v, true)
		}
	}
	binaryScalarGo(code, dst[n8:], x[n8:], v)
}

// binaryGo is Elementwise's portable loop between equal lengths (code 0-3).
func binaryGo(code int, dst, x, y []float32) {
	dst, y = dst[:len(x)], y[:len(x)]
	switch code {
	case 0:
		for i, a := range x {
			dst[i] = a + y[i]
		}
	case 1:
		for i, a := range x {
			dst[i] = a - y[i]
		}
	case 2:
		for i, a := range x {
			dst[i] = a * y[i]
		}
	case 3:
		for i, a := range x {
			dst[i] = a / y[i]
		}
	default:
		panic("gemm.Elementwise: unknown op")
	}
}

// binaryScalarGo is Elementwise's portable loop against a scalar (code 0-5).
func binaryScalarGo(code int, dst, x []float32, v float32) {
	dst = dst[:len(x)]
	switch code {
	case 0:
		for i, a := range x {
			dst[i] = a + v
		}
	case 1:
		for i, a := range x {
			dst[i] = a - v
		}
	case 2:
		for i, a := range x {
			dst[i] = a * v
		}
	case 3:
		for i, a := range x {
			dst[i] = a / v
		}
	case 4:
		for i, a := range x {
			dst[i] = v - a
		}
	case 5:
		for i, a := range x {
			dst[i] = v / a
		}
	default:
		panic("gemm.Elementwise: unknown op")
	}
}
