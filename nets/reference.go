package nets

import (
	"fmt"
	"math"
)

// Forward runs the network on a batch in plain Go with direct loops, in inference mode (batch-norm
// uses its running statistics, dropout is the identity). x is n images in NCHW order; the result is
// the logits, n x NumClasses row-major. It is the reference every faster path (the GoMLX graph,
// the sparse engine, pruning surgery) is checked against: slow, simple and obviously correct.
func Forward(spec *Spec, w Weights, x []float32, n int) ([]float32, error) {
	acts, err := ForwardActivations(spec, w, x, n)
	if err != nil {
		return nil, err
	}
	return acts[len(acts)-1], nil
}

// ForwardActivations is Forward returning the output of every layer: acts[i] is the output of
// spec.Layers[i] for the whole batch, NCHW (n x C x H x W, with H = W = 1 after Flatten).
func ForwardActivations(spec *Spec, w Weights, x []float32, n int) ([][]float32, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, err
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, err
	}
	if want := n * spec.Input.Size(); len(x) != want {
		return nil, fmt.Errorf("forward %q: input has %d values, want %d (n=%d x %s)", spec.Name, len(x), want, n, spec.Input)
	}
	acts := make([][]float32, len(spec.Layers))
	cur, in := x, spec.Input
	for i, l := range spec.Layers {
		if j := spec.SourceOf(i); l.Input != "" {
			cur, in = acts[j], shapes[j]
		}
		out := shapes[i]
		switch l.Kind {
		case KindConv:
			cur = refConv(cur, n, in, out, l, w[l.Name+"/weight"].Data, Bias(l, w))
		case KindBatchNorm:
			cur = refBatchNorm(cur, n, in, w[l.Name+"/scale"].Data, w[l.Name+"/offset"].Data,
				w[l.Name+"/mean"].Data, w[l.Name+"/variance"].Data)
		case KindReLU:
			next := make([]float32, len(cur))
			for j, v := range cur {
				next[j] = max(v, 0)
			}
			cur = next
		case KindMaxPool:
			cur = refMaxPool(cur, n, in, l.Window)
		case KindDense:
			cur = refDense(cur, n, l.InChannels, l.OutChannels, w[l.Name+"/weight"].Data, Bias(l, w))
		case KindAdd:
			cur = refAdd(cur, acts[spec.Index(l.From)])
		case KindGlobalAvgPool:
			cur = refGlobalAvgPool(cur, n, in)
		case KindFlatten, KindDropout:
			cur = append([]float32(nil), cur...)
		}
		acts[i] = cur
		in = out
	}
	return acts, nil
}

// BatchNormEpsilon is the epsilon added to the variance by every batch-norm (PyTorch's default).
const BatchNormEpsilon = 1e-5

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

func refBatchNorm(x []float32, n int, in Shape, scale, offset, mean, variance []float32) []float32 {
	y := make([]float32, len(x))
	hw := in.H * in.W
	for b := 0; b < n; b++ {
		for c := 0; c < in.C; c++ {
			inv := float64(scale[c]) / math.Sqrt(float64(variance[c])+BatchNormEpsilon)
			base := (b*in.C + c) * hw
			for j := 0; j < hw; j++ {
				y[base+j] = float32((float64(x[base+j])-float64(mean[c]))*inv + float64(offset[c]))
			}
		}
	}
	return y
}

func refMaxPool(x []float32, n int, in Shape, win int) []float32 {
	oh, ow := in.H/win, in.W/win
	y := make([]float32, n*in.C*oh*ow)
	for bc := 0; bc < n*in.C; bc++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				m := float32(math.Inf(-1))
				for dy := 0; dy < win; dy++ {
					for dx := 0; dx < win; dx++ {
						m = max(m, x[(bc*in.H+oy*win+dy)*in.W+ox*win+dx])
					}
				}
				y[(bc*oh+oy)*ow+ox] = m
			}
		}
	}
	return y
}

func refDense(x []float32, n, in, out int, wt, bias []float32) []float32 {
	y := make([]float32, n*out)
	for b := 0; b < n; b++ {
		for o := 0; o < out; o++ {
			sum := float64(bias[o])
			for i := 0; i < in; i++ {
				sum += float64(wt[o*in+i]) * float64(x[b*in+i])
			}
			y[b*out+o] = float32(sum)
		}
	}
	return y
}

func refAdd(a, b []float32) []float32 {
	y := make([]float32, len(a))
	for i := range y {
		y[i] = a[i] + b[i]
	}
	return y
}

func refGlobalAvgPool(x []float32, n int, in Shape) []float32 {
	hw := in.H * in.W
	y := make([]float32, n*in.C)
	for bc := range y {
		sum := 0.0
		for _, v := range x[bc*hw : (bc+1)*hw] {
			sum += float64(v)
		}
		y[bc] = float32(sum / float64(hw))
	}
	return y
}
