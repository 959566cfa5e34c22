package workaround

import (
	"math"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// GoMLX differentiates ReLU (Max(x, 0)) through Sign, and simplego's Sign branches on every
// element, which mispredicts on activations of random sign. signs computes it branch-free from
// the bits, with simplego's results: -1, 0 or 1, and 0 for NaN.
func signs(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		u := math.Float32bits(x)
		mag := u & 0x7fffffff
		var keep uint32
		if mag != 0 && mag <= 0x7f800000 { // compiled to flag arithmetic, not a jump
			keep = 0xffffffff
		}
		dst[i] = math.Float32frombits(((u & 0x80000000) | 0x3f800000) & keep)
	}
}

// execFastSign is the Sign executor installed by InstallFastOps: float32 runs through signs
// (in place when simplego hands the buffer over), every other dtype on simplego's own executor.
func execFastSign(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 1 {
		return l.stockSign(backend, node, inputs, inputsOwned)
	}
	in := bufferView(inputs[0], l)
	x, ok := in.flat.([]float32)
	if !ok || in.shape.DType != dtypes.Float32 || len(x) != in.shape.Size() {
		return l.stockSign(backend, node, inputs, inputsOwned)
	}
	fastSignCalls.Add(1)
	if inputsOwned[0] {
		out := inputs[0]
		inputs[0] = nil // simplego's convention: the executor took the buffer over.
		signs(x, x)
		return out, nil
	}
	y := make([]float32, len(x))
	signs(y, x)
	return newSimplegoBuffer(in.shape, y, l), nil
}
