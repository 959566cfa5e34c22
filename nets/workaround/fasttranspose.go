package workaround

import (
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/gemm"
)

// blockSwap reports whether permutation perm moves the axes [split, rank) in front of the axes
// [0, split) keeping their order (e.g. [1, 0] or [1, 2, 3, 0]), which makes the transpose a 2-D
// transpose of a [rows, cols] matrix, rows = prod(dims[:split]), cols = prod(dims[split:]).
func blockSwap(perm []int, dims []int) (rows, cols int, ok bool) {
	r := len(perm)
	if r < 2 || len(dims) != r {
		return 0, 0, false
	}
	split := perm[0]
	if split <= 0 || split >= r {
		return 0, 0, false
	}
	for i, p := range perm {
		if want := (split + i) % r; p != want {
			return 0, 0, false
		}
	}
	rows, cols = 1, 1
	for i, d := range dims {
		if i < split {
			rows *= d
		} else {
			cols *= d
		}
	}
	return rows, cols, true
}

// execFastTranspose is the Transpose executor installed by InstallFastOps.
func execFastTranspose(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 1 {
		return l.stockTranspose(backend, node, inputs, inputsOwned)
	}
	nodePtr := unsafe.Pointer(node)
	outShape := *(*shapes.Shape)(unsafe.Add(nodePtr, l.nodeShape))
	perm, okPerm := (*(*any)(unsafe.Add(nodePtr, l.nodeData))).([]int)
	in := bufferView(inputs[0], l)
	src, okSrc := in.flat.([]float32)
	if !okPerm || !okSrc || in.shape.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 {
		return l.stockTranspose(backend, node, inputs, inputsOwned)
	}
	rows, cols, ok := blockSwap(perm, in.shape.Dimensions)
	if !ok || rows*cols != len(src) || outShape.Size() != len(src) {
		return l.stockTranspose(backend, node, inputs, inputsOwned)
	}
	buf, dst := outputBuffer(backend, outShape, l)
	gemm.Transpose(dst, src, rows, cols)
	fastTransposeCalls.Add(1)
	return buf, nil
}
