package pruner

import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
)

// GoMLXTrainer implements FineTuner, Evaluator and LossEvaluator with the GoMLX training and
// evaluation of package nets: fine-tuning is nets.Train from the given weights with the masks
// held fixed; evaluation is Config.Evaluate (the CLI passes the engine's) or else nets.Evaluate,
// on Test.
type GoMLXTrainer struct {
	Train, Test *data.Dataset
	// Config is the training configuration of every fine-tuning run; its Epochs, Masks and
	// CheckpointDir are set per call.
	Config nets.TrainConfig
	// OnEpoch, when set, is called after every fine-tuning epoch.
	OnEpoch func(spec *nets.Spec, s nets.EpochStats)
}

// FineTune implements FineTuner.
func (t *GoMLXTrainer) FineTune(spec *nets.Spec, w, masks nets.Weights, epochs int) (nets.Weights, error) {
	if epochs == 0 {
		return w, nil
	}
	cfg := t.Config
	cfg.Epochs, cfg.Masks, cfg.CheckpointDir = epochs, masks, ""
	if t.OnEpoch != nil {
		cfg.OnEpoch = func(s nets.EpochStats) { t.OnEpoch(spec, s) }
	}
	res, err := nets.Train(spec, w, t.Train, t.Test, cfg)
	if err != nil {
		return nil, fmt.Errorf("fine-tuning %q: %w", spec.Name, err)
	}
	return res.Weights, nil
}

// Evaluate implements Evaluator: top-1 accuracy on Test.
func (t *GoMLXTrainer) Evaluate(spec *nets.Spec, w nets.Weights) (float64, error) {
	r, err := t.eval(spec, w)
	return r.Accuracy, err
}

// Loss implements LossEvaluator: mean cross-entropy on Test.
func (t *GoMLXTrainer) Loss(spec *nets.Spec, w nets.Weights) (float64, error) {
	r, err := t.eval(spec, w)
	return r.Loss, err
}

func (t *GoMLXTrainer) eval(spec *nets.Spec, w nets.Weights) (nets.EvalResult, error) {
	if t.Config.Evaluate != nil {
		return t.Config.Evaluate(spec, w, t.Test, t.Config.EvalBatchSize)
	}
	return nets.Evaluate(spec, w, t.Test, t.Config.EvalBatchSize)
}

var (
	_ FineTuner     = (*GoMLXTrainer)(nil)
	_ Evaluator     = (*GoMLXTrainer)(nil)
	_ LossEvaluator = (*GoMLXTrainer)(nil)
)
