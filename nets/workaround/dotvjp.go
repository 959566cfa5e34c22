package workaround

import (
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var registerOnce sync.Once

// RegisterDotVJP replaces the gradient of the Dot op for matrix x matrix products with
// dA = v·Bᵀ and dB = Aᵀ·v (two matrix products, no [i, j, k] broadcast), written as DotGeneral
// contractions so that no transposed copy is made: the fast Dot executor reads the transposed
// operands while packing them. Other rank combinations
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
				graph.DotGeneral(v, []int{1}, nil, b, []int{1}, nil),
				graph.DotGeneral(a, []int{0}, nil, v, []int{0}, nil),
			}
		}
	})
}
