package workaround

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// FastOpsEnvVar turns the fast simplego executors (InstallFastOps) off when set to "0".
const FastOpsEnvVar = "HYBRIDPRUNE_FASTOPS"

// simplegoExecutor is the signature of simplego's per-op executors (simplego.nodeExecutor).
type simplegoExecutor = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer,
	inputsOwned []bool) (*simplego.Buffer, error)

// simplegoNodeExecutors is simplego's unexported executor table. GoMLX v0.26.0 has no public hook to
// replace an op's CPU implementation (its own "priorityUser" level is unexported), so the table is
// reached by name. InstallFastOps checks every field it touches by reflection before using it.
//
//go:linkname simplegoNodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var simplegoNodeExecutors [backends.OpTypeLast]simplegoExecutor

// CheckedGoMLXVersion is the GoMLX release whose simplego internals the fast executors were
// written and tested against; InstallFastOps refuses any other version recorded in the binary's
// build information (a binary without module information, e.g. a test, is checked by reflection
// only).
const CheckedGoMLXVersion = "v0.26.0"

// gomlxVersion returns the GoMLX module version recorded in the build, or "".
func gomlxVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range bi.Deps {
		if m.Path == "github.com/gomlx/gomlx" {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}

// simplegoLayout holds the byte offsets of the unexported simplego fields the fast executors read,
// and simplego's own executors they fall back to.
type simplegoLayout struct {
	nodeShape, nodeData          uintptr
	bufShape, bufFlat, bufValid  uintptr
	extraWorkers                 uintptr // Backend.workers.extraParallelism (atomic.Int32)
	stockDot, stockTranspose     simplegoExecutor
	stockGather, stockScatterSum simplegoExecutor
	stockSign                    simplegoExecutor
	stockBroadcastInDim          simplegoExecutor
	stockReduceSum               simplegoExecutor
	stockReduceMax               simplegoExecutor
	stockAdd, stockSub           simplegoExecutor
	stockMul, stockDiv           simplegoExecutor
	stockMax                     simplegoExecutor
	stockSlice                   simplegoExecutor
}

var (
	fastOpsOnce        sync.Once
	fastOpsErr         error
	fastOpsLayout      simplegoLayout
	fastOpsEnabled     atomic.Bool
	fastOpsInstalled   atomic.Bool
	fastDotCalls       atomic.Int64
	fastTransposeCalls atomic.Int64
	fastGatherCalls    atomic.Int64
	fastScatterCalls   atomic.Int64
	fastSignCalls      atomic.Int64
	fastBroadcastCalls atomic.Int64
	fastReduceCalls    atomic.Int64
	fastBinaryCalls    atomic.Int64
	fastSliceCalls     atomic.Int64
)

// InstallFastOps replaces fourteen of simplego's executors with faster ones for the cases the nets
// use, leaving every other case to simplego's own code:
//
//   - DotGeneral of two float32 rank-2 operands contracted on one axis each (every Dot the nets
//     build: convs as im2col, dense layers, and their gradients, which contract a transposed
//     operand) runs on gemm.SGEMMT, on the fastest micro-kernel route of the CPU, instead of
//     simplego's generic blocked loop (about 8 GFLOP/s);
//   - Transpose of float32 tensors whose permutation swaps two blocks of axes (a matrix
//     transpose, or [B,C,H,W] -> [C,H,W,B]) runs as a cache-blocked 2-D transpose instead of an
//     index iterator;
//   - Gather of whole rows (the im2col of Conv2D) copies rows, and the matching ScatterSum (its
//     gradient) adds rows, instead of an index iterator per element;
//   - Sign of float32 (the ReLU and max-pool gradients) runs branch-free (gemm.Signs, AVX2 on the
//     SIMD routes);
//   - BroadcastInDim, ReduceSum and ReduceMax of float32 over one contiguous run of axes (batch
//     norm's per-channel statistics and scales, biases, pooling windows) run as loops over
//     contiguous blocks (sums over a whole contiguous block on eight partial sums);
//   - Add, Sub, Mul and Div of float32 where one operand broadcasts along one contiguous run of
//     axes (batch norm's x - mean and x * scale + offset, a dense bias) loop over blocks instead
//     of simplego's per-element broadcast iterator; these and Max, between large equal shapes or
//     against a scalar (gradient chains, optimizer updates, ReLU), split across the threads
//     (simplego's loops are single-threaded, and a scalar on the left of Sub or Div falls to its
//     broadcast iterator);
//   - Slice of float32 with unit strides (the gradient of a Concatenate: the padding-aware conv's
//     regions) copies contiguous runs instead of an index iterator per element.
//
// Their results come from simplego's own buffer pool (outputBuffer), as simplego's executors' do,
// so a training step neither allocates nor zeroes its activations afresh.
//
// It is idempotent, and does nothing (returning nil) when $HYBRIDPRUNE_FASTOPS is "0". Before
// installing anything it checks, by reflection, every unexported simplego field it reads (names
// and types) and that simplego registered an executor for each op it replaces; a mismatch (a
// GoMLX other than v0.26.0) returns an error and leaves simplego untouched. What it cannot
// check: the linked table's element signature and length (go:linkname takes them on trust), and
// the meaning of the node-data fields beyond their names and types. FastOpsActive tells a caller
// whether the fast path is in use.
func InstallFastOps() error {
	if os.Getenv(FastOpsEnvVar) == "0" {
		return nil
	}
	fastOpsOnce.Do(func() {
		layout, err := inspectSimplego()
		if err != nil {
			fastOpsErr = fmt.Errorf("workaround: fast simplego executors not installed: %w", err)
			return
		}
		fastOpsLayout = layout
		simplegoNodeExecutors[backends.OpTypeDotGeneral] = execFastDot
		simplegoNodeExecutors[backends.OpTypeTranspose] = execFastTranspose
		simplegoNodeExecutors[backends.OpTypeGather] = execFastGather
		simplegoNodeExecutors[backends.OpTypeScatterSum] = execFastScatterSum
		simplegoNodeExecutors[backends.OpTypeSign] = execFastSign
		simplegoNodeExecutors[backends.OpTypeBroadcastInDim] = execFastBroadcastInDim
		simplegoNodeExecutors[backends.OpTypeReduceSum] = execFastReduceSum
		simplegoNodeExecutors[backends.OpTypeReduceMax] = execFastReduceMax
		simplegoNodeExecutors[backends.OpTypeAdd] = execFastAdd
		simplegoNodeExecutors[backends.OpTypeSub] = execFastSub
		simplegoNodeExecutors[backends.OpTypeMul] = execFastMul
		simplegoNodeExecutors[backends.OpTypeDiv] = execFastDiv
		simplegoNodeExecutors[backends.OpTypeMax] = execFastMax
		simplegoNodeExecutors[backends.OpTypeSlice] = execFastSlice
		fastOpsEnabled.Store(true)
		fastOpsInstalled.Store(true)
	})
	return fastOpsErr
}

// FastOpsActive reports whether the fast executors are installed and turned on.
func FastOpsActive() bool {
	return fastOpsInstalled.Load() && fastOpsEnabled.Load()
}

// SetFastOps turns the installed fast executors on or off at run time (tests compare both paths);
// it returns the previous setting. It has no effect before InstallFastOps succeeded.
func SetFastOps(on bool) (previous bool) { return fastOpsEnabled.Swap(on) }

// FastDotCalls returns how many matrix products the fast Dot has computed so far.
func FastDotCalls() int64 { return fastDotCalls.Load() }

// FastTransposeCalls returns how many transposes the fast Transpose has computed so far.
func FastTransposeCalls() int64 { return fastTransposeCalls.Load() }

// FastGatherCalls returns how many row gathers (im2col) the fast Gather has computed so far.
func FastGatherCalls() int64 { return fastGatherCalls.Load() }

// FastSignCalls returns how many float32 Sign ops (the ReLU gradient) the fast Sign has computed.
func FastSignCalls() int64 { return fastSignCalls.Load() }

// FastBroadcastCalls returns how many float32 broadcasts over a contiguous run of axes (per-channel
// values over [C, H, W, N]) the fast BroadcastInDim has computed so far.
func FastBroadcastCalls() int64 { return fastBroadcastCalls.Load() }

// FastReduceCalls returns how many float32 sums and maxima over a contiguous run of axes the fast
// ReduceSum and ReduceMax have computed so far.
func FastReduceCalls() int64 { return fastReduceCalls.Load() }

// FastBinaryCalls returns how many float32 Add, Sub, Mul and Div with one operand broadcast along
// a contiguous run of axes the fast binary executors have computed so far.
func FastBinaryCalls() int64 { return fastBinaryCalls.Load() }

// FastSliceCalls returns how many float32 unit-stride slices the fast Slice has computed so far.
func FastSliceCalls() int64 { return fastSliceCalls.Load() }

// FastScatterCalls returns how many row scatter-adds (the im2col gradient) the fast ScatterSum
// has computed so far.
func FastScatterCalls() int64 { return fastScatterCalls.Load() }

// inspectSimplego finds, by reflection, the simplego fields the fast executors need and checks their
// types, so a GoMLX upgrade that changes them disables the fast executors instead of corrupting
// memory.
func inspectSimplego() (simplegoLayout, error) {
	var l simplegoLayout
	if v := gomlxVersion(); v != "" && v != CheckedGoMLXVersion {
		return l, fmt.Errorf("built with GoMLX %s; the fast executors were checked against %s only", v, CheckedGoMLXVersion)
	}
	l.stockDot = simplegoNodeExecutors[backends.OpTypeDotGeneral]
	l.stockTranspose = simplegoNodeExecutors[backends.OpTypeTranspose]
	l.stockGather = simplegoNodeExecutors[backends.OpTypeGather]
	l.stockScatterSum = simplegoNodeExecutors[backends.OpTypeScatterSum]
	l.stockSign = simplegoNodeExecutors[backends.OpTypeSign]
	l.stockBroadcastInDim = simplegoNodeExecutors[backends.OpTypeBroadcastInDim]
	l.stockReduceSum = simplegoNodeExecutors[backends.OpTypeReduceSum]
	l.stockReduceMax = simplegoNodeExecutors[backends.OpTypeReduceMax]
	l.stockAdd, l.stockSub = simplegoNodeExecutors[backends.OpTypeAdd], simplegoNodeExecutors[backends.OpTypeSub]
	l.stockMul, l.stockDiv = simplegoNodeExecutors[backends.OpTypeMul], simplegoNodeExecutors[backends.OpTypeDiv]
	l.stockMax = simplegoNodeExecutors[backends.OpTypeMax]
	l.stockSlice = simplegoNodeExecutors[backends.OpTypeSlice]
	for _, e := range []simplegoExecutor{l.stockDot, l.stockTranspose, l.stockGather, l.stockScatterSum, l.stockSign,
		l.stockBroadcastInDim, l.stockReduceSum, l.stockReduceMax, l.stockAdd, l.stockSub, l.stockMul, l.stockDiv, l.stockMax, l.stockSlice} {
		if e == nil {
			return l, errors.New("simplego has no executor registered for one of DotGeneral, Transpose, Gather, ScatterSum, Sign, BroadcastInDim, ReduceSum, ReduceMax, Add, Sub, Mul, Div, Max, Slice")
		}
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
	backT := reflect.TypeOf(simplego.Backend{})
	pool, ok := backT.FieldByName("workers")
	if !ok || pool.Type.Kind() != reflect.Struct {
		return l, errors.New("simplego.Backend has no struct field \"workers\"")
	}
	extra, err := field(pool.Type, "extraParallelism", reflect.TypeOf(atomic.Int32{}))
	if err != nil {
		return l, err
	}
	l.extraWorkers = pool.Offset + extra
	return l, nil
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

// simplegoGetBuffer is simplego's pooled allocator, (*Backend).getBufferForShape: it returns a
// valid buffer of the shape from simplego's pool, its contents undefined (no zeroing), or nil
// once the backend is finalized. Reached by name like the executor table (the package's empty
// linkname.s lets a body-less declaration compile). The linker does not check the signature and
// reflection cannot see an unexported method: the GoMLX version pin (CheckedGoMLXVersion) is what
// guards it, and a test binary without module information relies on go.mod's pinned version.
//
//go:linkname simplegoGetBuffer github.com/gomlx/gomlx/backends/simplego.(*Backend).getBufferForShape
func simplegoGetBuffer(b *simplego.Backend, shape shapes.Shape) *simplego.Buffer

// poisonOutputs, set by tests, fills every pooled result buffer with NaN before its executor
// writes it, so an element an executor leaves unwritten shows in the comparison with simplego.
var poisonOutputs atomic.Bool

// outputBuffer returns a float32 buffer of shape for an executor's result and its data, from
// simplego's pool when it has one of that size (so the executor neither allocates nor zeroes:
// every caller overwrites all elements), else freshly allocated.
func outputBuffer(backend *simplego.Backend, shape shapes.Shape, l *simplegoLayout) (*simplego.Buffer, []float32) {
	if backend != nil && shape.DType == dtypes.Float32 {
		if buf := simplegoGetBuffer(backend, shape); buf != nil {
			if f, ok := bufferView(buf, l).flat.([]float32); ok && len(f) == shape.Size() {
				if poisonOutputs.Load() {
					for i := range f {
						f[i] = float32(math.NaN())
					}
				}
				return buf, f
			}
		}
	}
	f := make([]float32, shape.Size())
	return newSimplegoBuffer(shape, f, l), f
}
