package nets

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/hybridprune/hybridprune/nets/workaround"
)

func init() {
	registerKind(kindInfo{
		kind: KindMaxPool, prefix: "pool", channels: ChannelsPreserve, spatial: true,
		shape: func(c *shapeCtx) (Shape, error) {
			win, cur := c.l.Window, c.in
			if win <= 0 || cur.H%win != 0 || cur.W%win != 0 {
				return Shape{}, c.errorf("window=%d must be positive and divide the input %s", win, cur)
			}
			return Shape{cur.C, cur.H / win, cur.W / win}, nil
		},
		config:  func(l Layer) string { return fmt.Sprintf("%dx%d", l.Window, l.Window) },
		forward: func(f *forwardCtx) []float32 { return refMaxPool(f.x, f.n, f.in, f.l.Window) },
		graph:   func(b *graphCtx) *graph.Node { return workaround.MaxPool(b.x, b.l.Window) },
	})
}

// KindMaxPool is a non-overlapping max-pool: the stride equals the square Window, which must
// divide the input's height and width.
const KindMaxPool LayerKind = "maxpool"

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
