package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// KindDropout zeroes each unit with probability Layer.Rate during training (scaling the others by
// 1/(1-rate)); at inference it is the identity.
const KindDropout LayerKind = "dropout"

func init() {
	registerKind(kindInfo{
		kind: KindDropout, prefix: "drop", channels: ChannelsPreserve,
		shape: func(c *shapeCtx) (Shape, error) {
			if c.l.Rate < 0 || c.l.Rate >= 1 {
				return Shape{}, c.errorf("rate=%g, want 0 <= rate < 1", c.l.Rate)
			}
			return c.in, nil
		},
		config: func(l Layer) string { return fmt.Sprintf("rate %g", l.Rate) },
		graph: func(b *graphCtx) *graph.Node {
			if b.training && b.l.Rate > 0 {
				return layers.DropoutStatic(b.ctx.In(b.l.Name), b.x, b.l.Rate)
			}
			return b.x
		},
	})
}

// Dropout adds dropout with the given rate.
func (b *Builder) Dropout(rate float64) *Builder { return b.add(Layer{Kind: KindDropout, Rate: rate}) }
