package workaround

import (
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var registerOnce sync.Once

// RegisterDotVJP replaces the gradient of the Dot op for matrix x matrix products with
// dA = v·Bᵀ and dB = Aᵀ·v (two matrix products, no [i, j, k] broadcast). Other rank combinations
// keep the stock implementation. It is idempotent and is called by every graph builder of this
// module; call it yourself before building graphs with Dot outside this module.
func RegisterDotVJP() {
	registerOnce.Do(func() {
		stock := graph.VJPRegistration[graph.NodeTypeDot]
		graph.VJPRegistration[graph.NodeTypeDot] = func(node *graph.Node, vjpOutputs []*graph.Node, outputShape shapes.Shape) []*graph.Node {
			in := node.Inputs()
			if len(in) != 2 || in[0].Rank() != 2 || in[1].Rank() != 2 {
				return stock(node, vjpOutputs, outputShape)
			}
			v := vjpOutputs[0]
			a, b := in[0], in[1]
			return []*graph.Node{
				graph.Dot(v, graph.Transpose(b, 0, 1)),
				graph.Dot(graph.Transpose(a, 0, 1), v),
			}
		}
	})
}
