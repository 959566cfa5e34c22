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

// ScoreOptions are the scoring knobs shared by the schedules and helpers. Start from
// DefaultScoreOptions: K is used as given and 0 is a valid k (pure u).
type ScoreOptions struct {
	// Order and Pattern define the groups of the N:M-aware metrics.
	Order   GroupOrder
	Pattern Pattern
	// K mixes hybrid metrics, h = (1-K)u + Kv, in [0, 1].
	K float64
	// P is the exponent of the "lp" metric.
	P float64
	// Calibration, when set, is run through the network to feed data-driven metrics (APoZ).
	Calibration *Batch
}

// DefaultScoreOptions returns width order, 2:4, K = 0.5 (the paper's default), P = 2.
func DefaultScoreOptions() ScoreOptions {
	return ScoreOptions{Order: OrderWidth, Pattern: Pattern24, K: 0.5, P: 2}
}

// Validate checks the options.
func (o ScoreOptions) Validate() error {
	if err := o.Order.Validate(); err != nil {
		return err
	}
	if err := o.Pattern.Validate(); err != nil {
		return err
	}
	if err := CheckK(o.K); err != nil {
		return err
	}
	if !(o.P > 0) || math.IsInf(o.P, 0) {
		return fmt.Errorf("lp exponent p=%g must be positive and finite", o.P)
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
	in := &Input{Layers: layers, Order: opts.Order, Pattern: opts.Pattern, K: opts.K, P: opts.P}
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
