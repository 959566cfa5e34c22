package nets

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hybridprune/hybridprune/nets/data"
)

// EvalResult is the mean cross-entropy loss and the top-1 accuracy on a dataset.
type EvalResult struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	N        int     `json:"n"`
}

// Evaluate runs the spec with weights w on every example of ds (inference mode) on the GoMLX
// backend and returns the mean loss and accuracy.
func Evaluate(spec *Spec, w Weights, ds *data.Dataset, batchSize int) (EvalResult, error) {
	if err := checkDataMatchesSpec(spec, ds); err != nil {
		return EvalResult{}, err
	}
	ctx := context.New()
	if err := LoadWeights(ctx, spec, w); err != nil {
		return EvalResult{}, err
	}
	ev, err := newEvaluator(spec, ctx)
	if err != nil {
		return EvalResult{}, err
	}
	return ev.run(ds, batchSize)
}

// evaluator computes, per batch, the summed loss and the number of correct predictions.
type evaluator struct {
	spec *Spec
	exec *context.Exec
}

func newEvaluator(spec *Spec, ctx *context.Context) (*evaluator, error) {
	backend, modelFn, err := inferenceModel(spec)
	if err != nil {
		return nil, err
	}
	exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, images, labels *graph.Node) (*graph.Node, *graph.Node) {
		logits := modelFn(ctx, nil, []*graph.Node{images})[0]
		logProbs := graph.LogSoftmax(logits, -1)
		onehot := graph.OneHot(labels, spec.NumClasses, dtypes.Float32)
		lossSum := graph.Neg(graph.ReduceAllSum(graph.Mul(logProbs, onehot)))
		pred := graph.ArgMax(logits, 1, dtypes.Int32)
		correct := graph.ReduceAllSum(graph.ConvertDType(graph.Equal(pred, labels), dtypes.Float32))
		return lossSum, correct
	})
	if err != nil {
		return nil, fmt.Errorf("building the evaluation graph of %q: %w", spec.Name, err)
	}
	return &evaluator{spec: spec, exec: exec}, nil
}

func (e *evaluator) run(ds *data.Dataset, batchSize int) (EvalResult, error) {
	if batchSize <= 0 {
		batchSize = 500
	}
	b, err := data.NewBatcher(ds, data.BatcherOptions{BatchSize: batchSize, Prefetch: true})
	if err != nil {
		return EvalResult{}, err
	}
	var lossSum, correct float64
	n := 0
	for i := 0; i < b.NumBatches(); i++ {
		batch, err := b.Next()
		if err != nil {
			return EvalResult{}, fmt.Errorf("evaluating %q on %s: %w", e.spec.Name, ds.Name, err)
		}
		x := tensors.FromFlatDataAndDimensions(batch.X, batch.Size, batch.C, batch.H, batch.W)
		y := tensors.FromFlatDataAndDimensions(batch.Y, batch.Size)
		out, err := e.exec.Exec(x, y)
		if err != nil {
			return EvalResult{}, fmt.Errorf("evaluating %q on %s: %w", e.spec.Name, ds.Name, err)
		}
		lossSum += scalar(out[0])
		correct += scalar(out[1])
		n += batch.Size
	}
	if n == 0 {
		return EvalResult{}, fmt.Errorf("evaluating %q: dataset %s is empty", e.spec.Name, ds.Name)
	}
	return EvalResult{Loss: lossSum / float64(n), Accuracy: correct / float64(n), N: n}, nil
}
