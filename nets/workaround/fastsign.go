package workaround

import (
	"github.com/hybridprune/hybridprune/gemm"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// GoMLX differentiates ReLU (Max(x, 0)) and max-pooling through Sign, and simplego's Sign
// branches on every element, which mispredicts on activations of random sign. gemm.Signs computes
// it branch-free (AVX2 on the SIMD routes) with simplego's results: -1, 0 or 1, and 0 for NaN.
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
		gemm.Signs(x, x)
		return out, nil
	}
	buf, y := outputBuffer(backend, in.shape, l)
	gemm.Signs(y, x)
	return buf, nil
}
