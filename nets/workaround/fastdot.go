package workaround

import (
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/hybridprune/hybridprune/gemm"
)

// dotAxes reads the contracting and batch axes out of a DotGeneral node's data (simplego's
// dotGeneralNodeData, read by field name).
func dotAxes(data any) (lc, rc []int, batched bool, ok bool) {
	v := reflect.ValueOf(data)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, nil, false, false
	}
	v = v.Elem()
	ints := func(name string) ([]int, bool) {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			return nil, false
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out, true
	}
	var ok1, ok2, ok3, ok4 bool
	lc, ok1 = ints("lhsContractingAxes")
	rc, ok2 = ints("rhsContractingAxes")
	lb, ok3 := ints("lhsBatchAxes")
	rb, ok4 := ints("rhsBatchAxes")
	if !(ok1 && ok2 && ok3 && ok4) {
		return nil, nil, false, false
	}
	return lc, rc, len(lb) > 0 || len(rb) > 0, true
}

// execFastDot is the DotGeneral executor installed by InstallFastOps.
func execFastDot(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastOpsLayout
	if !fastOpsEnabled.Load() || len(inputs) != 2 {
		return l.stockDotAsleep(backend, node, inputs, inputsOwned)
	}
	nodePtr := unsafe.Pointer(node)
	outShape := nodeShapeOf(node, l)
	lhs, rhs := bufferView(inputs[0], l), bufferView(inputs[1], l)
	if outShape.DType != dtypes.Float32 || lhs.shape.DType != dtypes.Float32 || rhs.shape.DType != dtypes.Float32 ||
		lhs.shape.Rank() != 2 || rhs.shape.Rank() != 2 {
		return l.stockDotAsleep(backend, node, inputs, inputsOwned)
	}
	lc, rc, batched, ok := dotAxes(*(*any)(unsafe.Add(nodePtr, l.nodeData)))
	if !ok || batched || len(lc) != 1 || len(rc) != 1 {
		return l.stockDotAsleep(backend, node, inputs, inputsOwned)
	}
	a, okA := lhs.flat.([]float32)
	b, okB := rhs.flat.([]float32)
	if !okA || !okB {
		return l.stockDotAsleep(backend, node, inputs, inputsOwned)
	}
	// lhs contracted on axis 1 is A (m x k); on axis 0 it is Aᵀ stored k x m. rhs contracted on
	// axis 0 is B (k x n); on axis 1 it is Bᵀ stored n x k. The gradients use the transposed forms.
	transA, transB := lc[0] == 0, rc[0] == 1
	ld, rd := lhs.shape.Dimensions, rhs.shape.Dimensions
	m, k, lda := ld[0], ld[1], ld[1]
	if transA {
		m, k = ld[1], ld[0]
	}
	n, kb, ldb := rd[1], rd[0], rd[1]
	if transB {
		n, kb = rd[0], rd[1]
	}
	// simplego's DotGeneral node is [batch, lhs cross, rhs cross] ([1, m, n] here); a Reshape follows.
	if kb != k || !slices.Equal(outShape.Dimensions, []int{1, m, n}) {
		return l.stockDotAsleep(backend, node, inputs, inputsOwned)
	}
	out, c := outputBuffer(backend, outShape, l)
	if ok, err := sparseDot(nodePtr, transA, transB, m, n, k, a, lda, b, ldb, c); err != nil {
		return nil, err
	} else if ok {
		fastDotCalls.Add(1)
		return out, nil
	}
	if err := gemm.SGEMMT(transA, transB, m, n, k, a, lda, b, ldb, c, n); err != nil {
		return nil, fmt.Errorf("workaround: fast Dot %v x %v: %w", lhs.shape, rhs.shape, err)
	}
	fastDotCalls.Add(1)
	return out, nil
}

// stockDotAsleep runs simplego's own DotGeneral as a worker that sleeps while it waits: that
// executor splits its batch over simplego's worker pool from inside the pool worker that runs
// the op, without WorkerIsAsleep, so when every pool slot holds such a product (a graph of
// many independent small products, as conv2DSplit builds) each waits on the others forever
// (GoMLX v0.26.0; seen as a hang of TestConv2DMatchesDirectLoop on the stock executors). Lending
// the pool one extra slot for the duration, as WorkerIsAsleep does, leaves each product room
// to start its parts.
func (l *simplegoLayout) stockDotAsleep(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	extra := (*atomic.Int32)(unsafe.Add(unsafe.Pointer(backend), l.extraWorkers))
	extra.Add(1)
	defer extra.Add(-1)
	return l.stockDot(backend, node, inputs, inputsOwned)
}
