package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

// The reversed order (section 5.3, Figs. 15-16): N:M masks on the baseline first, then the same
// iterative filter pruning with the masks fixed (each removal re-projects them onto the new
// layout and fine-tunes with them), a snapshot at every ratio; each snapshot retrained with its
// masks (the sweep's Retrain recipe) is the reversed point, to compare with the hybrid point at
// the same ratio.

type reversedUnit struct {
	Kind    string     `json:"kind"`
	Filter  filterUnit `json:"filter"`
	Retrain Recipe     `json:"retrain"`
}

// reversedFilterConfig is the configuration of the reversed trajectory's snapshot at step: the
// normal trajectory's, of kind "reversed-filter" (so another key).
func (s Sweep) reversedFilterConfig(metric string, step int) filterUnit {
	fc := s.filterConfig(metric, step)
	fc.Kind = "reversed-filter"
	return fc
}

// reversedUnits lists the reversed points of every metric's trajectory (none unless s.Reversed).
func (s Sweep) reversedUnits(sh Shard) []Unit {
	if !s.Reversed {
		return nil
	}
	var out []Unit
	for _, m := range s.Metrics {
		if !sh.owns("reversed:" + m) {
			continue
		}
		for i, r := range s.Ratios {
			out = append(out, newUnit("reversed", m, r, i, reversedUnit{Kind: "reversed", Filter: s.reversedFilterConfig(m, i), Retrain: s.Retrain}))
		}
	}
	return out
}

// maskedModel is a model with its N:M masks.
type maskedModel struct {
	model
	masks nets.Weights
}

// nonZeroMasks returns 0/1 masks of the spec's conv weights marking their non-zero entries: the
// masks of a snapshot trained with fixed masks (masked weights are exactly zero).
func nonZeroMasks(spec *nets.Spec, w nets.Weights) nets.Weights {
	masks := nets.Weights{}
	for _, i := range spec.ConvIndices() {
		name := spec.Layers[i].Name + "/weight"
		t := w[name]
		m := nets.NewTensor(t.Shape...)
		for j, v := range t.Data {
			if v != 0 {
				m.Data[j] = 1
			}
		}
		masks[name] = m
	}
	return masks
}

// maskedBaseline is the baseline with the sweep's N:M masks applied (not retrained).
func (r *runner) maskedBaseline() (maskedModel, error) {
	base, err := r.baseline()
	if err != nil {
		return maskedModel{}, err
	}
	pat, order, _ := r.s.patternOrder()
	masks, err := pruner.NMMasks(base.spec, base.w, pruner.MaskConfig{Pattern: pat, Order: order})
	if err != nil {
		return maskedModel{}, err
	}
	w, err := pruner.ApplyMasks(base.w, masks)
	if err != nil {
		return maskedModel{}, err
	}
	return maskedModel{model{base.spec, w}, masks}, nil
}

// reversedSnapshot returns the reversed trajectory of metric after step, computing missing steps
// from the nearest saved one (as snapshot does for the normal order).
func (r *runner) reversedSnapshot(metric string, step int) (maskedModel, error) {
	u := newUnit("reversed-filter", metric, r.s.Ratios[step], step, r.s.reversedFilterConfig(metric, step))
	load := func() (maskedModel, bool) {
		m, ok := r.loadSnapshot(u.Key)
		if !ok {
			return maskedModel{}, false
		}
		return maskedModel{m, nonZeroMasks(m.spec, m.w)}, true
	}
	if m, ok := load(); ok {
		return m, nil
	}
	unlock, err := r.lockUnit(u.Key)
	if err != nil {
		return maskedModel{}, err
	}
	defer unlock()
	if m, ok := load(); ok {
		return m, nil
	}
	var prev maskedModel
	if step == 0 {
		prev, err = r.maskedBaseline()
	} else {
		prev, err = r.reversedSnapshot(metric, step-1)
	}
	if err != nil {
		return maskedModel{}, err
	}
	t0 := time.Now()
	spec, w, plan, err := r.pruneStep(prev.model, metric, r.s.Ratios[step])
	if err != nil {
		return maskedModel{}, err
	}
	pat, order, _ := r.s.patternOrder()
	masks, err := pruner.ApplyPlanToMasks(prev.spec, prev.masks, plan)
	if err != nil {
		return maskedModel{}, err
	}
	if masks, err = pruner.ReprojectMasks(w, masks, pat, order); err != nil {
		return maskedModel{}, err
	}
	if w, err = pruner.ApplyMasks(w, masks); err != nil {
		return maskedModel{}, err
	}
	before, err := r.evaluate(spec, w)
	if err != nil {
		return maskedModel{}, err
	}
	desc := r.desc
	r.desc = u.describe()
	w, hist, err := r.doTrain(spec, w, r.s.FineTune, masks, filepath.Join(r.dir(u.Key), "checkpoints"))
	r.desc = desc
	if err != nil {
		return maskedModel{}, fmt.Errorf("fine-tuning reversed %s at %g: %w", metric, r.s.Ratios[step], err)
	}
	if w, err = pruner.ApplyMasks(w, masks); err != nil {
		return maskedModel{}, err
	}
	m := maskedModel{model{spec, w}, masks}
	if err := r.saveMeta(u.Key, snapshotMeta{Before: before.Accuracy, History: hist, Seconds: time.Since(t0).Seconds()}); err != nil {
		return maskedModel{}, err
	}
	if err := r.saveSnapshot(u.Key, m.model); err != nil {
		return maskedModel{}, err
	}
	return m, os.RemoveAll(filepath.Join(r.dir(u.Key), "checkpoints"))
}

// runReversed retrains the reversed snapshot with its masks and records the reversed point.
func (r *runner) runReversed(u Unit) error {
	src, err := r.reversedSnapshot(u.Metric, u.step)
	if err != nil {
		return err
	}
	r.desc = u.describe()
	t0 := time.Now()
	before, err := r.evaluate(src.spec, src.w)
	if err != nil {
		return err
	}
	w, hist, err := r.doTrain(src.spec, src.w, r.s.Retrain, src.masks, filepath.Join(r.dir(u.Key), "checkpoints"))
	if err != nil {
		return fmt.Errorf("retraining reversed %s at %g: %w", u.Metric, u.Ratio, err)
	}
	if w, err = pruner.ApplyMasks(w, src.masks); err != nil {
		return err
	}
	if err := r.record(u, model{src.spec, w}, before.Accuracy, hist, t0, nil); err != nil {
		return err
	}
	return os.RemoveAll(r.dir(u.Key))
}

// KSweeps returns the sweeps of a k sweep (Figs. 17-19): one per value of s.Ks, each with that K
// and no Ks, in order; a sweep without Ks is its own only k sweep.
func (s Sweep) KSweeps() []Sweep {
	if len(s.Ks) == 0 {
		return []Sweep{s}
	}
	out := make([]Sweep, len(s.Ks))
	for i, k := range s.Ks {
		sub := s
		sub.K, sub.Ks = k, nil
		out[i] = sub
	}
	return out
}
