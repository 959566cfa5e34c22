package workaround

import (
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// setGradient sets node's gradient function (graph.Node's customVJP, found by reflection:
// customVJPOffset; callers check that it was found).
func setGradient(node *graph.Node, vjp graph.VJP) {
	*(*graph.VJP)(unsafe.Add(unsafe.Pointer(node), customVJPOffset)) = vjp
}

// mergedGradient returns s.y with the gradient of the whole padding-aware conv set in one place
// (s built on flat and wt). GoMLX's autodiff sums one
// gradient per use of a node, so with every region gathering from flat and wt each region's
// gradient was a zeroed full-size tensor with its rows scattered in, then added to the others:
// per AlexNet b128 step 57 MB of zero fills and 13M elements of adds, and a conv split into 16
// regions ran barely faster than one unsplit product. Here each region's two products run as
// before (dcols = wrᵀ·v, dwr = cols·vᵀ), and the regions' results are scatter-added one after the
// other into one zeroed tensor of flat's shape and one of wt's (each scatter takes the previous
// one's buffer over, in place: no per-region zero fill, no adds, no concatenation).
//
// The gradient has to reach flat and wt, which only a node they feed directly can return, so the
// output carries a scalar anchor: y + min(|flat[0, 0] + wt[0, 0]|, 0), which adds 0 (a NaN in
// flat[0, 0] or wt[0, 0] turns the whole output NaN, where a NaN elsewhere reaches only its own
// outputs; training has diverged by then either way). The output node's gradient records the
// incoming v (autodiff visits nodes from the last created back, so it comes first), sends zeros
// to the anchor and nothing to the regions' products (so their own gradients are never built),
// and the two one-value slices of flat and wt under the anchor then return the merged gradients.
// It is not differentiable twice. The anchor costs one scalar add over y per split conv in a
// graph's forward pass (evaluation runs on the inference engine, which does not build it).
func (s splitRegions) mergedGradient(flat, wt *graph.Node) *graph.Node {
	g := flat.Graph()
	var vr []*graph.Node // per region, its block of the output's gradient as [O, npos*n]
	needV := func() []*graph.Node {
		if vr == nil { // set by the output's gradient in every graph.Gradient, before this one
			panic("workaround: conv2DSplit's gradient reached its inputs before its output (GoMLX's autodiff order changed)")
		}
		return vr
	}
	flat0 := graph.Slice(flat, graph.AxisRange(0, 1), graph.AxisRange(0, 1))
	wt0 := graph.Slice(wt, graph.AxisRange(0, 1), graph.AxisRange(0, 1))
	setGradient(flat0, func(*graph.Node, []*graph.Node, shapes.Shape) []*graph.Node {
		vs, acc := needV(), graph.Zeros(g, flat.Shape())
		for i, r := range s.regions {
			d := graph.DotGeneral(r.wr, []int{1}, nil, vs[i], []int{0}, nil) // [k, npos*n]
			acc = graph.ScatterSum(acc, r.idx, graph.Reshape(d, r.k*r.npos, s.n), false, false)
		}
		return []*graph.Node{acc}
	})
	setGradient(wt0, func(*graph.Node, []*graph.Node, shapes.Shape) []*graph.Node {
		vs, acc := needV(), graph.Zeros(g, wt.Shape())
		for i, r := range s.regions {
			d := graph.DotGeneral(r.cols, []int{1}, nil, vs[i], []int{1}, nil) // [k, O]
			acc = graph.ScatterSum(acc, r.taps, d, false, false)
		}
		return []*graph.Node{acc}
	})
	anchor := graph.Min(graph.Abs(graph.Reshape(graph.Add(flat0, wt0))), graph.ScalarZero(g, flat.DType()))
	z := graph.Add(s.y, anchor)
	setGradient(z, func(node *graph.Node, v []*graph.Node, _ shapes.Shape) []*graph.Node {
		vr = make([]*graph.Node, len(s.regions))
		for i, r := range s.regions {
			block := graph.Slice(v[0], graph.AxisRange(), graph.AxisRange(r.sy.O0, r.sy.O1), graph.AxisRange(r.sx.O0, r.sx.O1), graph.AxisRange())
			vr[i] = graph.Reshape(block, s.out, r.npos*s.n)
		}
		in := node.Inputs()
		return []*graph.Node{nil, graph.ZerosLike(in[1])}
	})
	return z
}
