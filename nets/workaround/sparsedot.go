package workaround

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/hybridprune/hybridprune/gemm"
)

// SparseDotEnvVar sets the N:M path of the fast Dot (see sparseDot): "1" on, "0" off, unset
// (or anything else) automatic: on where the indexed kernel beats the dense one by enough to pay
// for refilling its plan every step (the asm-avx512 route), off elsewhere. Measured on an AMD
// EPYC Zen 2 (asm-avx2) with `hybridprune trainbench -nm`: AlexNet b128 1.02-1.05x the dense
// masked step over five runs (one real epoch of 2:4 retraining on full MNIST: 1287 against 1206
// images/s, 1.07x, test accuracy 0.9854 on both paths), but VGG16-BN b64 0.88-1.02x over four
// (0.91x over 30 steps); with its result in a pooled buffer instead of a zeroed allocation per
// call, AlexNet 1.04-1.07x and VGG16-BN 0.96-1.06x (break-even): not a gain on every network, so
// AVX2 leaves it to this variable. On an Intel Xeon (family 6 model 167, asm-avx512) it ran at
// 0.94-0.97x the dense masked step over five runs once the dense path got faster (2026-12-03,
// the merged gradient of the padding-aware conv), and at 0.97-1.00x (VGG16-BN b64 1.01x) once
// Refill gathered with vector instructions (2026-12-04): break-even there, so the default stays
// on; "0" saves nothing measurable. Whether Zen 4 and Zen 5 still gain after these changes is
// unmeasured (they gained 1.03-1.10x before them).
const SparseDotEnvVar = "HYBRIDPRUNE_SPARSEDOT"

// minSparseMACs is the smallest product (m*n*k multiply-adds) worth building an indexed plan for.
const minSparseMACs = 1 << 22

// maxCachedPlans bounds the plan cache (one entry per product node of the compiled graphs).
const maxCachedPlans = 256

// sparseDotMode is 0 (automatic), 1 (on) or 2 (off).
var (
	sparseDotMode  atomic.Int32
	sparseDotCalls atomic.Int64

	// planCache keeps, per DotGeneral node, the plan of its last N:M operand: the mask is fixed
	// during fine-tuning, so the next step only refills the values (DenseIndexPlan.Refill).
	planCacheMu sync.Mutex
	planCache   = map[unsafe.Pointer]*cachedPlan{}
)

// cachedPlan is one node's plan, with the operand geometry it was built for.
type cachedPlan struct {
	mu        sync.Mutex
	m, k, lda int
	trans     bool
	plan      *gemm.DenseIndexPlan
	loose     bool // plan built from a mostly-zero operand that is not 2:4 (mostlyZero)
	noLoose   bool // the node's operand is not a fixed mostly-zero pattern: check only 2:4
}

// nodePlan returns the cached plan of node for this operand, refilled from a, or builds (and
// caches) a new one when there is none, the geometry differs or the zero pattern changed; it
// returns a nil plan when a is neither 2:4 along its stored rows (atMostTwoOfFour) nor mostly
// zero (mostlyZero, the 2:4 weight's columns of a padding region). A node whose mostly-zero
// operand changed its zero pattern from one call to the next (a ReLU's activation or gradient)
// is not tried that way again. The refill checks the pattern exactly, so a cached plan skips the
// checks and any plan is exact. Call the returned unlock when done with the plan.
func nodePlan(node unsafe.Pointer, transA bool, m, k int, a []float32, lda int) (*gemm.DenseIndexPlan, func(), error) {
	planCacheMu.Lock()
	e := planCache[node]
	if e == nil {
		if len(planCache) >= maxCachedPlans {
			clear(planCache) // graphs come and go; a rebuilt plan costs one pass over the weight
		}
		e = &cachedPlan{}
		planCache[node] = e
	}
	planCacheMu.Unlock()
	e.mu.Lock()
	if e.plan != nil && e.m == m && e.k == k && e.lda == lda && e.trans == transA && e.plan.Refill(a) {
		return e.plan, e.mu.Unlock, nil
	}
	if e.plan != nil && e.loose {
		e.noLoose = true // its zero pattern moved: an activation or a gradient, not a masked weight
	}
	e.plan, e.loose = nil, false
	stored, width := m, k // the rows and row length of A as stored
	if transA {
		stored, width = k, m
	}
	if !atMostTwoOfFour(a, stored, width, lda) {
		// Only the padding-aware split makes such operands; with it off (HYBRIDPRUNE_CONVSPLIT=0)
		// every product runs as before the split existed, so training stays bit for bit that.
		if e.noLoose || convSplitOff || !mostlyZero(a, stored, width, lda) {
			e.noLoose = true
			e.mu.Unlock()
			return nil, nil, nil
		}
		e.loose = true
	}
	p, err := gemm.NewIndexPlanDense(a, lda, m, k, transA)
	if err != nil {
		e.mu.Unlock()
		return nil, nil, err
	}
	e.m, e.k, e.lda, e.trans, e.plan = m, k, lda, transA, p
	return p, e.mu.Unlock, nil
}

func init() {
	switch os.Getenv(SparseDotEnvVar) {
	case "1":
		sparseDotMode.Store(1)
	case "0":
		sparseDotMode.Store(2)
	}
}

// SparseDotActive reports whether the N:M path of the fast Dot is in use (set, or chosen for
// the micro-kernel route in use).
func SparseDotActive() bool {
	switch sparseDotMode.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	return gemm.RouteName() == "asm-avx512"
}

// SetSparseDot turns the N:M path of the fast Dot on or off (benchmarks and tests compare both);
// it returns whether it was active before.
func SetSparseDot(on bool) (previous bool) {
	previous = SparseDotActive()
	if on {
		sparseDotMode.Store(1)
	} else {
		sparseDotMode.Store(2)
	}
	return previous
}

// SparseDotCalls returns how many matrix products the fast Dot has computed on the N:M path.
func SparseDotCalls() int64 { return sparseDotCalls.Load() }

// atMostTwoOfFour reports whether every group of four consecutive values of each stored row of a
// (rows x width, row stride ld) holds at most two non-zeros: the storage of a weight under a 2:4
// mask along its rows (the last group of a row may be shorter). A dense matrix fails on its
// first group, so the check costs almost nothing when it does not apply.
func atMostTwoOfFour(a []float32, rows, width, ld int) bool {
	for r := range rows {
		row := a[r*ld : r*ld+width]
		for g := 0; g < width; g += 4 {
			nz := 0
			for _, v := range row[g:min(g+4, width)] {
				if v != 0 {
					nz++
				}
			}
			if nz > 2 {
				return false
			}
		}
	}
	return true
}

// maxLooseDensity is the largest share of non-zeros of an operand that is not 2:4 along its rows
// but still runs on the indexed kernel (mostlyZero): a 2:4 weight's columns at a padding region's
// taps (conv2DSplit) keep about half of their values, in groups the region's taps cut apart.
const maxLooseDensity = 0.55

// mostlyZero reports whether at most maxLooseDensity of a's stored values (rows x width, row
// stride ld) are non-zero.
func mostlyZero(a []float32, rows, width, ld int) bool {
	nz := 0
	for r := range rows {
		nz += gemm.CountNonZeros(a[r*ld : r*ld+width])
	}
	return float64(nz) <= maxLooseDensity*float64(rows*width)
}

// sparseDot computes C = op(A)·B (m x n, k contracted) on the indexed kernel when A's storage is
// 2:4 along its rows or mostly zero (nodePlan): the forward W·X of a layer under a fixed 2:4 mask (A = W,
// out x K) and its input gradient Wᵀ·dY (A = W read transposed, so the plan is built from W's
// columns). Both then cost the kept weights' multiply-adds, about half the dense ones. The plan
// is kept per graph node: the weights change every step but their mask does not, so a step
// refills the stored values in one gather and rebuilds only when the zero pattern changed. It
// overwrites c (m x n; any contents: the executor passes a pooled buffer, as for the dense
// product, instead of a zeroed allocation per call, 2% of a VGG16 step). It reports false,
// writing nothing, when the path is off, B is read transposed, the product is small or A is not
// 2:4; the dense product then runs.
func sparseDot(node unsafe.Pointer, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32) (bool, error) {
	if !SparseDotActive() || transB || ldb != n || m*n*k < minSparseMACs {
		return false, nil
	}
	p, unlock, err := nodePlan(node, transA, m, k, a, lda)
	if err != nil {
		return false, fmt.Errorf("workaround: N:M Dot plan: %w", err)
	}
	if p == nil {
		return false, nil
	}
	defer unlock()
	if err := p.MatMul(b[:k*n], n, c[:m*n]); err != nil {
		return false, fmt.Errorf("workaround: N:M Dot: %w", err)
	}
	sparseDotCalls.Add(1)
	return true, nil
}
