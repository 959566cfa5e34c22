package engine

import (
	"fmt"
	"sync"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/layout"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse"
)

// parallelFor splits [0, total) into gemm.Threads() contiguous chunks and
// runs fn on each concurrently (the first on the calling goroutine).
func parallelFor(total int, fn func(lo, hi int)) {
	t := min(gemm.Threads(), total)
	if t <= 1 {
		if total > 0 {
			fn(0, total)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for i := 1; i < t; i++ {
		go func() {
			defer wg.Done()
			fn(total*i/t, total*(i+1)/t)
		}()
	}
	fn(0, total/t)
	wg.Wait()
}

// epilogue adds bias[r] to row r of the rows x cols matrix c and applies ReLU
// when relu is set.
func epilogue(c []float32, rows, cols int, bias []float32, relu bool) {
	parallelFor(rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := c[r*cols : (r+1)*cols]
			b := bias[r]
			if relu {
				for i, v := range row {
					row[i] = max(v+b, 0)
				}
			} else {
				for i := range row {
					row[i] += b
				}
			}
		}
	})
}

// convStep is a convolution lowered to im2col + GEMM.
type convStep struct {
	name           string
	gemm           weightMatrix
	bias           []float32
	relu           bool
	rows           int // filters
	c, h, w        int // input
	k, stride, pad int
	oh, ow         int
	rowC, rowT     []int32 // per im2col row: input channel and kernel position ky*k+kx
	direct         bool
	colPerImg      int
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
	mm, kept, err := prepare(wt, l.OutChannels, k, mode, opts.Order, opts, false, info)
	if err != nil {
		return nil, err
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
	if !s.direct {
		s.colPerImg = len(kept) * out.H * out.W
	}
	return s, nil
}

func (s *convStep) colSize() int { return s.colPerImg }

func (s *convStep) run(ws *workspace, src []float32, n int) ([]float32, error) {
	nn := n * s.oh * s.ow
	bmat := src
	if !s.direct {
		bmat = ws.col[:len(s.rowC)*nn]
		s.im2col(bmat, src, n)
	}
	dst := ws.other(src)[:s.rows*nn]
	if err := s.gemm.MatMul(bmat, nn, dst); err != nil {
		return nil, fmt.Errorf("layer %q: %w", s.name, err)
	}
	epilogue(dst, s.rows, nn, s.bias, s.relu)
	return dst, nil
}

// im2col writes the [K' x (oh*ow*n)] matrix dst from the [C x (h*w*n)]
// activation src: row j holds, for every output (oy, ox) and image b (b
// fastest), the input of channel rowC[j] at kernel position rowT[j], zero in
// the padding. With the batch innermost, one output row of a stride-1 conv
// is a single contiguous copy of ow*n values (stride s: ow copies of n).
func (s *convStep) im2col(dst, src []float32, n int) {
	nn := s.oh * s.ow * n
	rowIn := s.w * n // one input row, all images
	plane := s.h * rowIn
	st, pad := s.stride, s.pad
	parallelFor(len(s.rowC), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			c, t := int(s.rowC[j]), int(s.rowT[j])
			ky, kx := t/s.k, t%s.k
			d := dst[j*nn : (j+1)*nn]
			p := src[c*plane : (c+1)*plane]
			// Output columns whose input column ox*st-pad+kx is inside [0, w).
			ox0 := min(max(ceilDiv(pad-kx, st), 0), s.ow)
			ox1 := min(max(ceilDiv(s.w+pad-kx, st), ox0), s.ow)
			for oy := range s.oh {
				out := d[oy*s.ow*n : (oy+1)*s.ow*n]
				iy := oy*st - pad + ky
				if iy < 0 || iy >= s.h {
					clear(out)
					continue
				}
				in := p[iy*rowIn : (iy+1)*rowIn]
				clear(out[:ox0*n])
				clear(out[ox1*n:])
				if st == 1 {
					ix := ox0 - pad + kx
					copy(out[ox0*n:ox1*n], in[ix*n:])
					continue
				}
				for ox := ox0; ox < ox1; ox++ {
					ix := ox*st - pad + kx
					if n == 1 {
						out[ox] = in[ix]
					} else {
						copy(out[ox*n:(ox+1)*n], in[ix*n:(ix+1)*n])
					}
				}
			}
		}
	})
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
