package nets

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"
	"github.com/gomlx/gomlx/ui/commandline"

	"github.com/hybridprune/hybridprune/nets/data"
)

// TrainConfig configures Train. Zero values take the defaults documented per field.
type TrainConfig struct {
	// Epochs to train (> 0).
	Epochs int
	// BatchSize of training steps (default 128). Every step has this size: the remainder of an
	// epoch is dropped, as one graph is compiled per batch shape.
	BatchSize int
	// EvalBatchSize for evaluation (default 500).
	EvalBatchSize int
	// Optimizer is "sgd" (momentum SGD, the default) or "adam" (AdamW when WeightDecay > 0).
	Optimizer string
	// LearningRate (default 0.05 for sgd, 0.001 for adam).
	LearningRate float64
	// Momentum of "sgd": nil means the default 0.9; Float(0) means plain SGD.
	Momentum *float64
	// WeightDecay (L2 for sgd, decoupled for adam): nil means the default, 5e-4 for sgd and 0 for
	// adam; Float(0) means none.
	WeightDecay *float64
	// Schedule of the learning rate: "cosine" (default: one cosine decay over the whole run) or
	// "constant".
	Schedule string
	// Augment turns on random crops (and flips where the dataset allows them).
	Augment bool
	// Seed for shuffling and augmentation (dropout uses GoMLX's RNG).
	Seed uint64
	// CheckpointDir, when set, keeps GoMLX checkpoints (weights, optimizer state, step) and the
	// per-epoch history there: an interrupted run started again with the same directory resumes
	// where its last checkpoint left it, losing at most CheckpointEvery of work.
	CheckpointDir string
	// CheckpointEvery is the period of mid-epoch checkpoints (default 2 minutes); one is also
	// written at the end of every epoch.
	CheckpointEvery time.Duration
	// Masks (may be nil) fixes N:M or unstructured masks: masked weights stay exactly zero.
	Masks Weights
	// StopAfter, when > 0, ends this invocation after that many epochs have been trained in it
	// (the run stays resumable): a way to train "as far as time allows" in slices.
	StopAfter int
	// stopAtStep, when > 0, ends this invocation once the global step reaches it, after a
	// checkpoint and before that epoch's evaluation (tests: a run killed mid-epoch, or right
	// after the checkpoint of an epoch's last step).
	stopAtStep int
	// ProgressBar shows GoMLX's progress bar on the terminal.
	ProgressBar bool
	// OnEpoch, when set, is called after every epoch's evaluation (also for epochs restored from a
	// checkpoint's history, with Resumed set).
	OnEpoch func(EpochStats)
	// Evaluate, when set, replaces the GoMLX evaluation of the test set after every epoch; it gets
	// the epoch's weights. The CLI and the experiments pass engine.Evaluate (the inference engine,
	// which matches the graph to 1e-4 and runs faster); nil keeps Evaluate.
	Evaluate EvalFunc
}

// EvalFunc evaluates weights on a dataset in batches (Evaluate, engine.Evaluate).
type EvalFunc func(spec *Spec, w Weights, ds *data.Dataset, batchSize int) (EvalResult, error)

// EpochStats reports one training epoch.
type EpochStats struct {
	Epoch int `json:"epoch"` // 1-based
	// TrainLoss is the moving average of the batch loss; 0 for an epoch whose steps had all run
	// before a resume (its evaluation came after it: the average was not kept).
	TrainLoss    float64 `json:"train_loss"`
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	// Seconds of training steps (evaluation excluded) and the resulting throughput.
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
	Resumed      bool    `json:"-"`
}

// Diverging reports whether the epoch looks like a recipe that does not train: the test accuracy
// at chance (at most 1.2/classes) while the training loss is not finite or above ln(classes), the
// loss of a uniform guess. (VGG16-BN at SGD lr 0.05 on CIFAR-10: 0.119 and 3.84 after 2 epochs,
// against 0.474 and 1.74 at lr 0.01.) Tiny data can look like this for an epoch or two without
// being wrong, so callers warn rather than stop.
func (s EpochStats) Diverging(classes int) bool {
	if classes < 2 {
		return false
	}
	lossHigh := math.IsNaN(s.TrainLoss) || math.IsInf(s.TrainLoss, 0) || s.TrainLoss > math.Log(float64(classes))
	return lossHigh && s.TestAccuracy <= 1.2/float64(classes)
}

// TrainResult is what Train returns: the trained weights and the history.
type TrainResult struct {
	Spec    *Spec
	Weights Weights
	Epochs  []EpochStats
}

// Final returns the last epoch's stats.
func (r *TrainResult) Final() EpochStats {
	if len(r.Epochs) == 0 {
		return EpochStats{}
	}
	return r.Epochs[len(r.Epochs)-1]
}

// Float returns a pointer to v, for the optional fields of TrainConfig (Momentum, WeightDecay).
func Float(v float64) *float64 { return &v }

func (c *TrainConfig) withDefaults() (TrainConfig, error) {
	d := *c
	if d.Epochs <= 0 {
		return d, fmt.Errorf("train config: epochs=%d, want > 0", d.Epochs)
	}
	if d.BatchSize == 0 {
		d.BatchSize = 128
	}
	if d.EvalBatchSize == 0 {
		d.EvalBatchSize = 500
	}
	if d.BatchSize < 0 || d.EvalBatchSize < 0 {
		return d, fmt.Errorf("train config: batch sizes must be positive (batch=%d, eval batch=%d)", d.BatchSize, d.EvalBatchSize)
	}
	switch d.Optimizer {
	case "", "sgd":
		d.Optimizer = "sgd"
		if d.LearningRate == 0 {
			d.LearningRate = 0.05
		}
		if d.Momentum == nil {
			d.Momentum = Float(0.9)
		}
		if d.WeightDecay == nil {
			d.WeightDecay = Float(5e-4)
		}
	case "adam":
		if d.LearningRate == 0 {
			d.LearningRate = 0.001
		}
		if d.Momentum != nil {
			return d, fmt.Errorf("train config: momentum is an sgd setting; adam has none")
		}
		if d.WeightDecay == nil {
			d.WeightDecay = Float(0)
		}
	default:
		return d, fmt.Errorf("train config: optimizer %q, want sgd or adam", d.Optimizer)
	}
	if !(d.LearningRate > 0) || math.IsInf(d.LearningRate, 0) {
		return d, fmt.Errorf("train config: learning rate %g must be a positive finite number", d.LearningRate)
	}
	if v := *d.WeightDecay; !(v >= 0) || math.IsInf(v, 0) {
		return d, fmt.Errorf("train config: weight decay %g must be a finite number >= 0", v)
	}
	if d.Momentum != nil {
		if v := *d.Momentum; !(v >= 0 && v < 1) {
			return d, fmt.Errorf("train config: momentum %g outside [0, 1)", v)
		}
	}
	switch d.Schedule {
	case "":
		d.Schedule = "cosine"
	case "cosine", "constant":
	default:
		return d, fmt.Errorf("train config: schedule %q, want cosine or constant", d.Schedule)
	}
	if d.CheckpointEvery == 0 {
		d.CheckpointEvery = 2 * time.Minute
	}
	return d, nil
}

func (c *TrainConfig) optimizer() optimizers.Interface {
	if c.Optimizer == "adam" {
		return optimizers.Adam().LearningRate(c.LearningRate).WeightDecay(*c.WeightDecay).Done()
	}
	return MomentumSGD{LearningRate: c.LearningRate, Momentum: *c.Momentum, WeightDecay: *c.WeightDecay}
}

// SparseCrossEntropy, the training loss of Train (and trainbench), is the mean cross-entropy of logits [B, classes] with int32 labels [B].
func SparseCrossEntropy(labels, predictions []*graph.Node) *graph.Node {
	return losses.SparseCategoricalCrossEntropyLogits([]*graph.Node{graph.InsertAxes(labels[0], -1)}, predictions)
}

// Train trains spec, starting from init (use spec.InitWeights for a fresh model), on trainSet and
// evaluates on testSet after every epoch. With cfg.CheckpointDir set the run is resumable.
func Train(spec *Spec, init Weights, trainSet, testSet *data.Dataset, cfg TrainConfig) (*TrainResult, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkDataMatchesSpec(spec, trainSet); err != nil {
		return nil, err
	}
	if err := checkDataMatchesSpec(spec, testSet); err != nil {
		return nil, err
	}
	if init == nil {
		init = spec.InitWeights(cfg.Seed)
	}
	if cfg.Masks != nil {
		init = init.Clone()
		if err := applyMasks(spec, init, cfg.Masks); err != nil {
			return nil, err
		}
	}
	backend, err := Backend()
	if err != nil {
		return nil, err
	}
	modelFn, err := ModelFn(spec, cfg.Masks)
	if err != nil {
		return nil, err
	}
	stepsPerEpoch := trainSet.N / cfg.BatchSize
	if stepsPerEpoch == 0 {
		return nil, fmt.Errorf("train: %d training examples are fewer than one batch of %d", trainSet.N, cfg.BatchSize)
	}
	totalSteps := stepsPerEpoch * cfg.Epochs

	ctx := context.New()
	var ckpt *checkpoints.Handler
	var history []EpochStats
	if cfg.CheckpointDir != "" {
		if ckpt, history, err = openCheckpoint(ctx, spec, cfg.CheckpointDir); err != nil {
			return nil, err
		}
	}
	if err := InitVariables(ctx, spec, init); err != nil {
		return nil, err
	}

	trainModelFn := modelFn
	if cfg.Schedule == "cosine" {
		trainModelFn = func(ctx *context.Context, spec any, inputs []*graph.Node) []*graph.Node {
			cosineschedule.New(ctx, inputs[0].Graph(), dtypes.Float32).
				LearningRate(cfg.LearningRate).PeriodSteps(totalSteps).Done()
			return modelFn(ctx, spec, inputs)
		}
	}
	trainer := train.NewTrainer(backend, ctx, trainModelFn, SparseCrossEntropy, cfg.optimizer(), nil, nil)
	// One train.Loop per epoch: GoMLX's progress bar closes its update channel when a loop's
	// RunSteps ends, so a loop (with a progress bar) cannot run a second epoch.
	newLoop := func() *train.Loop {
		loop := train.NewLoop(trainer)
		if cfg.ProgressBar {
			commandline.AttachProgressBar(loop)
		}
		if ckpt != nil {
			train.PeriodicCallback(loop, cfg.CheckpointEvery, false, "checkpoint", 100,
				func(*train.Loop, []*tensors.Tensor) error { return ckpt.Save() })
		}
		return loop
	}

	trainDS, err := data.NewGoMLXDataset(trainSet, data.BatcherOptions{
		BatchSize: cfg.BatchSize, Shuffle: true, Seed: cfg.Seed, Augment: cfg.Augment, DropRemainder: true, Prefetch: true})
	if err != nil {
		return nil, err
	}
	evaluate := cfg.Evaluate
	if evaluate == nil {
		ev, err := newEvaluator(spec, ctx) // on the training context's variables: no copy per epoch
		if err != nil {
			return nil, err
		}
		evaluate = func(_ *Spec, _ Weights, ds *data.Dataset, batch int) (EvalResult, error) { return ev.run(ds, batch) }
	}

	step := int(optimizers.GetGlobalStep(ctx))
	if step > totalSteps {
		return nil, fmt.Errorf("train: checkpoint in %s is at step %d, past this run's %d steps (%d epochs): use a new directory or more epochs",
			cfg.CheckpointDir, step, totalSteps, cfg.Epochs)
	}
	if len(history) > step/stepsPerEpoch {
		history = history[:step/stepsPerEpoch]
	}
	for _, h := range history {
		h.Resumed = true
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(h)
		}
	}
	first := step / stepsPerEpoch
	if first > 0 && step == first*stepsPerEpoch && len(history) == first-1 {
		// A checkpoint of an epoch's last step without its evaluation (a periodic checkpoint on
		// that step, or a kill before the history was written): evaluate that epoch now.
		first--
	}
	for epoch := first; epoch < cfg.Epochs; epoch++ {
		if cfg.StopAfter > 0 && epoch-first >= cfg.StopAfter {
			break
		}
		done := int(optimizers.GetGlobalStep(ctx))
		if epoch == first {
			// A checkpoint taken mid-epoch resumes at the batch after its last step, not at the
			// epoch's first batch (which would train that many batches twice and skip as many).
			if err := trainDS.Batcher().Seek(epoch, done-epoch*stepsPerEpoch); err != nil {
				return nil, fmt.Errorf("train %q: resuming at step %d: %w", spec.Name, done, err)
			}
		}
		remaining := (epoch+1)*stepsPerEpoch - done
		if cfg.stopAtStep > 0 && done+remaining > cfg.stopAtStep {
			remaining = cfg.stopAtStep - done
		}
		start := time.Now()
		metrics, err := newLoop().RunSteps(trainDS, remaining)
		if err != nil {
			return nil, fmt.Errorf("train %q epoch %d: %w", spec.Name, epoch+1, err)
		}
		if cfg.stopAtStep > 0 && done+remaining == cfg.stopAtStep {
			if ckpt != nil { // keep the step's state, as a kill right after a checkpoint would
				if err := ckpt.Save(); err != nil {
					return nil, fmt.Errorf("saving checkpoint: %w", err)
				}
			}
			break
		}
		secs := time.Since(start).Seconds()
		stats := EpochStats{Epoch: epoch + 1, Seconds: secs, ImagesPerSec: float64(remaining*cfg.BatchSize) / secs, TrainLoss: math.NaN()}
		if len(metrics) > 1 {
			stats.TrainLoss = scalar(metrics[1]) // moving average of the batch loss
		} else if remaining == 0 {
			stats.TrainLoss = 0 // evaluated on resume: its steps' loss average went with the process
		}
		var cur Weights
		if cfg.Evaluate != nil {
			if cur, err = ReadWeights(ctx, spec); err != nil {
				return nil, err
			}
		}
		ev, err := evaluate(spec, cur, testSet, cfg.EvalBatchSize)
		if err != nil {
			return nil, err
		}
		stats.TestLoss, stats.TestAccuracy = ev.Loss, ev.Accuracy
		history = append(history, stats)
		if ckpt != nil {
			// History first: a kill between the two leaves an entry past the checkpoint's step,
			// which the resume drops, rather than a checkpoint whose epoch has no entry.
			if err := writeJSONAtomic(filepath.Join(cfg.CheckpointDir, historyFile), history); err != nil {
				return nil, err
			}
			if err := ckpt.Save(); err != nil {
				return nil, fmt.Errorf("saving checkpoint: %w", err)
			}
		}
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(stats)
		}
		trainDS.Reset()
	}
	w, err := ReadWeights(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &TrainResult{Spec: spec, Weights: w, Epochs: history}, nil
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

func checkDataMatchesSpec(spec *Spec, ds *data.Dataset) error {
	if ds == nil {
		return errors.New("train: nil dataset")
	}
	if ds.C != spec.Input.C || ds.H != spec.Input.H || ds.W != spec.Input.W {
		return fmt.Errorf("dataset %s (%s) has images %dx%dx%d, but spec %q takes %s",
			ds.Name, ds.Split, ds.C, ds.H, ds.W, spec.Name, spec.Input)
	}
	if ds.NumClasses != spec.NumClasses {
		return fmt.Errorf("dataset %s has %d classes, but spec %q outputs %d", ds.Name, ds.NumClasses, spec.Name, spec.NumClasses)
	}
	return nil
}

// applyMasks multiplies weights by masks in place, checking names and shapes.
func applyMasks(spec *Spec, w, masks Weights) error {
	for name, m := range masks {
		t, ok := w[name]
		if !ok {
			return fmt.Errorf("mask %q: spec %q has no such parameter", name, spec.Name)
		}
		if len(t.Data) != len(m.Data) {
			return fmt.Errorf("mask %q has %d values, the weight %v has %d", name, len(m.Data), t.Shape, len(t.Data))
		}
		for i, v := range m.Data {
			t.Data[i] *= v
		}
	}
	return nil
}

// exists reports whether a path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
