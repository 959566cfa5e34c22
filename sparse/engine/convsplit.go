package engine

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/layout"
	"github.com/hybridprune/hybridprune/nets/workaround"
)

// The engine splits a conv into padding regions when the regions skip at least minSplitSaving
// of its multiply-adds, there are at most maxSplitRegions of them, and (per batch size, splitAt)
// the smallest region has at least minSplitColumns output columns (positions x batch), or at
// least minSideBySideColumns when the regions run side by side (one worker per region) on a
// route with narrow kernels. Each region is its own product, narrower than the whole one and
// with its own packing (and, one after another, its own threads' start), so the split only pays
// where it skips much and the products stay wide. Measured on a
// Zen 4, dense, per layer (BenchmarkConvSplit): AlexNet-CIFAR's 3x3 convs at 2x2 (4 regions,
// skipping 56%) ran 1.25-1.6x faster split at batch 128 and 0.74-1.03x at batch 32 (32
// columns per region); its conv2 at 4x4 (16 regions, 51%) ran 1.13x at batch 128 with all its
// filters, 0.79x with half of them.
const (
	minSplitSaving  = 0.45
	maxSplitRegions = 4
	minSplitColumns = 128
	// minSideBySideColumns is minSplitColumns for regions that run side by side (sideBySide),
	// one start of the threads per layer. AlexNet-CIFAR on a Zen 4, 2 threads, ms per batch of
	// the filter-only / hybrid models with half the filters: at batch 32 (32 columns per region)
	// 1.40-1.47 / 1.00-1.02 split against 1.66-1.69 / 1.19-1.29 not; at batch 8 0.56-0.57 /
	// 0.45 against 0.61 / 0.49 (three rounds each).
	minSideBySideColumns = 8
)

// convRegion is a rectangle of a conv's output positions [oy0, oy1) x [ox0, ox1) whose windows
// read the same kernel taps inside the input (layout.Conv.Spans), with the product of just the
// K positions it needs: rows lists them (indices into the step's im2col rows), and gemm holds
// the weight columns at those positions (regionMatrix).
type convRegion struct {
	oy0, oy1, ox0, ox1 int
	rows               []int32
	gemm               convMatrix
	serial             convMatrix // gemm's products on the calling goroutine only (sideBySide)
}

// planRegions gives s one product per padding region when the regions skip at least
// minSplitSaving of its multiply-adds: wt are the step's weights in its K order (s.rowC, s.rowT
// describe each position), prepared in mode per region. Only the dense and N:M formats keep
// their meaning on a subset of K positions (regionMatrix); the others keep one product.
func (s *convStep) planRegions(wt []float32, mode Mode, opts Options, info *LayerInfo) error {
	if opts.Unsplit || os.Getenv(workaround.ConvSplitEnvVar) == "0" { // off in training and here
		return nil
	}
	return s.splitRegions(wt, mode, info, minSplitSaving, maxSplitRegions, minSplitColumns)
}

// splitRegions is planRegions with its limits given.
func (s *convStep) splitRegions(wt []float32, mode Mode, info *LayerInfo, minSaving float64, maxRegions, minColumns int) error {
	if s.pad == 0 || s.direct || len(s.rowC)*s.rows != len(wt) {
		return nil
	}
	switch mode {
	case ModeDense, ModeNM:
	default:
		return nil
	}
	k := len(s.rowC)
	ys, xs := layout.Conv{InC: s.c, InH: s.h, InW: s.w, Kernel: s.k, Stride: s.stride, Padding: s.pad}.Spans()
	regions := make([]convRegion, 0, len(ys)*len(xs))
	macs := 0
	for _, sy := range ys {
		for _, sx := range xs {
			r := convRegion{oy0: sy.O0, oy1: sy.O1, ox0: sx.O0, ox1: sx.O1}
			for j := range k {
				ky, kx := int(s.rowT[j])/s.k, int(s.rowT[j])%s.k
				if ky >= sy.T0 && ky < sy.T1 && kx >= sx.T0 && kx < sx.T1 {
					r.rows = append(r.rows, int32(j))
				}
			}
			macs += len(r.rows) * (sy.O1 - sy.O0) * (sx.O1 - sx.O0)
			regions = append(regions, r)
		}
	}
	saving := 1 - float64(macs)/float64(k*s.oh*s.ow)
	if saving < minSaving || len(regions) > maxRegions {
		return nil
	}
	for i := range regions {
		r := &regions[i]
		sub := make([]float32, s.rows*len(r.rows))
		for o := range s.rows {
			for j, c := range r.rows {
				sub[o*len(r.rows)+j] = wt[o*k+int(c)]
			}
		}
		mm, err := regionMatrix(sub, s.rows, len(r.rows), mode)
		if err != nil {
			return fmt.Errorf("engine: layer %q: padding region %d: %w", info.Name, i, err)
		}
		if r.serial, err = serialMatrix(mm); err != nil {
			return fmt.Errorf("engine: layer %q: padding region %d: %w", info.Name, i, err)
		}
		r.gemm = mm
	}
	least := s.oh * s.ow // positions of the smallest region
	for _, r := range regions {
		least = min(least, (r.oy1-r.oy0)*(r.ox1-r.ox0))
	}
	s.regions, s.splitBatch = regions, max(1, (minColumns+least-1)/least)
	s.sideBatch = min(s.splitBatch, max(1, (minSideBySideColumns+least-1)/least))
	s.planSides()
	info.Regions, info.PaddingSkipped = len(regions), saving
	return nil
}

// regionMatrix prepares a region's rows x k weights (the step's weights at the region's K
// positions). Dense weights are packed. N:M weights lose the positions of the taps that read
// padding, which leaves most groups of a width-order (in, kh, kw) layout with fewer than M
// positions, so the region multiplies its kept values as an indexed plan of the non-zeros
// (gemm.NewIndexPlanDense, the kernel of the N:M plan without its even rows): the work stays
// proportional to the kept values at the region's taps, in either group order.
func regionMatrix(sub []float32, rows, k int, mode Mode) (convMatrix, error) {
	if mode == ModeNM {
		return gemm.NewIndexPlanDense(sub, k, rows, k, false)
	}
	return gemm.Pack(sub, rows, k)
}

// serialMatrix returns the view of a region's matrix whose products run on the calling goroutine.
func serialMatrix(m convMatrix) (convMatrix, error) {
	switch m := m.(type) {
	case *gemm.PackedMatrix:
		return m.Serial(), nil
	case *gemm.DenseIndexPlan:
		return m.IndexPlan.Serial(), nil
	}
	return nil, fmt.Errorf("no serial view of a %T", m)
}

// splitAt reports whether run uses the regions at batch n: from splitBatch on, or from sideBatch
// on when they run side by side on a route with narrow kernels (the portable route has none:
// there a region of 8 columns costs a full 64- or 128-column tile, and AlexNet's filter-only
// model at batch 8 ran 73 ms split against 44 not).
func (s *convStep) splitAt(n int) bool {
	if s.regions == nil || n < s.sideBatch {
		return false
	}
	if n >= s.splitBatch {
		return true
	}
	return gemm.Current().NarrowWidth(1) > 0 && s.sideWorkers(gemm.Threads()) > 1
}

// mightSplit reports whether run may use the regions at batch n, on some number of threads.
func (s *convStep) mightSplit(n int) bool {
	return s.regions != nil && n >= s.sideBatch
}

// regionFloats returns the floats of the largest region's result at batch n (0 unless it might
// split).
func (s *convStep) regionFloats(n int) int {
	if !s.mightSplit(n) {
		return 0
	}
	f := 0
	for _, r := range s.regions {
		f = max(f, s.rows*(r.oy1-r.oy0)*(r.ox1-r.ox0)*n)
	}
	return f
}

// regionColFloats returns the floats of the largest region im2col matrix that runSplit writes out
// at batch n (the others are packed from the activation), as colFloats does for one product.
func (s *convStep) regionColFloats(n int) int {
	f := 0
	for _, r := range s.regions {
		if g := len(r.rows) * (r.oy1 - r.oy0) * (r.ox1 - r.ox0) * n; g*4 <= maxColBytes {
			f = max(f, g)
		}
	}
	return f
}

// runSplit is run by regions, bias and ReLU included (run adds no epilogue after it). When the
// regions split evenly over the workers (sideBySide), each worker runs whole regions with serial
// products: one start of the threads per layer instead of three per region, and no B panel
// packed twice (a region of 128 columns is one panel of the indexed kernel, which two workers
// otherwise split by rows, each packing it). Otherwise the regions run one after another, each
// product on all the workers, its result landing in ws.region.
func (s *convStep) runSplit(ws *workspace, src, dst []float32, n int) error {
	full := im2colRows{s: s, src: src, n: n}
	if workers := s.sideWorkers(gemm.Threads()); workers > 1 {
		owner := s.side[workers]
		errs := make([]error, workers)
		gemm.Parallel(workers, func(w int) {
			for i := range s.regions {
				if owner[i] == w && errs[w] == nil {
					errs[w] = s.runRegionSerial(i, full, dst, n)
				}
			}
		})
		return errors.Join(errs...)
	}
	for i := range s.regions {
		r := &s.regions[i]
		out := ws.region[:s.rows*r.columns(n)]
		if err := s.regionProduct(r, r.gemm, full, n, ws.col, out, parallelFor); err != nil {
			return fmt.Errorf("padding region %d: %w", i, err)
		}
		parallelFor(s.rows, func(lo, hi int) { s.placeRegion(r, out, dst, n, lo, hi) })
	}
	return nil
}

// runRegionSerial is region i of runSplit on the calling goroutine: its product (with pooled
// buffers, so that workers run regions side by side) placed into dst with bias and ReLU.
func (s *convStep) runRegionSerial(i int, full im2colRows, dst []float32, n int) error {
	r := &s.regions[i]
	outp := gemm.GetFloats(s.rows * r.columns(n))
	defer gemm.PutFloats(outp)
	var col []float32 // the region's im2col matrix when regionProduct writes it out
	if f := len(r.rows) * r.columns(n); f*4 <= maxColBytes {
		colp := gemm.GetFloats(f)
		defer gemm.PutFloats(colp)
		col = *colp
	}
	serial := func(total int, fn func(lo, hi int)) { fn(0, total) }
	if err := s.regionProduct(r, r.serial, full, n, col, *outp, serial); err != nil {
		return fmt.Errorf("padding region %d: %w", i, err)
	}
	s.placeRegion(r, *outp, dst, n, 0, s.rows)
	return nil
}

// columns returns the region's output columns at batch n (its positions x the batch).
func (r *convRegion) columns(n int) int { return (r.oy1 - r.oy0) * (r.ox1 - r.ox0) * n }

// regionProduct computes region r's product with its weights m into out (rows x columns): when
// its im2col matrix fits maxColBytes it is written out into col first, its rows split by
// forRows (parallelFor, or serial inside a worker), else B is packed straight from the
// activation.
func (s *convStep) regionProduct(r *convRegion, m convMatrix, full im2colRows, n int, col, out []float32, forRows func(int, func(lo, hi int))) error {
	cols := r.columns(n)
	rows := regionRows{full: full, r: r, wx: (r.ox1 - r.ox0) * n}
	if f := len(r.rows) * cols; f*4 <= maxColBytes {
		col = col[:f]
		forRows(len(r.rows), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				rows.Row(col[j*cols:(j+1)*cols], j, 0)
			}
		})
		return m.MatMul(col, cols, out)
	}
	return m.MatMulRows(rows, cols, out)
}

// placeRegion copies rows [lo, hi) of region r's product out (rows x its columns) into their
// output columns of dst (rows x oh*ow*n, columns (oy, ox, image)), adding the bias and applying
// the ReLU on the way.
func (s *convStep) placeRegion(r *convRegion, out, dst []float32, n, lo, hi int) {
	nn, wx := n*s.oh*s.ow, (r.ox1-r.ox0)*n
	cols := (r.oy1 - r.oy0) * wx
	for o := lo; o < hi; o++ {
		b := s.bias[o]
		for y := range r.oy1 - r.oy0 {
			at := o*nn + (r.oy0+y)*s.ow*n + r.ox0*n
			addBias(dst[at:at+wx], out[o*cols+y*wx:o*cols+(y+1)*wx], b, s.relu)
		}
	}
}

// sideWorkers returns the workers that run the regions side by side on threads threads (s.side,
// planned by planSides), or 0 when they run one after another.
func (s *convStep) sideWorkers(threads int) int {
	w := min(threads, len(s.side)-1)
	if w < 2 || s.side[w] == nil {
		return 0
	}
	return w
}

// planSides fills s.side: for every worker count w from 2 to the number of regions, the owner of
// each region when they run side by side on w workers (nil: they do not; sideBySide).
func (s *convStep) planSides() {
	s.side = make([][]int, len(s.regions)+1)
	for t := 2; t <= len(s.regions); t++ {
		if owner, workers := s.sideBySide(t); workers == t {
			s.side[t] = owner
		}
	}
}

// maxSideBySideImbalance is the most the busiest worker's multiply-adds may exceed an even share
// for the regions to run side by side (sideBySide).
const maxSideBySideImbalance = 1.1

// sideBySide assigns the regions to up to threads workers, the largest first to the least
// loaded (owner[i] is region i's worker), and returns the workers used; 0 when fewer than two
// workers would run or the busiest would do more than maxSideBySideImbalance times an even
// share, in which case the regions run one after another.
func (s *convStep) sideBySide(threads int) (owner []int, workers int) {
	workers = min(threads, len(s.regions))
	if workers < 2 {
		return nil, 0
	}
	owner, macs, order := make([]int, len(s.regions)), make([]int, len(s.regions)), make([]int, len(s.regions))
	total := 0
	for i, r := range s.regions {
		macs[i] = len(r.rows) * (r.oy1 - r.oy0) * (r.ox1 - r.ox0)
		order[i] = i
		total += macs[i]
	}
	slices.SortStableFunc(order, func(a, b int) int { return macs[b] - macs[a] })
	load := make([]int, workers)
	for _, i := range order {
		w := slices.Index(load, slices.Min(load))
		owner[i], load[w] = w, load[w]+macs[i]
	}
	if float64(slices.Max(load)) > maxSideBySideImbalance*float64(total)/float64(workers) {
		return nil, 0
	}
	return owner, workers
}

// regionRows is a region's im2col matrix as a gemm.RowSource: row j is the step's im2col row
// r.rows[j] at the region's output positions only (columns (oy, ox, image) inside the region,
// wx = region width x batch per output row).
type regionRows struct {
	full im2colRows
	r    *convRegion
	wx   int
}

// Row writes columns [c0, c0+len(dst)) of row j: per region output row, one run of the full
// im2col row (im2colRows.Row, which writes the padding's zeros where a group's extra position
// reads outside the input).
func (q regionRows) Row(dst []float32, j, c0 int) {
	s := q.full.s
	rowOut, row := s.ow*q.full.n, int(q.r.rows[j])
	c1 := c0 + len(dst)
	for y := c0 / q.wx; y*q.wx < c1; y++ {
		lo, hi := max(c0, y*q.wx), min(c1, (y+1)*q.wx)
		at := (q.r.oy0+y)*rowOut + q.r.ox0*q.full.n + lo - y*q.wx
		q.full.Row(dst[lo-c0:hi-c0], row, at)
	}
}
