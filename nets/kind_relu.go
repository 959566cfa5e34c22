package nets

import "github.com/gomlx/gomlx/pkg/core/graph"

// KindReLU is the rectifier max(x, 0); it has no parameters.
const KindReLU LayerKind = "relu"

func init() {
	registerKind(kindInfo{
		kind: KindReLU, prefix: "relu", channels: ChannelsPreserve,
		forward: func(f *forwardCtx) []float32 {
			y := make([]float32, len(f.x))
			for j, v := range f.x {
				y[j] = max(v, 0)
			}
			return y
		},
		graph: func(b *graphCtx) *graph.Node { return graph.Max(b.x, graph.ZerosLike(b.x)) },
	})
}
