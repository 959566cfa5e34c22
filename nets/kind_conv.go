package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/hybridprune/hybridprune/nets/workaround"
)

// KindConv is a square 2-D convolution: InChannels -> OutChannels with Kernel, Stride and zero
// Padding; its parameters are "<name>/weight" [out, in, k, k] (OIHW) and "<name>/bias" [out].
const KindConv LayerKind = "conv"

func init() {
	registerKind(kindInfo{
		kind: KindConv, prefix: "conv", channels: ChannelsProduce, bias: true, spatial: true,
		shape: func(c *shapeCtx) (Shape, error) {
			l, cur := c.l, c.in
			if l.InChannels != cur.C {
				return Shape{}, c.errorf("in=%d but %s outputs %d channels", l.InChannels, c.spec.inputName(l), cur.C)
			}
			if l.OutChannels <= 0 || l.Kernel <= 0 || l.Stride <= 0 || l.Padding < 0 {
				return Shape{}, c.errorf("out=%d kernel=%d stride=%d padding=%d: want out, kernel, stride > 0 and padding >= 0",
					l.OutChannels, l.Kernel, l.Stride, l.Padding)
			}
			h := (cur.H+2*l.Padding-l.Kernel)/l.Stride + 1
			w := (cur.W+2*l.Padding-l.Kernel)/l.Stride + 1
			if h <= 0 || w <= 0 {
				return Shape{}, c.errorf("kernel %d does not fit input %s with padding %d", l.Kernel, cur, l.Padding)
			}
			return Shape{l.OutChannels, h, w}, nil
		},
		params: func(l Layer) []ParamSpec {
			return weightAndBias(l, l.OutChannels, l.InChannels, l.Kernel, l.Kernel)
		},
		config: func(l Layer) string {
			return fmt.Sprintf("%d->%d k%d s%d p%d", l.InChannels, l.OutChannels, l.Kernel, l.Stride, l.Padding)
		},
		forward: func(f *forwardCtx) []float32 {
			return refConv(f.x, f.n, f.in, f.out, f.l, f.w[f.l.Name+"/weight"].Data, Bias(f.l, f.w))
		},
		graph: func(b *graphCtx) *graph.Node {
			in, l := b.in, b.l
			geom := workaround.ConvGeometry{InC: in.C, InH: in.H, InW: in.W, Kernel: l.Kernel, Stride: l.Stride, Padding: l.Padding}
			return workaround.Conv2D(b.x, maskedWeight(b.ctx, b.g, l.Name, b.masks), biasNode(b.ctx, b.g, l), geom)
		},
	})
}

func refConv(x []float32, n int, in, out Shape, l Layer, wt, bias []float32) []float32 {
	y := make([]float32, n*out.Size())
	k := l.Kernel
	for b := 0; b < n; b++ {
		for o := 0; o < out.C; o++ {
			for oy := 0; oy < out.H; oy++ {
				for ox := 0; ox < out.W; ox++ {
					sum := float64(bias[o])
					for c := 0; c < in.C; c++ {
						for ky := 0; ky < k; ky++ {
							iy := oy*l.Stride - l.Padding + ky
							if iy < 0 || iy >= in.H {
								continue
							}
							for kx := 0; kx < k; kx++ {
								ix := ox*l.Stride - l.Padding + kx
								if ix < 0 || ix >= in.W {
									continue
								}
								sum += float64(wt[((o*in.C+c)*k+ky)*k+kx]) * float64(x[((b*in.C+c)*in.H+iy)*in.W+ix])
							}
						}
					}
					y[((b*out.C+o)*out.H+oy)*out.W+ox] = float32(sum)
				}
			}
		}
	}
	return y
}
