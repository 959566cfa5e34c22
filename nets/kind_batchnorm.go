package nets

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/hybridprune/hybridprune/nets/workaround"
)

// KindBatchNorm is batch normalisation over OutChannels channels (or features after flatten);
// its parameters are "<name>/scale", "<name>/offset" (learned), "<name>/mean" and
// "<name>/variance" (running statistics), each [out].
const KindBatchNorm LayerKind = "batchnorm"

// BatchNormEpsilon is the epsilon added to the variance by every batch-norm (PyTorch's default).
const BatchNormEpsilon = 1e-5

func init() {
	registerKind(kindInfo{
		kind: KindBatchNorm, prefix: "bn", channels: ChannelsNormalize,
		shape: func(c *shapeCtx) (Shape, error) {
			if c.l.OutChannels != c.in.C {
				return Shape{}, c.errorf("out=%d but %s outputs %d channels", c.l.OutChannels, c.spec.inputName(c.l), c.in.C)
			}
			return c.in, nil
		},
		params: func(l Layer) []ParamSpec {
			return []ParamSpec{
				{l.Name + "/scale", []int{l.OutChannels}, true},
				{l.Name + "/offset", []int{l.OutChannels}, true},
				{l.Name + "/mean", []int{l.OutChannels}, false},
				{l.Name + "/variance", []int{l.OutChannels}, false},
			}
		},
		config: func(l Layer) string { return fmt.Sprintf("%d", l.OutChannels) },
		forward: func(f *forwardCtx) []float32 {
			p := func(name string) []float32 { return f.w[f.l.Name+"/"+name].Data }
			return refBatchNorm(f.x, f.n, f.in, p("scale"), p("offset"), p("mean"), p("variance"))
		},
		graph: graphBatchNorm,
	})
}

func graphBatchNorm(b *graphCtx) *graph.Node {
	x, in, l := b.x, b.in, b.l
	flat := x.Rank() == 2 // after Flatten: [features, B]
	if flat {
		x = graph.Reshape(x, in.C, 1, 1, b.batch)
	}
	_, scale := param(b.ctx, b.g, l.Name, "scale")
	_, offset := param(b.ctx, b.g, l.Name, "offset")
	meanVar, mean := param(b.ctx, b.g, l.Name, "mean")
	varVar, variance := param(b.ctx, b.g, l.Name, "variance")
	if b.training {
		var newMean, newVar *graph.Node
		x, newMean, newVar = workaround.BatchNormTrain(x, scale, offset, mean, variance, BatchNormEpsilon)
		meanVar.SetValueGraph(newMean)
		varVar.SetValueGraph(newVar)
	} else {
		x = workaround.BatchNormInfer(x, scale, offset, mean, variance, BatchNormEpsilon)
	}
	if flat {
		x = graph.Reshape(x, in.C, b.batch)
	}
	return x
}

func refBatchNorm(x []float32, n int, in Shape, scale, offset, mean, variance []float32) []float32 {
	y := make([]float32, len(x))
	hw := in.H * in.W
	for b := 0; b < n; b++ {
		for c := 0; c < in.C; c++ {
			inv := float64(scale[c]) / math.Sqrt(float64(variance[c])+BatchNormEpsilon)
			base := (b*in.C + c) * hw
			for j := 0; j < hw; j++ {
				y[base+j] = float32((float64(x[base+j])-float64(mean[c]))*inv + float64(offset[c]))
			}
		}
	}
	return y
}
