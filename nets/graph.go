package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
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
		switch l.Kind {
		case KindConv:
			b := biasNode(ctx, g, l)
			geom := workaround.ConvGeometry{InC: in.C, InH: in.H, InW: in.W, Kernel: l.Kernel, Stride: l.Stride, Padding: l.Padding}
			x = workaround.Conv2D(x, maskedWeight(ctx, g, l.Name, masks), b, geom)
		case KindBatchNorm:
			flat := x.Rank() == 2 // after Flatten: [features, B]
			if flat {
				x = graph.Reshape(x, in.C, 1, 1, batch)
			}
			_, scale := param(ctx, g, l.Name, "scale")
			_, offset := param(ctx, g, l.Name, "offset")
			meanVar, mean := param(ctx, g, l.Name, "mean")
			varVar, variance := param(ctx, g, l.Name, "variance")
			if training {
				var newMean, newVar *graph.Node
				x, newMean, newVar = workaround.BatchNormTrain(x, scale, offset, mean, variance, BatchNormEpsilon)
				meanVar.SetValueGraph(newMean)
				varVar.SetValueGraph(newVar)
			} else {
				x = workaround.BatchNormInfer(x, scale, offset, mean, variance, BatchNormEpsilon)
			}
			if flat {
				x = graph.Reshape(x, in.C, batch)
			}
		case KindReLU:
			x = graph.Max(x, graph.ZerosLike(x))
		case KindMaxPool:
			x = workaround.MaxPool(x, l.Window)
		case KindDropout:
			if training && l.Rate > 0 {
				x = layers.DropoutStatic(ctx.In(l.Name), x, l.Rate)
			}
		case KindFlatten:
			x = graph.Reshape(x, in.Size(), batch)
		case KindDense:
			b := biasNode(ctx, g, l)
			x = graph.Add(graph.Dot(maskedWeight(ctx, g, l.Name, masks), x), graph.Reshape(b, l.OutChannels, 1))
		case KindAdd:
			x = graph.Add(x, outs[spec.Index(l.From)])
		case KindGlobalAvgPool:
			x = graph.ReduceAndKeep(x, graph.ReduceMean, 1, 2) // [C, H, W, B] -> [C, 1, 1, B]
		}
		outs[i] = x
		in = shapes[i]
	}
	return graph.Transpose(x, 0, 1) // [classes, B] -> [B, classes]
}
