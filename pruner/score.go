package pruner

import (
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/nets"
)

// Batch is a batch of N examples in NCHW order, used to capture activations for data-driven
// metrics (APoZ).
type Batch struct {
	X []float32
	N int
}

// MetricParams are the parameters every metric reads (the one home of their defaults and their
// validation; Input and ScoreOptions embed them). K is used as given: 0 is a valid k (pure u).
type MetricParams struct {
	// Order and Pattern define the groups of the N:M-aware metrics.
	Order   GroupOrder
	Pattern Pattern
	// K mixes hybrid metrics, h = (1-K)u + Kv, in [0, 1].
	K float64
	// P is the exponent of the "lp" metric.
	P float64
}

// DefaultMetricParams returns width order, 2:4, K = 0.5 (the paper's default), P = 2.
func DefaultMetricParams() MetricParams {
	return MetricParams{Order: OrderWidth, Pattern: Pattern24, K: 0.5, P: 2}
}

// Validate checks the parameters.
func (m MetricParams) Validate() error {
	if err := m.Order.Validate(); err != nil {
		return err
	}
	if err := m.Pattern.Validate(); err != nil {
		return err
	}
	if err := CheckK(m.K); err != nil {
		return err
	}
	if !(m.P > 0) || math.IsInf(m.P, 0) {
		return fmt.Errorf("lp exponent p=%g must be positive and finite", m.P)
	}
	return nil
}

// ScoreOptions are the scoring knobs shared by the schedules and helpers: the metric parameters
// plus an optional calibration batch. Start from DefaultScoreOptions.
type ScoreOptions struct {
	MetricParams
	// Calibration, when set, is run through the network to feed data-driven metrics (APoZ).
	Calibration *Batch
}

// DefaultScoreOptions returns DefaultMetricParams and no calibration batch.
func DefaultScoreOptions() ScoreOptions { return ScoreOptions{MetricParams: DefaultMetricParams()} }

// Validate checks the options.
func (o ScoreOptions) Validate() error {
	if err := o.MetricParams.Validate(); err != nil {
		return err
	}
	if b := o.Calibration; b != nil && (b.N <= 0 || len(b.X) == 0) {
		return fmt.Errorf("calibration batch of %d examples with %d values", b.N, len(b.X))
	}
	return nil
}

// SpecInput builds the metric Input of a spec and its weights: its conv layers and, when the
// options carry a calibration batch, their activations.
func SpecInput(spec *nets.Spec, w nets.Weights, opts ScoreOptions) (*Input, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	layers, err := LayersFromSpec(spec, w)
	if err != nil {
		return nil, err
	}
	in := &Input{Layers: layers, MetricParams: opts.MetricParams}
	if b := opts.Calibration; b != nil {
		if in.Activations, err = CaptureActivations(spec, w, b.X, b.N); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// ScoreSpec scores every filter of the spec's conv layers with the named metric.
func ScoreSpec(spec *nets.Spec, w nets.Weights, metric string, opts ScoreOptions) (Scores, []Layer, error) {
	if _, err := Lookup(metric); err != nil {
		return nil, nil, err
	}
	in, err := SpecInput(spec, w, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("scoring %s: %w", metric, err)
	}
	s, err := ScoreByName(metric, in)
	if err != nil {
		return nil, nil, err
	}
	return s, in.Layers, nil
}
