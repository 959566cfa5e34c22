package workaround

import (
	"reflect"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// noCustomVJP marks customVJPOffset as not found.
const noCustomVJP = ^uintptr(0)

// customVJPOffset is the offset of graph.Node's unexported customVJP field (the gradient that
// graph.IdentityWithCustomGradient sets, which reverse autodiff uses before VJPRegistration), or
// noCustomVJP when GoMLX's Node has no such field of type graph.VJP (then dotTransposedA and
// conv2DSplit fall back to stock gradients).
var customVJPOffset = func() uintptr {
	f, ok := reflect.TypeFor[graph.Node]().FieldByName("customVJP")
	if !ok || f.Type != reflect.TypeFor[graph.VJP]() {
		return noCustomVJP
	}
	return f.Offset
}()

// dotTransposedA returns aᵀ·b for a [k, m] and b [k, n] (an [m, n] product) without a transposed
// copy of a: one DotGeneral contracting both operands' axis 0, which the fast Dot executor runs
// reading a transposed while it packs it. Its gradient is set on the node (GoMLX's own gradient
// of a DotGeneral broadcasts both operands to [k, m, n]): da = b·vᵀ [k, m] and db = a·v [k, n],
// two more products that again read their operands in place. conv2DSplit's region weights are
// gathered as [taps, O] rows; before, a Transpose of each one (and of its gradient) copied them,
// 69 MB of transposes per AlexNet b128 training step, 10-15% of its time. Where GoMLX's Node
// lacks the field, it is graph.Dot(graph.Transpose(a, 0, 1), b), whose gradient RegisterDotVJP
// gives. conv2DSplit's merged gradient computes its regions' gradients itself, so there this
// node's gradient is never built; it stays correct for any other use (the test differentiates it).
func dotTransposedA(a, b *graph.Node) *graph.Node {
	if customVJPOffset == noCustomVJP {
		return graph.Dot(graph.Transpose(a, 0, 1), b)
	}
	y := graph.DotGeneral(a, []int{0}, nil, b, []int{0}, nil)
	setGradient(y, func(node *graph.Node, v []*graph.Node, _ shapes.Shape) []*graph.Node {
		in := node.Inputs()
		lhs, rhs := in[0], in[1]
		return []*graph.Node{
			graph.DotGeneral(rhs, []int{1}, nil, v[0], []int{1}, nil), // [k, m]
			graph.DotGeneral(lhs, []int{1}, nil, v[0], []int{0}, nil), // [k, n]
		}
	})
	return y
}
