package nets

import "github.com/gomlx/gomlx/pkg/core/graph"

// KindGlobalAvgPool is the global average pool: the mean over each channel's plane,
// C x H x W -> C x 1 x 1 (a ResNet's head).
const KindGlobalAvgPool LayerKind = "globalavgpool"

func init() {
	registerKind(kindInfo{
		kind: KindGlobalAvgPool, prefix: "gap", channels: ChannelsPreserve, spatial: true,
		shape: func(c *shapeCtx) (Shape, error) { return Shape{c.in.C, 1, 1}, nil },
		forward: func(f *forwardCtx) []float32 {
			hw := f.in.H * f.in.W
			y := make([]float32, f.n*f.in.C)
			for bc := range y {
				sum := 0.0
				for _, v := range f.x[bc*hw : (bc+1)*hw] {
					sum += float64(v)
				}
				y[bc] = float32(sum / float64(hw))
			}
			return y
		},
		graph: func(b *graphCtx) *graph.Node {
			return graph.ReduceAndKeep(b.x, graph.ReduceMean, 1, 2) // [C, H, W, B] -> [C, 1, 1, B]
		},
	})
}

// GlobalAvgPool adds a global average pool (C x H x W -> C x 1 x 1).
func (b *Builder) GlobalAvgPool() *Builder { return b.add(Layer{Kind: KindGlobalAvgPool}) }
