package workaround

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/hybridprune/hybridprune/sparse"
)

// FastDotEnvVar turns the fast simplego matrix product off when set to "0".
const FastDotEnvVar = "HYBRIDPRUNE_FASTDOT"

// simplegoExecutor is the signature of simplego's per-op executors (simplego.nodeExecutor).
type simplegoExecutor = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error)

// simplegoNodeExecutors is simplego's unexported executor table. GoMLX v0.26.0 has no public hook to
// replace an op's CPU implementation (its own "priorityUser" level is unexported), so the table is
// reached by name. InstallFastDot checks every field it touches by reflection before using it.
//
//go:linkname simplegoNodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var simplegoNodeExecutors [backends.OpTypeLast]simplegoExecutor

// simplegoLayout holds the byte offsets of the unexported simplego fields the fast Dot reads.
type simplegoLayout struct {
	nodeShape, nodeData         uintptr
	bufShape, bufFlat, bufValid uintptr
	lhsContract, rhsContract    string
	lhsBatch, rhsBatch          string
	stock                       simplegoExecutor
}

var (
	fastDotOnce    sync.Once
	fastDotErr     error
	fastDotLayout  simplegoLayout
	fastDotEnabled atomic.Bool
	fastDotCalls   atomic.Int64
)

// InstallFastDot makes simplego run float32 matrix products (DotGeneral of two rank-2 operands,
// lhs contracted on its last axis and rhs on its first, which is every Dot the nets build: convs
// as im2col, dense layers and their gradients) with hybridprune's AVX-512 SGEMM (sparse.SGEMM)
// instead of simplego's generic blocked loop, which runs at about 8 GFLOP/s. Every other DotGeneral
// keeps simplego's own executor. It is idempotent, and does nothing (returning nil) when
// $HYBRIDPRUNE_FASTDOT is "0". It returns an error, and leaves simplego untouched, when the
// simplego internals it relies on do not have the expected layout (a GoMLX version other than
// v0.26.0).
func InstallFastDot() error {
	if os.Getenv(FastDotEnvVar) == "0" {
		return nil
	}
	fastDotOnce.Do(func() {
		layout, err := inspectSimplego()
		if err != nil {
			fastDotErr = fmt.Errorf("workaround: fast simplego Dot not installed: %w", err)
			return
		}
		fastDotLayout = layout
		simplegoNodeExecutors[backends.OpTypeDotGeneral] = execFastDot
		fastDotEnabled.Store(true)
	})
	return fastDotErr
}

// SetFastDot turns the installed fast Dot on or off at run time (tests compare both paths); it
// returns the previous setting. It has no effect before InstallFastDot succeeded.
func SetFastDot(on bool) (previous bool) { return fastDotEnabled.Swap(on) }

// FastDotCalls returns how many matrix products the fast Dot has computed so far.
func FastDotCalls() int64 { return fastDotCalls.Load() }

// inspectSimplego finds, by reflection, the simplego fields the fast Dot needs and checks their
// types, so a GoMLX upgrade that changes them disables the fast path instead of corrupting memory.
func inspectSimplego() (simplegoLayout, error) {
	var l simplegoLayout
	l.stock = simplegoNodeExecutors[backends.OpTypeDotGeneral]
	if l.stock == nil {
		return l, errors.New("simplego has no DotGeneral executor registered")
	}
	shapeType := reflect.TypeOf(shapes.Shape{})
	anyType := reflect.TypeOf((*any)(nil)).Elem()
	field := func(t reflect.Type, name string, want reflect.Type) (uintptr, error) {
		f, ok := t.FieldByName(name)
		if !ok {
			return 0, fmt.Errorf("simplego.%s has no field %q", t.Name(), name)
		}
		if f.Type != want {
			return 0, fmt.Errorf("simplego.%s.%s has type %v, want %v", t.Name(), name, f.Type, want)
		}
		return f.Offset, nil
	}
	var err error
	nodeT, bufT := reflect.TypeOf(simplego.Node{}), reflect.TypeOf(simplego.Buffer{})
	if l.nodeShape, err = field(nodeT, "shape", shapeType); err != nil {
		return l, err
	}
	if l.nodeData, err = field(nodeT, "data", anyType); err != nil {
		return l, err
	}
	if l.bufShape, err = field(bufT, "shape", shapeType); err != nil {
		return l, err
	}
	if l.bufFlat, err = field(bufT, "flat", anyType); err != nil {
		return l, err
	}
	if l.bufValid, err = field(bufT, "valid", reflect.TypeOf(true)); err != nil {
		return l, err
	}
	l.lhsContract, l.rhsContract = "lhsContractingAxes", "rhsContractingAxes"
	l.lhsBatch, l.rhsBatch = "lhsBatchAxes", "rhsBatchAxes"
	return l, nil
}

// dotAxes reads the contracting and batch axes out of a DotGeneral node's data.
func dotAxes(data any, l *simplegoLayout) (lc, rc []int, batched bool, ok bool) {
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
	lc, ok1 = ints(l.lhsContract)
	rc, ok2 = ints(l.rhsContract)
	lb, ok3 := ints(l.lhsBatch)
	rb, ok4 := ints(l.rhsBatch)
	if !(ok1 && ok2 && ok3 && ok4) {
		return nil, nil, false, false
	}
	return lc, rc, len(lb) > 0 || len(rb) > 0, true
}

// execFastDot is the DotGeneral executor installed by InstallFastDot.
func execFastDot(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error) {
	l := &fastDotLayout
	if !fastDotEnabled.Load() || len(inputs) != 2 {
		return l.stock(backend, node, inputs, inputsOwned)
	}
	nodePtr := unsafe.Pointer(node)
	outShape := *(*shapes.Shape)(unsafe.Add(nodePtr, l.nodeShape))
	lhs, rhs := bufferView(inputs[0], l), bufferView(inputs[1], l)
	if outShape.DType != dtypes.Float32 || lhs.shape.DType != dtypes.Float32 || rhs.shape.DType != dtypes.Float32 ||
		lhs.shape.Rank() != 2 || rhs.shape.Rank() != 2 {
		return l.stock(backend, node, inputs, inputsOwned)
	}
	lc, rc, batched, ok := dotAxes(*(*any)(unsafe.Add(nodePtr, l.nodeData)), l)
	if !ok || batched || len(lc) != 1 || len(rc) != 1 || lc[0] != 1 || rc[0] != 0 {
		return l.stock(backend, node, inputs, inputsOwned)
	}
	a, okA := lhs.flat.([]float32)
	b, okB := rhs.flat.([]float32)
	if !okA || !okB {
		return l.stock(backend, node, inputs, inputsOwned)
	}
	m, k, n := lhs.shape.Dimensions[0], lhs.shape.Dimensions[1], rhs.shape.Dimensions[1]
	// simplego's DotGeneral node is [batch, lhs cross, rhs cross] ([1, m, n] here); a Reshape follows.
	if rhs.shape.Dimensions[0] != k || !slices.Equal(outShape.Dimensions, []int{1, m, n}) {
		return l.stock(backend, node, inputs, inputsOwned)
	}
	c := make([]float32, m*n)
	if err := sparse.SGEMM(m, n, k, a, k, b, n, c, n); err != nil {
		return nil, fmt.Errorf("workaround: fast Dot %v x %v: %w", lhs.shape, rhs.shape, err)
	}
	fastDotCalls.Add(1)
	return newSimplegoBuffer(outShape, c, l), nil
}

// simplegoBufferView is a read-only view of a simplego.Buffer's shape and data.
type simplegoBufferView struct {
	shape shapes.Shape
	flat  any
}

func bufferView(b *simplego.Buffer, l *simplegoLayout) simplegoBufferView {
	p := unsafe.Pointer(b)
	return simplegoBufferView{
		shape: *(*shapes.Shape)(unsafe.Add(p, l.bufShape)),
		flat:  *(*any)(unsafe.Add(p, l.bufFlat)),
	}
}

// newSimplegoBuffer wraps flat as a valid simplego.Buffer of the given shape. simplego recycles it
// through its buffer pool like its own buffers.
func newSimplegoBuffer(shape shapes.Shape, flat []float32, l *simplegoLayout) *simplego.Buffer {
	b := new(simplego.Buffer)
	p := unsafe.Pointer(b)
	*(*shapes.Shape)(unsafe.Add(p, l.bufShape)) = shape
	*(*any)(unsafe.Add(p, l.bufFlat)) = flat
	*(*bool)(unsafe.Add(p, l.bufValid)) = true
	return b
}
