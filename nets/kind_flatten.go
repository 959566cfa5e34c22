package nets

import "github.com/gomlx/gomlx/pkg/core/graph"

// KindFlatten turns a C x H x W activation into C*H*W features in channel-major order; the
// layers after it see flattened features (Shape C*H*W x 1 x 1).
const KindFlatten LayerKind = "flatten"

func init() {
	registerKind(kindInfo{
		kind: KindFlatten, prefix: "flatten", channels: ChannelsFlatten,
		shape: func(c *shapeCtx) (Shape, error) { return Shape{c.in.Size(), 1, 1}, nil },
		graph: func(b *graphCtx) *graph.Node { return graph.Reshape(b.x, b.in.Size(), b.batch) },
	})
}
