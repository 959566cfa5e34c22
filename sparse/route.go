package sparse

import (
	"fmt"
	"os"
	"sort"
	"sync/atomic"
)

// Micro-kernel tiles. Every kernel computes a block of C vectorised over N
// (im2col columns) with rows of A broadcast; both use 24 of the 32 AVX-512
// registers as accumulators. The dense tile is mr x nr = 6x64 (per k: 4 B
// loads, 6 broadcasts, 24 FMAs). The indexed (sparse) tile is imr x inr =
// 3x128: every kept value costs one broadcast and 8 FMAs whose B operand
// comes from memory, so a wide tile minimises loads per FMA, the limit of a
// gather kernel on cores with one 512-bit load per cycle (Zen 4).
const (
	mr  = 6
	nr  = 64
	imr = 3
	inr = 128
)

// denseKernelFunc computes an mr x nr tile: C = (load ? C : 0) + Ap * Bp, where
// Ap is a packed A micro-panel laid out [k][mr] and Bp a packed B micro-panel
// laid out [k][nr]. C is row-major with row stride ldc (elements) and must
// hold mr rows of nr elements.
type denseKernelFunc func(k int, a, b, c []float32, ldc int, load bool)

// indexKernelFunc computes an imr x inr tile of an indexed sparse product:
// C = (load ? C : 0) + sum over j < cnt, i < imr of
// C[i,:] += vals[j*imr+i] * Bp[2*offs[j*imr+i] : +inr].
// offs are in units of 8 bytes (2 floats) into the packed B panel (rows of
// inr floats), so a uint16 reaches 1024 packed rows (plans use at most 512).
type indexKernelFunc func(cnt int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

// indexTilesFunc runs the indexed kernel on ntiles consecutive full row
// tiles sharing one packed B panel: tile t uses steps [seg[t], seg[t+1]) of
// vals/offs (absolute step numbers, imr entries per step) and writes C rows
// [t*imr, t*imr+imr) starting at c. One call per panel keeps per-call
// overhead off the short K blocks that an L1-resident panel implies.
type indexTilesFunc func(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool)

// kernelRoute is one implementation of the micro-kernels.
type kernelRoute struct {
	name     string
	priority int // highest available priority is the default
	dense    denseKernelFunc
	index    indexKernelFunc
	tiles    indexTilesFunc // nil: loop over index
}

var (
	registered []*kernelRoute
	active     atomic.Pointer[kernelRoute]
)

// RouteEnv is the environment variable that, when set to a route name (see
// Routes), selects the micro-kernel route at program start.
const RouteEnv = "HYBRIDPRUNE_KERNEL"

// register adds a route; called from init functions of route files.
func register(r *kernelRoute) {
	registered = append(registered, r)
	sort.SliceStable(registered, func(i, j int) bool { return registered[i].priority > registered[j].priority })
	cur := active.Load()
	if cur == nil || r.priority > cur.priority {
		active.Store(r)
	}
	if want := os.Getenv(RouteEnv); want != "" {
		for _, x := range registered {
			if x.name == want {
				active.Store(x)
			}
		}
	}
}

func init() {
	register(&kernelRoute{name: "go", priority: 0, dense: denseKernelGo, index: indexKernelGo})
}

// Routes lists the micro-kernel routes usable on this CPU and build, fastest
// (default) first: "asm-avx512" (Go assembly, plain go build, amd64 with
// AVX-512F), "archsimd-avx512" (simd/archsimd, only with GOEXPERIMENT=simd)
// and "go" (portable pure Go, always present).
func Routes() []string {
	out := make([]string, len(registered))
	for i, r := range registered {
		out[i] = r.name
	}
	return out
}

// KernelRoute returns the name of the micro-kernel route in use.
func KernelRoute() string { return active.Load().name }

// SetKernelRoute selects a micro-kernel route by name (one of Routes) and
// returns the previous one. It is meant for benchmarks and tests; it is safe
// to call concurrently with kernels, which pick the route once per call.
func SetKernelRoute(name string) (prev string, err error) {
	for _, r := range registered {
		if r.name == name {
			return active.Swap(r).name, nil
		}
	}
	return KernelRoute(), fmt.Errorf("sparse: SetKernelRoute(%q): unknown route, have %v", name, Routes())
}

func kernels() *kernelRoute { return active.Load() }

// runTiles runs r's indexed kernel over ntiles full tiles (see indexTilesFunc).
func (r *kernelRoute) runTiles(ntiles int, seg []int, vals []float32, offs []uint16, b, c []float32, ldc int, load bool) {
	if r.tiles != nil {
		r.tiles(ntiles, seg, vals, offs, b, c, ldc, load)
		return
	}
	for t := range ntiles {
		s0, s1 := seg[t], seg[t+1]
		r.index(s1-s0, vals[s0*imr:s1*imr], offs[s0*imr:s1*imr], b, c[t*imr*ldc:], ldc, load)
	}
}
