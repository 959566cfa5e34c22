package workaround

import (
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// transposeTile is the side of the square tiles the 2-D transpose copies (a 32x32 float32 tile is
// 4 KiB, so a source and a destination tile sit in L1 together).
const transposeTile = 32

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

// transpose2D writes the transpose of src (rows x cols, row-major) into dst (cols x rows), tile by
// tile, splitting the row tiles over two goroutines when the matrix is large.
func transpose2D(dst, src []float32, rows, cols int) {
	do := func(r0, r1 int) {
		for i0 := r0; i0 < r1; i0 += transposeTile {
			i1 := min(i0+transposeTile, r1)
			for j0 := 0; j0 < cols; j0 += transposeTile {
				j1 := min(j0+transposeTile, cols)
				for i := i0; i < i1; i++ {
					row := src[i*cols : i*cols+cols]
					for j := j0; j < j1; j++ {
						dst[j*rows+i] = row[j]
					}
				}
			}
		}
	}
	if rows*cols < 1<<16 || rows < 2*transposeTile {
		do(0, rows)
		return
	}
	mid := (rows / 2) / transposeTile * transposeTile
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); do(0, mid) }()
	do(mid, rows)
	wg.Wait()
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
	transpose2D(dst, src, rows, cols)
	fastTransposeCalls.Add(1)
	return buf, nil
}
