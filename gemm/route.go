package gemm

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync/atomic"
)

// Micro-kernel tiles, shared by every route (the packed layouts depend on
// them). The dense tile is DenseRows x DenseCols = 6x64: A micro-panels are
// packed [k][6] and B panels [k][64]. The indexed (sparse) tile is
// IndexRows x IndexCols = 3x128: every kept value costs one broadcast and
// FMAs whose B operand comes from memory. The AVX-512 route holds a whole
// tile in its 32 registers (24 accumulators); the AVX2 route sweeps the dense
// tile in 6x16 column strips and the indexed one a row at a time over columns
// 0..95 and then as a 3x32 strip (12 accumulators each; see asmgen's indexWide).
const (
	DenseRows = 6
	DenseCols = 64
	IndexRows = 3
	IndexCols = 128
	// IndexStride is the row stride, in floats, of a packed B panel of the
	// indexed kernels: IndexCols plus one cache line of padding. With rows
	// exactly 512 bytes apart, the gathered loads of one step (different
	// rows, same columns) all hit the same L1 banks; shifting each row by
	// 64 bytes took the AVX2 micro-kernel from 48 to 60 GFLOP/s on Zen 2.
	IndexStride = IndexCols + 16
)

// denseKernelFunc computes a DenseRows x DenseCols tile: C = (load ? C : 0) +
// Ap * Bp, where Ap is a packed A micro-panel laid out [k][DenseRows] and Bp
// a packed B micro-panel laid out [k][DenseCols]. C is row-major with row
// stride ldc (elements) and must hold DenseRows rows of DenseCols elements.
type denseKernelFunc func(k int, a, b, c []float32, ldc int, load bool)

// indexKernelFunc computes an IndexRows x IndexCols tile of an indexed sparse
// product: C = (load ? C : 0) + sum over j < cnt, i < IndexRows of
// C[i,:] += vals[j*IndexRows+i] * Bp[2*offs[j*IndexRows+i] : +IndexCols].
// offs are in units of 8 bytes (2 floats) into the packed B panel (rows of
// IndexStride floats), so a uint16 reaches 910 packed rows.
type indexKernelFunc func(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

// indexTilesFunc runs the indexed kernel on ntiles consecutive full row
// tiles sharing one packed B panel: tile t uses steps [seg[t], seg[t+1]) of
// vals/offs (absolute step numbers, IndexRows entries per step) and writes C
// rows [t*IndexRows, (t+1)*IndexRows) starting at c. One call per panel keeps
// per-call overhead off the short K blocks that an L1-resident panel implies.
type indexTilesFunc func(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

// Route is one implementation of the micro-kernels (a CPU dispatch target).
type Route struct {
	name      string
	priority  int    // the highest available priority is the default
	needs     string // CPU features the route needs, for error messages
	available bool   // the CPU (and OS) support it
	dense     denseKernelFunc
	index     indexKernelFunc
	tiles     indexTilesFunc // nil: loop over index
	// indexBlock is the K block (dense B rows per packed panel) that suits
	// the route's indexed loop order, measured on AlexNet conv2-5 at batch
	// 128: AVX-512 (whole tile in registers) 64 of 32..512 on Zen 4; AVX2
	// (column strips outermost, so one 32-column strip of the panel stays
	// in L1) 128 of 32..256 on Zen 2.
	indexBlock int
	// narrow maps a column count (8, 16, 32, 64, 96) to an indexed kernel that computes only the
	// first that many columns of each tile, for products with N < IndexCols.
	narrow map[int]indexTilesFunc
	// narrowDense[s] (s = 1..3), when set, computes only the first 16*s columns of a dense tile,
	// for products with N < DenseCols.
	narrowDense [4]denseKernelFunc
	// transpose, when set, transposes 8x8 blocks for the packing of operands stored transposed
	// (the weight gradient's Xᵀ); nil: the scalar loop.
	transpose transposeFunc
	// scatterAdd, when set, is the vector loop of ScatterAddRows; nil: the scalar loop.
	scatterAdd scatterAddFunc
	// signs, when set, is the vector loop of Signs; nil: the scalar loop.
	signs signsFunc
	// nonZeros, when set, is the vector loop of countNonZeros (the pattern check of
	// DenseIndexPlan.Refill); nil: the scalar loop.
	nonZeros nonZerosFunc
	// sampled, when set, is SampledPlan's micro-kernel; nil: sampledPairsGo.
	sampled sampledFunc
	// binary, when set, is the vector loop of Elementwise; nil: the scalar loop.
	binary binaryFunc
	// gather, when set, is the vector loop of gatherNonZeros (DenseIndexPlan.Refill); nil: the
	// scalar loop.
	gather gatherFunc
	// gatherWidth is the slot count gather takes at a time (16 on AVX-512, 8 on AVX2).
	gatherWidth int
}

// NarrowWidth returns the fewest columns, at least n, that one of the route's narrow indexed
// kernels computes, or 0 when it has none that wide (then use IndexTiles).
func (r *Route) NarrowWidth(n int) int {
	best := 0
	for w := range r.narrow {
		if w >= n && (best == 0 || w < best) {
			best = w
		}
	}
	return best
}

// IndexTilesNarrow is IndexTiles on only the first width columns of each tile, width one of the
// route's narrow widths (see NarrowWidth): C needs ldc >= width and the panel only those columns.
// It panics for a width the route has no kernel for.
func (r *Route) IndexTilesNarrow(width, ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	r.narrow[width](ntiles, seg, vals, padOffs(offs, seg[ntiles]*IndexRows), b, c, ldc, load)
}

// OffsPad is the number of uint16 past the last step that an indexed kernel may read: the AVX2
// kernels load the offsets of the next steps before the FMAs of the current one. IndexPlan
// allocates this padding; the Route methods copy a caller's offs that lacks it.
const OffsPad = 8

// padOffs returns offs (its first n elements) with at least OffsPad elements of capacity past n.
func padOffs(offs []uint16, n int) []uint16 {
	if cap(offs) >= n+OffsPad {
		return offs
	}
	p := make([]uint16, n+OffsPad)
	copy(p, offs[:n])
	return p[:n]
}

// IndexBlock returns the K block, in dense B rows, that sparse plans built
// for this route should use.
func (r *Route) IndexBlock() int { return r.indexBlock }

// Name returns the route's name, as listed by Routes.
func (r *Route) Name() string { return r.name }

// Dense runs the dense micro-kernel on one full tile (see DenseRows).
func (r *Route) Dense(k int, a, b, c []float32, ldc int, load bool) { r.dense(k, a, b, c, ldc, load) }

// Index runs the indexed micro-kernel on one full tile of cnt steps.
func (r *Route) Index(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	r.index(cnt, vals, padOffs(offs, cnt*IndexRows), b, c, ldc, load)
}

// IndexTiles runs the indexed micro-kernel over ntiles consecutive full row
// tiles sharing one packed B panel; tile t uses steps [seg[t], seg[t+1]).
func (r *Route) IndexTiles(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	if r.tiles != nil {
		r.tiles(ntiles, seg, vals, padOffs(offs, seg[ntiles]*IndexRows), b, c, ldc, load)
		return
	}
	for t := range ntiles {
		s0, s1 := seg[t], seg[t+1]
		r.index(s1-s0, vals[s0*IndexRows:s1*IndexRows], offs[s0*IndexRows:s1*IndexRows], b, c[t*IndexRows*ldc:], ldc, load)
	}
}

var (
	known  []*Route // every route compiled in, available or not, fastest first
	active atomic.Pointer[Route]
	envErr error
)

// RouteEnv is the environment variable that, when set to a route name (see
// Routes), selects the micro-kernel route at program start. A name that is
// unknown or that this CPU cannot run leaves the default route in place and
// is reported by EnvError.
const RouteEnv = "HYBRIDPRUNE_KERNEL"

// register adds a route; called from init functions of route files.
func register(r *Route) {
	known = append(known, r)
	sort.SliceStable(known, func(i, j int) bool { return known[i].priority > known[j].priority })
	if cur := active.Load(); r.available && (cur == nil || r.priority > cur.priority) {
		active.Store(r)
	}
	applyEnv()
}

// applyEnv re-applies $HYBRIDPRUNE_KERNEL after each registration (init
// order across files is not ours to choose).
func applyEnv() {
	want := os.Getenv(RouteEnv)
	if want == "" {
		return
	}
	r, err := lookup(want)
	envErr = err
	if err == nil {
		active.Store(r)
	}
}

func lookup(name string) (*Route, error) {
	var names []string
	for _, r := range known {
		names = append(names, r.name)
		if r.name != name {
			continue
		}
		if !r.available {
			return nil, fmt.Errorf("gemm: kernel route %q needs %s, which this CPU lacks (usable here: %v)", name, r.needs, Routes())
		}
		return r, nil
	}
	return nil, fmt.Errorf("gemm: unknown kernel route %q (compiled in: %v; usable here: %v)", name, names, Routes())
}

func init() {
	register(&Route{name: "go", priority: 0, needs: "nothing", available: true, dense: denseKernelGo, index: indexKernelGo, indexBlock: 64})
}

// EnvError reports a $HYBRIDPRUNE_KERNEL that names an unknown route or one
// this CPU cannot run (the default route is used instead), or a $HYBRIDPRUNE_SPIN
// that is not a duration (SpinEnv); nil otherwise. Programs should check it
// before starting work.
func EnvError() error { return errors.Join(envErr, spinEnvErr) }

// Routes lists the micro-kernel routes usable on this CPU and build, fastest
// (default) first: "asm-avx512" (Go assembly, amd64 with AVX-512F),
// "asm-avx2" (Go assembly, amd64 with AVX2 and FMA), "asm-neon" (Go assembly,
// arm64 Advanced SIMD), "archsimd-avx512"
// (simd/archsimd, only with GOEXPERIMENT=simd) and "go" (portable pure Go,
// always present).
func Routes() []string {
	var out []string
	for _, r := range known {
		if r.available {
			out = append(out, r.name)
		}
	}
	return out
}

// RouteName returns the name of the micro-kernel route in use.
func RouteName() string { return active.Load().name }

// Current returns the micro-kernel route in use. Callers should load it once
// per operation, so a concurrent SetRoute never splits one product.
func Current() *Route { return active.Load() }

// SetRoute selects a micro-kernel route by name (one of Routes) and returns
// the previous one. A route this CPU cannot run is an error, never a SIGILL.
// It is meant for benchmarks and tests; it is safe to call concurrently with
// kernels, which pick the route once per call.
func SetRoute(name string) (prev string, err error) {
	r, err := lookup(name)
	if err != nil {
		return RouteName(), err
	}
	return active.Swap(r).name, nil
}
