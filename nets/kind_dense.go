package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// KindDense is a fully connected layer on flattened features: InChannels -> OutChannels; its
// parameters are "<name>/weight" [out, in] and "<name>/bias" [out].
const KindDense LayerKind = "dense"

func init() {
	registerKind(kindInfo{
		kind: KindDense, prefix: "fc", channels: ChannelsConsume, bias: true,
		shape: func(c *shapeCtx) (Shape, error) {
			l := c.l
			if !c.flat {
				return Shape{}, c.errorf("dense before flatten")
			}
			if l.InChannels != c.in.C || l.OutChannels <= 0 {
				return Shape{}, c.errorf("in=%d out=%d, want in=%d (previous layer's features) and out > 0",
					l.InChannels, l.OutChannels, c.in.C)
			}
			return Shape{l.OutChannels, 1, 1}, nil
		},
		params: func(l Layer) []ParamSpec { return weightAndBias(l, l.OutChannels, l.InChannels) },
		config: func(l Layer) string { return fmt.Sprintf("%d->%d", l.InChannels, l.OutChannels) },
		forward: func(f *forwardCtx) []float32 {
			return refDense(f.x, f.n, f.l.InChannels, f.l.OutChannels, f.w[f.l.Name+"/weight"].Data, Bias(f.l, f.w))
		},
		graph: func(b *graphCtx) *graph.Node {
			bias := graph.Reshape(biasNode(b.ctx, b.g, b.l), b.l.OutChannels, 1)
			return graph.Add(graph.Dot(maskedWeight(b.ctx, b.g, b.l.Name, b.masks), b.x), bias)
		},
	})
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
