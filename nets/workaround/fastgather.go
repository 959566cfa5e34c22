package workaround

import (
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/gemm"
)

// The im2col of Conv2D is a Gather of whole rows: operand [D, n], indices [M, 1] (int32), output
// [M, n] with out[i, :] = operand[idx[i], :]. Its gradient is the matching ScatterSum,
// out[idx[i], :] += updates[i, :]. simplego runs both through a generic per-element index
// iterator; the executors below copy or add whole rows, and fall back to simplego's own
// executor for every other gather or scatter.

// nodeInts reads the int and []int fields of a simplego op's node data (an unexported struct,
// read by field name); ok is false if a field is missing or has another type.
func nodeInts(data any, scalars []string, slicesNamed []string) (ints map[string]int, lists map[string][]int, ok bool) {
	v := reflect.ValueOf(data)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, nil, false
	}
	v = v.Elem()
	ints, lists = map[string]int{}, map[string][]int{}
	for _, name := range scalars {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Int {
			return nil, nil, false
		}
		ints[name] = int(f.Int())
	}
	for _, name := range slicesNamed {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			return nil, nil, false
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		lists[name] = out
	}
	return ints, lists, true
}

// rowIndices returns the indices of a row gather/scatter: an int32 [M, 1] tensor whose values all
// lie in [0, rows); ok is false otherwise (simplego then handles it, including its clamping).
func rowIndices(idx simplegoBufferView, rows int) ([]int32, bool) {
	if idx.shape.DType != dtypes.Int32 || idx.shape.Rank() != 2 || idx.shape.Dimensions[1] != 1 {
		return nil, false
	}
	ix, ok := idx.flat.([]int32)
	if !ok || len(ix) != idx.shape.Dimensions[0] {
		return nil, false
	}
	for _, r := range ix {
		if r < 0 || int(r) >= rows {
			return nil, false
		}
	}
	return ix, true
}

// execFastGather is the Gather executor installed by InstallFastOps.
func execFastGather(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 2 {
		return l.stockGather(backend, node, inputs, inputsOwned)
	}
	nodePtr := unsafe.Pointer(node)
	outShape := *(*shapes.Shape)(unsafe.Add(nodePtr, l.nodeShape))
	op := bufferView(inputs[0], l)
	src, okF := op.flat.([]float32)
	if !okF || op.shape.Rank() != 2 || outShape.DType != dtypes.Float32 || outShape.Rank() != 2 {
		return l.stockGather(backend, node, inputs, inputsOwned)
	}
	d, n := op.shape.Dimensions[0], op.shape.Dimensions[1]
	ints, lists, ok := nodeInts(*(*any)(unsafe.Add(nodePtr, l.nodeData)), []string{"indexVectorAxis"},
		[]string{"offsetOutputAxes", "collapsedSlicesAxes", "startIndexMap", "sliceSizes"})
	if !ok || ints["indexVectorAxis"] != 1 || !slices.Equal(lists["offsetOutputAxes"], []int{1}) ||
		!slices.Equal(lists["collapsedSlicesAxes"], []int{0}) || !slices.Equal(lists["startIndexMap"], []int{0}) ||
		!slices.Equal(lists["sliceSizes"], []int{1, n}) {
		return l.stockGather(backend, node, inputs, inputsOwned)
	}
	ix, ok := rowIndices(bufferView(inputs[1], l), d)
	if !ok || !slices.Equal(outShape.Dimensions, []int{len(ix), n}) {
		return l.stockGather(backend, node, inputs, inputsOwned)
	}
	buf, out := outputBuffer(backend, outShape, l)
	g := gemm.SplitGrid(len(ix), 1, gemm.Threads())
	if len(out) < 1<<16 {
		g = gemm.SplitGrid(len(ix), 1, 1)
	}
	gemm.Parallel(g.Workers(), func(w int) {
		i0, i1 := g.RowRange(w)
		for i := i0; i < i1; i++ {
			r := int(ix[i])
			copy(out[i*n:(i+1)*n], src[r*n:(r+1)*n])
		}
	})
	fastGatherCalls.Add(1)
	return buf, nil
}

// execFastScatterSum is the ScatterSum executor installed by InstallFastOps.
func execFastScatterSum(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 3 {
		return l.stockScatterSum(backend, node, inputs, inputsOwned)
	}
	nodePtr := unsafe.Pointer(node)
	outShape := *(*shapes.Shape)(unsafe.Add(nodePtr, l.nodeShape))
	op, upd := bufferView(inputs[0], l), bufferView(inputs[2], l)
	base, okO := op.flat.([]float32)
	u, okU := upd.flat.([]float32)
	if !okO || !okU || op.shape.Rank() != 2 || upd.shape.Rank() != 2 || !slices.Equal(outShape.Dimensions, op.shape.Dimensions) {
		return l.stockScatterSum(backend, node, inputs, inputsOwned)
	}
	d, n := op.shape.Dimensions[0], op.shape.Dimensions[1]
	ints, lists, ok := nodeInts(*(*any)(unsafe.Add(nodePtr, l.nodeData)), []string{"indexVectorAxis"},
		[]string{"updateWindowAxes", "insertedWindowAxes", "scatterAxesToOperandAxes"})
	if !ok || ints["indexVectorAxis"] != 1 || !slices.Equal(lists["updateWindowAxes"], []int{1}) ||
		!slices.Equal(lists["insertedWindowAxes"], []int{0}) || !slices.Equal(lists["scatterAxesToOperandAxes"], []int{0}) {
		return l.stockScatterSum(backend, node, inputs, inputsOwned)
	}
	ix, ok := rowIndices(bufferView(inputs[1], l), d)
	if !ok || !slices.Equal(upd.shape.Dimensions, []int{len(ix), n}) {
		return l.stockScatterSum(backend, node, inputs, inputsOwned)
	}
	var out []float32
	var result *simplego.Buffer
	if inputsOwned[0] && len(base) == d*n { // the operand's buffer, taken over (simplego's convention)
		out, result, inputs[0] = base, inputs[0], nil
	} else { // a pooled copy of it
		result, out = outputBuffer(backend, outShape, l)
		copy(out, base[:d*n])
	}
	if err := gemm.ScatterAddRows(out, n, u, n, ix, 0, n); err != nil { // rowIndices checked ix: unreachable
		return nil, fmt.Errorf("workaround: fast ScatterSum: %w", err)
	}
	fastScatterCalls.Add(1)
	return result, nil
}
