package engine

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/layout"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse"
)

// parallelFor splits [0, total) into gemm.Threads() contiguous chunks and
// runs fn on each concurrently (the first on the calling goroutine; gemm.Parallel).
func parallelFor(total int, fn func(lo, hi int)) {
	t := min(gemm.Threads(), total)
	if t <= 1 {
		if total > 0 {
			fn(0, total)
		}
		return
	}
	gemm.Parallel(t, func(i int) { fn(total*i/t, total*(i+1)/t) })
}

// epilogue adds bias[r] to row r of the rows x cols matrix c and applies ReLU
// when relu is set.
func epilogue(c []float32, rows, cols int, bias []float32, relu bool) {
	parallelFor(rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := c[r*cols : (r+1)*cols]
			addBias(row, row, bias[r], relu)
		}
	})
}

// addBias writes src + b into dst, through a ReLU when relu is set (dst may be src).
func addBias(dst, src []float32, b float32, relu bool) {
	src = src[:len(dst)]
	if relu {
		for i, v := range src {
			dst[i] = max(v+b, 0)
		}
		return
	}
	for i, v := range src {
		dst[i] = v + b
	}
}

// convStep is a convolution lowered to a GEMM whose B is the im2col matrix: packed straight
// from the activation (im2colRows), or, when it is small (colFloats), written out first.
type convStep struct {
	name           string
	gemm           convMatrix
	bias           []float32
	relu           bool
	rows           int // filters
	c, h, w        int // input
	k, stride, pad int
	oh, ow         int
	rowC, rowT     []int32 // per im2col row: input channel and kernel position ky*k+kx
	rowGeo         []im2colGeo
	direct         bool
	colPerImg      int
	regions        []convRegion // one product per padding region (planRegions); nil: one product
	splitBatch     int          // the smallest batch at which run uses the regions (splitAt)
	sideBatch      int          // the same when they run side by side (sideBySide)
	side           [][]int      // per worker count, the regions' owners side by side (planSides)
}

// newConvStep permutes the (folded) OIHW weights into opts.Order, prepares
// them in mode and lists the im2col rows.
func newConvStep(l nets.Layer, in, out nets.Shape, wt, bias []float32, relu bool, mode Mode, opts Options, info *LayerInfo) (*convStep, error) {
	g := layout.Conv{InC: l.InChannels, Kernel: l.Kernel}
	k := g.K()
	perm, err := g.Perm(sparse.OrderWidth, opts.Order)
	if err != nil {
		return nil, fmt.Errorf("engine: layer %q: %w", l.Name, err)
	}
	if opts.Order != sparse.OrderWidth {
		if wt, err = sparse.PermuteColumns(wt, l.OutChannels, perm); err != nil {
			return nil, fmt.Errorf("engine: layer %q: %w", l.Name, err)
		}
	}
	pm, kept, err := prepare(wt, l.OutChannels, k, mode, opts.Order, opts, false, info)
	if err != nil {
		return nil, err
	}
	mm, ok := pm.(convMatrix)
	if !ok {
		return nil, fmt.Errorf("engine: layer %q: %s weights (%T) cannot multiply an im2col matrix given by rows", l.Name, info.Mode, pm)
	}
	if kept == nil {
		kept = make([]int, k)
		for j := range kept {
			kept[j] = j
		}
	}
	s := &convStep{
		name: l.Name, gemm: mm, bias: bias, relu: relu, rows: l.OutChannels,
		c: in.C, h: in.H, w: in.W, k: l.Kernel, stride: l.Stride, pad: l.Padding,
		oh: out.H, ow: out.W,
	}
	// perm[j] is the width-order index (c*k+ky)*k+kx of K position j.
	s.rowC, s.rowT = make([]int32, len(kept)), make([]int32, len(kept))
	s.direct = l.Kernel == 1 && l.Stride == 1 && l.Padding == 0 && len(kept) == in.C
	for i, j := range kept {
		wi := perm[j]
		s.rowC[i], s.rowT[i] = int32(wi/(l.Kernel*l.Kernel)), int32(wi%(l.Kernel*l.Kernel))
		s.direct = s.direct && int(s.rowC[i]) == i
	}
	s.rowGeo = make([]im2colGeo, len(kept))
	for j := range kept {
		ky, kx := int(s.rowT[j])/s.k, int(s.rowT[j])%s.k
		ox0 := min(max(ceilDiv(s.pad-kx, s.stride), 0), s.ow)
		s.rowGeo[j] = im2colGeo{ky: int32(ky), kx: int32(kx), ox0: int32(ox0),
			ox1: int32(min(max(ceilDiv(s.w+s.pad-kx, s.stride), ox0), s.ow))}
	}
	if !s.direct {
		s.colPerImg = len(kept) * out.H * out.W
	}
	if kept != nil && len(kept) != k { // group mode dropped columns: the regions do not apply
		return s, nil
	}
	if err := s.planRegions(wt, info.Mode, opts, info); err != nil {
		return nil, err
	}
	return s, nil
}

// maxColBytes is the largest im2col matrix a conv writes out before its product; a larger one
// is packed straight from the activation (im2colRows). Small products (batch 1, narrow layers)
// pack the same B panel on every worker, so there one parallel pass that writes the matrix
// costs less than every worker assembling its rows: AlexNet at batch 1 with half the filters ran
// 0.54 ms written out and 0.69-0.72 ms packed from the activation.
const maxColBytes = 256 << 10

// colFloats returns the floats of the im2col matrix run writes out at batch n (0: none), split
// or not: whether it splits below splitBatch depends on the threads of the call (splitAt).
func (s *convStep) colFloats(n int) int {
	f := 0
	if s.mightSplit(n) {
		f = s.regionColFloats(n)
	}
	if g := s.colPerImg * n; g*4 <= maxColBytes && (s.regions == nil || n < s.splitBatch) {
		f = max(f, g)
	}
	return f
}

func (s *convStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	nn := n * s.oh * s.ow
	dst := ws.other(src)[:s.rows*nn]
	var err error
	switch {
	case s.splitAt(n):
		if err = s.runSplit(ws, src, dst, n); err != nil {
			return nil, fmt.Errorf("layer %q: %w", s.name, err)
		}
		return dst, nil // runSplit adds the bias and applies the ReLU
	case s.direct:
		err = s.gemm.MatMul(src, nn, dst)
	case s.colPerImg*n*4 <= maxColBytes: // the im2col matrix written out (colFloats)
		col, rows := ws.col[:len(s.rowC)*nn], im2colRows{s: s, src: src, n: n}
		parallelFor(len(s.rowC), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				rows.Row(col[j*nn:(j+1)*nn], j, 0)
			}
		})
		err = s.gemm.MatMul(col, nn, dst)
	default:
		err = s.gemm.MatMulRows(im2colRows{s: s, src: src, n: n}, nn, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("layer %q: %w", s.name, err)
	}
	epilogue(dst, s.rows, nn, s.bias, s.relu)
	return dst, nil
}

// convMatrix is a conv layer's weights: products with B as a matrix (the activation itself for
// a direct 1x1 conv, or a small im2col written out) and with B packed row by row from the
// activation (im2colRows).
type convMatrix interface {
	weightMatrix
	MatMulRows(src gemm.RowSource, n int, c []float32) error
}

// im2colRows is the [K' x (oh*ow*n)] im2col matrix of activation src (C x (h*w*n)) at batch n,
// as a gemm.RowSource: row j holds, for every output pixel (oy, ox) and image b (b fastest), the
// input of channel rowC[j] at kernel position rowT[j], zero in the padding. The GEMM packs its
// rows straight from the activation, which stays in cache, instead of from a matrix K' times its
// size (VGG16's second conv at batch 128: 8.4 MB against 302 MB).
type im2colRows struct {
	s   *convStep
	src []float32
	n   int
}

// im2colGeo is the geometry of one im2col row, precomputed (Row runs once per row and packed
// panel, and its divisions cost as much as a short row's copies): the kernel position (ky, kx) and
// the output columns [ox0, ox1) whose input column ox*stride-pad+kx lies inside [0, w).
type im2colGeo struct{ ky, kx, ox0, ox1 int32 }

// Row writes columns [c0, c0+len(dst)) of row j. With the batch innermost, the columns of one
// output row of a stride-1 conv read one contiguous run of the input row (stride s: runs of n).
func (q im2colRows) Row(dst []float32, j, c0 int) {
	s, n := q.s, q.n
	g := s.rowGeo[j]
	c, ky, kx, ox0, ox1 := int(s.rowC[j]), int(g.ky), int(g.kx), int(g.ox0), int(g.ox1)
	rowIn, rowOut := s.w*n, s.ow*n // one input / output row, all images
	p := q.src[c*s.h*rowIn : (c+1)*s.h*rowIn]
	st, pad := s.stride, s.pad
	c1 := c0 + len(dst)
	for oy := c0 / rowOut; oy*rowOut < c1; oy++ {
		lo, hi := max(c0, oy*rowOut), min(c1, (oy+1)*rowOut) // this output row's columns
		iy := oy*st - pad + ky
		if iy < 0 || iy >= s.h {
			clear(dst[lo-c0 : hi-c0])
			continue
		}
		in := p[iy*rowIn : (iy+1)*rowIn]
		va := min(max(oy*rowOut+ox0*n, lo), hi) // the columns inside the input: [va, vb)
		vb := min(max(oy*rowOut+ox1*n, va), hi)
		clear(dst[lo-c0 : va-c0])
		clear(dst[vb-c0 : hi-c0])
		if st == 1 {
			if vb > va { // column oy*rowOut + ox*n + b reads input column (ox-pad+kx)*n + b of row iy
				off := (kx-pad)*n - oy*rowOut
				copy(dst[va-c0:vb-c0], in[va+off:vb+off])
			}
			continue
		}
		if n == 1 { // one value per pixel: no copy call
			for col := va; col < vb; col++ {
				dst[col-c0] = in[(col-oy*rowOut)*st-pad+kx]
			}
			continue
		}
		for col := va; col < vb; {
			ox, b := (col-oy*rowOut)/n, (col-oy*rowOut)%n
			end := min(vb, col+n-b) // the rest of this pixel's images
			ix := ox*st - pad + kx
			copy(dst[col-c0:end-c0], in[ix*n+b:ix*n+b+end-col])
			col = end
		}
	}
}

// ceilDiv rounds a/b up for b > 0 and any sign of a.
func ceilDiv(a, b int) int {
	if a <= 0 {
		return -(-a / b)
	}
	return (a + b - 1) / b
}

// denseStep is a fully connected layer: [out x B] = W[out x in] * X[in x B].
type denseStep struct {
	name string
	gemm weightMatrix
	bias []float32
	relu bool
	rows int
}

func newDenseStep(wt, bias []float32, relu bool, mode Mode, opts Options, info *LayerInfo) (*denseStep, error) {
	mm, _, err := prepare(wt, info.Rows, info.K, mode, sparse.OrderWidth, opts, true, info)
	if err != nil {
		return nil, err
	}
	return &denseStep{name: info.Name, gemm: mm, bias: bias, relu: relu, rows: info.Rows}, nil
}

func (s *denseStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	dst := ws.other(src)[:s.rows*n]
	if err := s.gemm.MatMul(src, n, dst); err != nil {
		return nil, fmt.Errorf("layer %q: %w", s.name, err)
	}
	epilogue(dst, s.rows, n, s.bias, s.relu)
	return dst, nil
}

// affineStep is a stand-alone batch-norm (one not directly after a conv or
// dense layer): channel c -> x*scale[c] + shift[c], optionally with ReLU.
type affineStep struct {
	scale, shift []float64
	hw           int
	relu         bool
}

func (s *affineStep) run(_ *workspace, src []float32, n int) ([]float32, error) {
	per := n * s.hw
	parallelFor(len(s.scale), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			a, b := s.scale[c], s.shift[c]
			row := src[c*per : (c+1)*per]
			for i, v := range row {
				y := float32(float64(v)*a + b)
				if s.relu {
					y = max(y, 0)
				}
				row[i] = y
			}
		}
	})
	return src, nil
}

// reluStep is a stand-alone ReLU, in place.
type reluStep struct{}

func (reluStep) run(_ *workspace, src []float32, _ int) ([]float32, error) {
	parallelFor(len(src), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			src[i] = max(src[i], 0)
		}
	})
	return src, nil
}

// poolStep is a non-overlapping max-pool on the [C x (h*w*n)] activation;
// the inner loops run over the batch (contiguous).
type poolStep struct {
	c, h, w, win int
}

func (s *poolStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	oh, ow, win := s.h/s.win, s.w/s.win, s.win
	dst := ws.other(src)[:s.c*oh*ow*n]
	parallelFor(s.c*oh, func(lo, hi int) {
		for q := lo; q < hi; q++ { // q = c*oh + oy
			c, oy := q/oh, q%oh
			for ox := range ow {
				out := dst[((q*ow)+ox)*n : ((q*ow)+ox+1)*n]
				for dy := range win {
					for dx := range win {
						iy, ix := oy*win+dy, ox*win+dx
						in := src[((c*s.h+iy)*s.w+ix)*n : ((c*s.h+iy)*s.w+ix+1)*n]
						in = in[:len(out)]
						if dy == 0 && dx == 0 {
							copy(out, in)
							continue
						}
						for b, v := range in {
							out[b] = max(out[b], v)
						}
					}
				}
			}
		}
	})
	return dst, nil
}
