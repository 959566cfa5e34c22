package nets

import "github.com/gomlx/gomlx/pkg/core/graph"

// KindAdd is the residual addition: the element-wise sum of the layer's input and the output of
// the earlier layer named by Layer.From, whose shapes must match (see residual.go).
const KindAdd LayerKind = "add"

func init() {
	registerKind(kindInfo{
		kind: KindAdd, prefix: "add", channels: ChannelsJoin,
		shape: func(c *shapeCtx) (Shape, error) {
			j, err := c.spec.earlier(c.names, c.i, "from", c.l.From)
			if err != nil {
				return Shape{}, c.errorf("%w", err)
			}
			if c.outs[j] != c.in || c.flats[j] != c.flat {
				return Shape{}, c.errorf("adds %s (from %q) to its input %s: the shapes must match", c.outs[j], c.l.From, c.in)
			}
			return c.in, nil
		},
		config: func(l Layer) string { return "+ " + l.From },
		forward: func(f *forwardCtx) []float32 {
			other := f.acts[f.spec.Index(f.l.From)]
			y := make([]float32, len(f.x))
			for i := range y {
				y[i] = f.x[i] + other[i]
			}
			return y
		},
		graph: func(b *graphCtx) *graph.Node { return graph.Add(b.x, b.outs[b.spec.Index(b.l.From)]) },
	})
}
