package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/hybridprune/hybridprune/nets/workaround"
)

// ModelFn returns a GoMLX train.ModelFn computing the spec's logits [B, NumClasses] from images
// [B, C, H, W] (inputs[0]). Parameters are the context variables created by LoadWeights, one
// scope per layer name. Masks (may be nil) maps weight names to fixed 0/1 tensors: the forward
// uses weight ⊙ mask, so masked entries get no gradient, and after every optimizer step the stored
// weight is multiplied by the mask again, so masked weights stay exactly zero during training.
func ModelFn(spec *Spec, masks Weights) (train.ModelFn, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, err
	}
	for name := range masks {
		if spec.Index(layerOf(name)) < 0 {
			return nil, fmt.Errorf("mask %q: spec %q has no layer %q", name, spec.Name, layerOf(name))
		}
	}
	workaround.RegisterDotVJP()
	return func(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
		return []*graph.Node{buildLogits(ctx, spec, shapes, masks, inputs[0])}
	}, nil
}

func layerOf(param string) string {
	for i := len(param) - 1; i >= 0; i-- {
		if param[i] == '/' {
			return param[:i]
		}
	}
	return param
}

// param returns the graph value of a layer's parameter, panicking (GoMLX graph-building style)
// with a clear message when LoadWeights was not called for it.
func param(ctx *context.Context, g *graph.Graph, layer, name string) (*context.Variable, *graph.Node) {
	v := ctx.In(layer).GetVariable(name)
	if v == nil {
		panic(fmt.Sprintf("nets: no variable %s/%s in the context: call LoadWeights first", layer, name))
	}
	return v, v.ValueGraph(g)
}

// biasNode returns a conv or dense layer's bias, or zeros for a layer with NoBias.
func biasNode(ctx *context.Context, g *graph.Graph, l Layer) *graph.Node {
	if l.NoBias {
		return graph.Zeros(g, shapes.Make(dtypes.Float32, l.OutChannels))
	}
	_, b := param(ctx, g, l.Name, "bias")
	return b
}

// maskedWeight returns weight ⊙ mask when the layer is masked, and registers the per-step
// re-masking of the stored variable.
func maskedWeight(ctx *context.Context, g *graph.Graph, layer string, masks Weights) *graph.Node {
	v, w := param(ctx, g, layer, "weight")
	m, ok := masks[layer+"/weight"]
	if !ok {
		return w
	}
	mask := graph.Const(g, m.Data)
	mask = graph.Reshape(mask, w.Shape().Dimensions...)
	if ctx.IsTraining(g) {
		train.AddPerStepUpdateGraphFn(ctx.In(layer).In("mask"), g, func(_ *context.Context, g *graph.Graph) {
			v.SetValueGraph(graph.Mul(v.ValueGraph(g), mask))
		})
	}
	return graph.Mul(w, mask)
}

// buildLogits lays activations out as [C, H, W, B] (batch last) so that each conv is one matrix
// product [O, K] x [K, H'*W'*B] and flatten keeps PyTorch's channel-major feature order.
func buildLogits(ctx *context.Context, spec *Spec, shapes []Shape, masks Weights, images *graph.Node) *graph.Node {
	g := images.Graph()
	training := ctx.IsTraining(g)
	batch := images.Shape().Dimensions[0]
	x := graph.TransposeAllDims(images, 1, 2, 3, 0)
	in := spec.Input
	outs := make([]*graph.Node, len(spec.Layers)) // every layer's output, for Input and From
	for i, l := range spec.Layers {
		if j := spec.SourceOf(i); l.Input != "" {
			x, in = outs[j], shapes[j]
		}
		if build := kinds[l.Kind].graph; build != nil {
			x = build(&graphCtx{ctx: ctx, g: g, spec: spec, l: l, x: x, in: in, batch: batch, training: training, masks: masks, outs: outs})
		}
		outs[i] = x
		in = shapes[i]
	}
	return graph.Transpose(x, 0, 1) // [classes, B] -> [B, classes]
}
