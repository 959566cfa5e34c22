package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
)

// Predictor runs a spec's inference forward on the GoMLX backend (batch-norm with running
// statistics, dropout off). One compiled graph is cached per batch size.
type Predictor struct {
	spec *Spec
	ctx  *context.Context
	exec *context.Exec
}

// NewPredictor compiles nothing yet: graphs are built on the first call for each batch size.
func NewPredictor(spec *Spec, w Weights) (*Predictor, error) {
	ctx := context.New()
	if err := LoadWeights(ctx, spec, w); err != nil {
		return nil, err
	}
	return newPredictorFromContext(spec, ctx)
}

func newPredictorFromContext(spec *Spec, ctx *context.Context) (*Predictor, error) {
	backend, modelFn, err := inferenceModel(spec)
	if err != nil {
		return nil, err
	}
	exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, images *graph.Node) *graph.Node {
		return modelFn(ctx, nil, []*graph.Node{images})[0]
	})
	if err != nil {
		return nil, fmt.Errorf("compiling the inference graph of %q: %w", spec.Name, err)
	}
	return &Predictor{spec: spec, ctx: ctx, exec: exec}, nil
}

// Logits returns the logits (n x NumClasses, row-major) of n images given NCHW.
func (p *Predictor) Logits(x []float32, n int) ([]float32, error) {
	in := p.spec.Input
	if len(x) != n*in.Size() {
		return nil, fmt.Errorf("predict %q: input has %d values, want %d (n=%d x %s)", p.spec.Name, len(x), n*in.Size(), n, in)
	}
	t := tensors.FromFlatDataAndDimensions(x, n, in.C, in.H, in.W)
	out, err := p.exec.Exec(t)
	if err != nil {
		return nil, fmt.Errorf("predict %q: %w", p.spec.Name, err)
	}
	return tensors.CopyFlatData[float32](out[0])
}

// inferenceModel returns the backend and the unmasked model function that inference graphs
// (Predictor, Evaluate) are built from.
func inferenceModel(spec *Spec) (backends.Backend, train.ModelFn, error) {
	backend, err := Backend()
	if err != nil {
		return nil, nil, err
	}
	modelFn, err := ModelFn(spec, nil)
	if err != nil {
		return nil, nil, err
	}
	return backend, modelFn, nil
}
