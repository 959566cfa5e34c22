package workaround

import (
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The gradient of a Concatenate is one Slice per operand: the padding-aware conv (convsplit.go)
// concatenates its regions' outputs along W, then H, so every training step slices each region's
// gradient back out of [O, H, W, N]. simplego copies a slice element by element through an index
// iterator (3% of an AlexNet b128 step); a unit-stride slice is a sequence of contiguous runs.

// execFastSlice is the Slice executor installed by InstallFastOps: float32 slices with unit
// strides copy their contiguous runs (the trailing axes the slice keeps whole, times the span of
// the first axis it cuts, counted from the end); everything else goes to simplego.
func execFastSlice(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 1 {
		return l.stockSlice(backend, node, inputs, inputsOwned)
	}
	in := bufferView(inputs[0], l)
	outShape := nodeShapeOf(node, l)
	src, ok := in.flat.([]float32)
	_, lists, okP := nodeInts(*(*any)(unsafe.Add(unsafe.Pointer(node), l.nodeData)), nil, []string{"starts", "limits", "strides"})
	if !ok || !okP || in.shape.DType != dtypes.Float32 || outShape.DType != dtypes.Float32 || len(src) != in.shape.Size() {
		return l.stockSlice(backend, node, inputs, inputsOwned)
	}
	runs, ok := sliceRuns(in.shape.Dimensions, lists["starts"], lists["limits"], lists["strides"])
	if !ok || runs.total() != outShape.Size() {
		return l.stockSlice(backend, node, inputs, inputsOwned)
	}
	buf, out := outputBuffer(backend, outShape, l)
	runs.copy(out, src)
	fastSliceCalls.Add(1)
	return buf, nil
}

// sliceRunPlan is a unit-stride slice of a row-major array as count runs of run contiguous values:
// run i starts in the source at base + the offset of outer index i (outer dims and their strides).
type sliceRunPlan struct {
	base, run     int
	outer, stride []int // the output's extent and the source stride of each axis before the run
}

// sliceRuns plans the slice [starts, limits) of an array of dims with the given strides (all 1,
// else ok is false; also false when the bounds do not fit dims).
func sliceRuns(dims, starts, limits, strides []int) (sliceRunPlan, bool) {
	rank := len(dims)
	if len(starts) != rank || len(limits) != rank || len(strides) != rank {
		return sliceRunPlan{}, false
	}
	srcStride := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		if strides[i] != 1 || starts[i] < 0 || limits[i] > dims[i] || starts[i] > limits[i] {
			return sliceRunPlan{}, false
		}
		srcStride[i] = s
		s *= dims[i]
	}
	p := sliceRunPlan{run: 1}
	j := rank - 1 // the run covers axes j.. : those after j are whole, axis j is cut (or j = -1)
	for ; j >= 0; j-- {
		p.run *= limits[j] - starts[j]
		if starts[j] != 0 || limits[j] != dims[j] {
			break
		}
	}
	for i := range rank {
		p.base += starts[i] * srcStride[i]
	}
	for i := 0; i < j; i++ {
		p.outer = append(p.outer, limits[i]-starts[i])
		p.stride = append(p.stride, srcStride[i])
	}
	return p, true
}

// total is the number of values the slice holds.
func (p sliceRunPlan) total() int {
	n := p.run
	for _, d := range p.outer {
		n *= d
	}
	return n
}

// copy writes the slice of src into dst (total values), run by run in row-major order.
func (p sliceRunPlan) copy(dst, src []float32) {
	if p.total() == 0 {
		return
	}
	idx := make([]int, len(p.outer))
	off := p.base
	for d := 0; d < len(dst); d += p.run {
		copy(dst[d:d+p.run], src[off:off+p.run])
		// Advance the outer index like an odometer, the last axis fastest.
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			off += p.stride[i]
			if idx[i] < p.outer[i] {
				break
			}
			off -= idx[i] * p.stride[i]
			idx[i] = 0
		}
	}
}
