package pruner

import (
	"fmt"
	"math"
	"time"

	"github.com/hybridprune/hybridprune/nets"
)

// FineTuner trains a model for some epochs. masks (nil when there are none) are 0/1 tensors named
// like the weights they mask; the implementation must keep masked weights at exactly zero.
type FineTuner interface {
	FineTune(spec *nets.Spec, w nets.Weights, masks nets.Weights, epochs int) (nets.Weights, error)
}

// Evaluator measures a model's accuracy (e.g. on a test set).
type Evaluator interface {
	Evaluate(spec *nets.Spec, w nets.Weights) (accuracy float64, err error)
}

// LossEvaluator is optionally implemented by an Evaluator that can also report the loss; the
// retraining table (Fig. 22) records it when available.
type LossEvaluator interface {
	Loss(spec *nets.Spec, w nets.Weights) (float64, error)
}

// StepReport describes the model after one stage of a schedule.
type StepReport struct {
	// Stage is "original", "filter-prune-i/n", "filter-finetune-i/n", "KIND-prune" (the mask stage: "nm-prune" for N:M, "group-prune", ...) or "retrain".
	Stage string
	// RemainingRatio is the fraction of the original conv filters still present.
	RemainingRatio float64
	// Accuracy is the Evaluator's accuracy after the stage (NaN without an Evaluator).
	Accuracy float64
	// Params is the spec's trainable parameter count; NonZero the non-zero ones among them.
	Params, NonZero int
	// Seconds is the wall time of the stage's work (scoring, surgery, masking or training),
	// evaluation excluded.
	Seconds float64
}

// ScheduleConfig configures the pruning schedules. Start from DefaultScheduleConfig.
type ScheduleConfig struct {
	// Metric names the filter importance metric (see MetricNames).
	Metric string
	// Scoring holds the metric options (group order, pattern, k, p, calibration data).
	Scoring ScoreOptions
	// Target is the final remaining-filter ratio in (0, 1].
	Target float64
	// Steps is the number of evaluate/remove/fine-tune iterations of filter pruning; step s keeps
	// the ratio 1 - (1-Target)*s/Steps of the original filters (1 = one shot).
	Steps int
	// FineTuneEpochs is the fine-tuning after every filter removal (0 = none).
	FineTuneEpochs int
	// RetrainEpochs is the retraining at the end of the schedule (the paper uses 5).
	RetrainEpochs int
	// Select holds the selection options; its Ratio is set by the schedule.
	Select SelectConfig
	// Masks configures the mask stage: N:M by default (pattern, group order), or any MaskKind at a
	// sparsity; the layers it masks (dense, skip).
	Masks MaskConfig
}

// DefaultScheduleConfig returns the paper's setting for a metric and a target ratio: global
// selection, one filter-pruning step, 2:4 along the width, k = 0.5, 5 retraining epochs.
func DefaultScheduleConfig(metric string, target float64) ScheduleConfig {
	return ScheduleConfig{
		Metric: metric, Scoring: DefaultScoreOptions(), Target: target, Steps: 1,
		RetrainEpochs: 5, Select: SelectConfig{Scope: ScopeGlobal, MinFilters: 1},
		Masks: MaskConfig{Pattern: Pattern24, Order: OrderWidth},
	}
}

// Validate rejects an unknown metric, a target outside (0, 1], k outside [0, 1], a bad pattern or
// order, negative epochs, a data-driven metric without calibration data, and a schedule that needs
// fine-tuning without a FineTuner.
func (c ScheduleConfig) Validate(ft FineTuner, filterStage, nmStage bool) error {
	if filterStage {
		if _, err := Lookup(c.Metric); err != nil {
			return err
		}
		if err := c.Scoring.Validate(); err != nil {
			return err
		}
		if NeedsData(c.Metric) && c.Scoring.Calibration == nil {
			return fmt.Errorf("metric %s needs a calibration batch (Scoring.Calibration)", c.Metric)
		}
		sc := c.Select
		sc.Ratio = c.Target
		if err := sc.Validate(); err != nil {
			return err
		}
		if c.Steps < 1 {
			return fmt.Errorf("filter pruning steps %d must be at least 1", c.Steps)
		}
	}
	if nmStage {
		if err := c.Masks.Validate(); err != nil {
			return err
		}
	}
	if c.FineTuneEpochs < 0 || c.RetrainEpochs < 0 {
		return fmt.Errorf("epochs must not be negative (fine-tune %d, retrain %d)", c.FineTuneEpochs, c.RetrainEpochs)
	}
	if ft == nil && ((filterStage && c.FineTuneEpochs > 0) || c.RetrainEpochs > 0) {
		return fmt.Errorf("the schedule trains (fine-tune %d, retrain %d epochs) but no FineTuner was given", c.FineTuneEpochs, c.RetrainEpochs)
	}
	return nil
}

// Result is the outcome of a schedule.
type Result struct {
	Spec    *nets.Spec
	Weights nets.Weights
	// Masks are the masks of the final model (nil when the schedule has no mask stage).
	Masks nets.Weights
	// Plans are the filter plans of the pruning steps, in order.
	Plans   []Plan
	Reports []StepReport
}

// RunHybrid is hybrid pruning (section 4.1): iterative filter pruning (score, remove, fine-tune)
// down to the target ratio, then N:M pruning of the pruned model, then retraining with the masks
// for RetrainEpochs.
func RunHybrid(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
	r, err := newRunner(spec, w, cfg, ft, ev, true, true)
	if err != nil {
		return nil, fmt.Errorf("hybrid pruning: %w", err)
	}
	if err := r.run(r.filterStage, r.nmStage, r.retrain); err != nil {
		return nil, fmt.Errorf("hybrid pruning: %w", err)
	}
	return r.result(), nil
}

// RunReversed is reversed hybrid pruning (section 5.3): N:M pruning first, then iterative filter
// pruning scored on the masked weights, then retraining. Masks survive each surgery by slicing
// (ApplyPlanToMasks: rows of removed filters go away) and re-projection (ReprojectMasks: the
// consumers that lost input channels are regrouped, weights pruned before stay pruned and every
// new group keeps at most N of the surviving weights); fine-tuning keeps them.
func RunReversed(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
	r, err := newRunner(spec, w, cfg, ft, ev, true, true)
	if err != nil {
		return nil, fmt.Errorf("reversed hybrid pruning: %w", err)
	}
	if err := r.run(r.nmStage, r.filterStage, r.retrain); err != nil {
		return nil, fmt.Errorf("reversed hybrid pruning: %w", err)
	}
	return r.result(), nil
}

// RunFilterOnly is the filter-pruning baseline: iterative filter pruning, then RetrainEpochs of
// retraining without masks (none when 0).
func RunFilterOnly(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
	r, err := newRunner(spec, w, cfg, ft, ev, true, false)
	if err != nil {
		return nil, fmt.Errorf("filter pruning: %w", err)
	}
	if err := r.run(r.filterStage, r.retrain); err != nil {
		return nil, fmt.Errorf("filter pruning: %w", err)
	}
	return r.result(), nil
}

// RunNMOnly is the N:M baseline: N:M pruning of the whole model, then retraining with the masks.
func RunNMOnly(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
	r, err := newRunner(spec, w, cfg, ft, ev, false, true)
	if err != nil {
		return nil, fmt.Errorf("N:M pruning: %w", err)
	}
	if err := r.run(r.nmStage, r.retrain); err != nil {
		return nil, fmt.Errorf("N:M pruning: %w", err)
	}
	return r.result(), nil
}

type runner struct {
	cfg      ScheduleConfig
	ft       FineTuner
	ev       Evaluator
	spec     *nets.Spec
	w, masks nets.Weights
	base     []int // original filters per conv layer
	baseSum  int
	plans    []Plan
	reports  []StepReport
}

func newRunner(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator, filter, nm bool) (*runner, error) {
	if err := cfg.Validate(ft, filter, nm); err != nil {
		return nil, err
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, err
	}
	if filter {
		for name := range cfg.Select.LayerRatios {
			if i := spec.Index(name); i < 0 || spec.Layers[i].Kind != nets.KindConv {
				return nil, fmt.Errorf("layer ratio for %q, which is not a conv layer of spec %q", name, spec.Name)
			}
		}
	}
	cfg.Masks = cfg.Masks.withDefaults()
	r := &runner{cfg: cfg, ft: ft, ev: ev, spec: spec.Clone(), w: w.Clone()}
	for _, i := range spec.ConvIndices() {
		r.base = append(r.base, spec.Layers[i].OutChannels)
		r.baseSum += spec.Layers[i].OutChannels
	}
	return r, nil
}

func (r *runner) run(stages ...func() error) error {
	if err := r.report("original", 0); err != nil {
		return err
	}
	for _, s := range stages {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) result() *Result {
	return &Result{Spec: r.spec, Weights: r.w, Masks: r.masks, Plans: r.plans, Reports: r.reports}
}

// report evaluates the current model and appends a StepReport.
func (r *runner) report(stage string, seconds float64) error {
	acc := math.NaN()
	if r.ev != nil {
		var err error
		if acc, err = r.ev.Evaluate(r.spec, r.w); err != nil {
			return fmt.Errorf("%s: evaluating: %w", stage, err)
		}
	}
	kept := 0
	for _, i := range r.spec.ConvIndices() {
		kept += r.spec.Layers[i].OutChannels
	}
	r.reports = append(r.reports, StepReport{
		Stage: stage, RemainingRatio: float64(kept) / float64(r.baseSum), Accuracy: acc,
		Params: r.spec.ParamCount(), NonZero: TrainableNonZero(r.spec, r.w), Seconds: seconds,
	})
	return nil
}

// train fine-tunes with the current masks and re-applies them (a safety net for trainers that let
// masked weights drift).
func (r *runner) train(epochs int) error {
	w, err := r.ft.FineTune(r.spec, r.w, r.masks, epochs)
	if err != nil {
		return err
	}
	if err := r.spec.CheckWeights(w); err != nil {
		return fmt.Errorf("fine-tuned weights: %w", err)
	}
	if r.masks != nil {
		if w, err = ApplyMasks(w, r.masks); err != nil {
			return err
		}
	}
	r.w = w
	return nil
}

func (r *runner) filterStage() error {
	steps := r.cfg.Steps
	for s := 1; s <= steps; s++ {
		start := time.Now()
		frac := float64(s) / float64(steps)
		sc := r.cfg.Select
		sc.Ratio = 1 - (1-r.cfg.Target)*frac
		sc.BaseCounts = r.base
		if sc.LayerRatios != nil {
			sc.LayerRatios = make(map[string]float64, len(r.cfg.Select.LayerRatios))
			for name, lr := range r.cfg.Select.LayerRatios {
				sc.LayerRatios[name] = 1 - (1-lr)*frac
			}
		}
		scores, layers, err := ScoreSpec(r.spec, r.w, r.cfg.Metric, r.cfg.Scoring)
		if err != nil {
			return fmt.Errorf("step %d: %w", s, err)
		}
		plan, err := SelectSpec(r.spec, LayerNames(layers), scores, sc)
		if err != nil {
			return fmt.Errorf("step %d: %w", s, err)
		}
		spec, w, err := ApplyPlan(r.spec, r.w, plan)
		if err != nil {
			return fmt.Errorf("step %d: %w", s, err)
		}
		if r.masks != nil {
			m, err := ApplyPlanToMasks(r.spec, r.masks, plan)
			if err != nil {
				return fmt.Errorf("step %d: %w", s, err)
			}
			if m, err = ReprojectPatternMasks(w, m, r.cfg.Masks); err != nil {
				return fmt.Errorf("step %d: %w", s, err)
			}
			if w, err = ApplyMasks(w, m); err != nil {
				return fmt.Errorf("step %d: %w", s, err)
			}
			r.masks = m
		}
		r.spec, r.w = spec, w
		r.plans = append(r.plans, plan)
		if err := r.report(fmt.Sprintf("filter-prune-%d/%d", s, steps), time.Since(start).Seconds()); err != nil {
			return err
		}
		if r.cfg.FineTuneEpochs > 0 {
			start = time.Now()
			if err := r.train(r.cfg.FineTuneEpochs); err != nil {
				return fmt.Errorf("step %d: fine-tuning: %w", s, err)
			}
			if err := r.report(fmt.Sprintf("filter-finetune-%d/%d", s, steps), time.Since(start).Seconds()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *runner) nmStage() error {
	start := time.Now()
	masks, err := Masks(r.spec, r.w, r.cfg.Masks)
	if err != nil {
		return err
	}
	w, err := ApplyMasks(r.w, masks)
	if err != nil {
		return err
	}
	r.w, r.masks = w, masks
	return r.report(string(r.cfg.Masks.Kind)+"-prune", time.Since(start).Seconds())
}

func (r *runner) retrain() error {
	if r.cfg.RetrainEpochs == 0 {
		return nil
	}
	start := time.Now()
	if err := r.train(r.cfg.RetrainEpochs); err != nil {
		return fmt.Errorf("retraining: %w", err)
	}
	return r.report("retrain", time.Since(start).Seconds())
}
