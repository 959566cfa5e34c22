package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hybridprune/hybridprune/pruner"
)

// OneShot is the with/without-retraining study of the paper's Figs. 21-23: for every metric and
// remaining ratio, the baseline pruned in one shot (the sweep's global selection, pattern, order
// and k), evaluated as it is ("without retraining": accuracy and loss before training) and after
// the sweep's FineTune recipe ("with retraining"). Each row keeps its selection (Metrics.Plan),
// so the pruned and remaining intersections of two metrics (Fig. 21a) need no weights.
type OneShot struct {
	Metrics []string  `json:"metrics"`
	Ratios  []float64 `json:"ratios"`
}

// Validate rejects an empty study, unknown, data-driven or repeated metrics, and ratios outside
// (0, 1) or repeated.
func (o OneShot) Validate() error {
	if len(o.Metrics) == 0 || len(o.Ratios) == 0 {
		return fmt.Errorf("one-shot study: empty grid (%d metrics x %d ratios)", len(o.Metrics), len(o.Ratios))
	}
	for _, m := range o.Metrics {
		if _, err := pruner.Lookup(m); err != nil {
			return fmt.Errorf("one-shot study: %w", err)
		}
		if pruner.NeedsData(m) {
			return fmt.Errorf("one-shot study: metric %s needs calibration activations, which sweeps do not capture yet", m)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(o.Metrics)))) != len(o.Metrics) {
		return fmt.Errorf("one-shot study: a metric is listed twice in %v", o.Metrics)
	}
	for _, r := range o.Ratios {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("one-shot study: remaining ratio %g outside (0, 1)", r)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(o.Ratios)))) != len(o.Ratios) {
		return fmt.Errorf("one-shot study: a ratio is listed twice in %v", o.Ratios)
	}
	return nil
}

// A one-shot unit's configuration is a filter unit's (kind "oneshot") whose path is its one ratio:
// one removal from the baseline, then the fine-tuning.

// oneShotUnits lists the study's units, metric-major.
func (s Sweep) oneShotUnits(sh Shard) []Unit {
	o := s.OneShot
	if o == nil {
		return nil
	}
	var out []Unit
	for _, m := range o.Metrics {
		if !sh.owns("oneshot:" + m) {
			continue
		}
		for i, r := range o.Ratios {
			out = append(out, newUnit("oneshot", m, r, i, filterUnit{Kind: "oneshot", Baseline: s.Baseline, Metric: m, K: s.K,
				Pattern: s.Pattern, Order: s.Order, Selection: s.Selection, FineTune: s.FineTune, Path: []float64{r}}))
		}
	}
	return out
}

// runOneShot prunes the baseline to the unit's ratio, evaluates it, fine-tunes it and records
// both evaluations and the selection.
func (r *runner) runOneShot(u Unit) error {
	base, err := r.baseline()
	if err != nil {
		return err
	}
	t0 := time.Now()
	spec, w, plan, err := r.pruneStep(base, u.Metric, u.Ratio)
	if err != nil {
		return fmt.Errorf("one-shot %s at %g: %w", u.Metric, u.Ratio, err)
	}
	before, err := r.evaluate(spec, w)
	if err != nil {
		return err
	}
	w, hist, err := r.doTrain(spec, w, r.s.FineTune, nil, filepath.Join(r.dir(u.Key), "checkpoints"))
	if err != nil {
		return fmt.Errorf("one-shot %s at %g: fine-tuning: %w", u.Metric, u.Ratio, err)
	}
	fill := func(m *Metrics) { m.LossBefore, m.Plan = before.Loss, plan }
	if err := r.recordWith(u, model{spec, w}, before.Accuracy, hist, t0, fill); err != nil {
		return err
	}
	return os.RemoveAll(r.dir(u.Key))
}

// OneShotPoint is one metric x ratio of the one-shot study.
type OneShotPoint struct {
	Metric string
	Ratio  float64
	// Accuracy and Loss without retraining (NoRetrain) and after the fine-tuning (Retrain).
	AccuracyNoRetrain, AccuracyRetrain float64
	LossNoRetrain, LossRetrain         float64
	Plan                               pruner.Plan
}

// CollectOneShot returns the store's one-shot points in file order.
func CollectOneShot(st *Store) []OneShotPoint {
	var out []OneShotPoint
	for _, row := range st.Rows() {
		if row.Kind != "oneshot" {
			continue
		}
		var cfg filterUnit
		if err := json.Unmarshal(row.Config, &cfg); err != nil || len(cfg.Path) != 1 {
			continue
		}
		m := row.Metrics
		out = append(out, OneShotPoint{Metric: cfg.Metric, Ratio: cfg.Path[0], AccuracyNoRetrain: m.AccuracyBefore,
			AccuracyRetrain: m.Accuracy, LossNoRetrain: m.LossBefore, LossRetrain: m.Loss, Plan: m.Plan})
	}
	return out
}

// OneShotIntersection is Fig. 21a at one ratio: the shares of pruned and of remaining filters
// two metrics' one-shot selections have in common (pruner.IntersectionRatios).
type OneShotIntersection struct {
	Ratio             float64
	Pruned, Remaining float64
}

// OneShotIntersections compares metrics a and b at every ratio where both have a one-shot point,
// in decreasing ratio.
func OneShotIntersections(points []OneShotPoint, a, b string) ([]OneShotIntersection, error) {
	var out []OneShotIntersection
	for _, r := range oneShotRatios(points, a, b) {
		pa, _ := oneShotAt(points, a, r)
		pb, _ := oneShotAt(points, b, r)
		pr, rem, err := pruner.IntersectionRatios(pa.Plan, pb.Plan)
		if err != nil {
			return nil, fmt.Errorf("intersection of %s and %s at %g: %w", a, b, r, err)
		}
		out = append(out, OneShotIntersection{Ratio: r, Pruned: pr, Remaining: rem})
	}
	return out, nil
}

// oneShotAt returns the metric's point at ratio r.
func oneShotAt(points []OneShotPoint, metric string, r float64) (OneShotPoint, bool) {
	for _, p := range points {
		if p.Metric == metric && p.Ratio == r {
			return p, true
		}
	}
	return OneShotPoint{}, false
}

// oneShotRatios returns the ratios at which every metric has a point, descending.
func oneShotRatios(points []OneShotPoint, metrics ...string) []float64 {
	var out []float64
	for _, p := range points {
		if slices.Contains(out, p.Ratio) {
			continue
		}
		all := true
		for _, m := range metrics {
			if _, ok := oneShotAt(points, m, p.Ratio); !ok {
				all = false
			}
		}
		if all {
			out = append(out, p.Ratio)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// OneShotVerdicts checks the claims of section 5.5 (Figs. 21-23) on the one-shot points of
// l1-out, hybrid1 and hybrid2: the pruned-filter intersection of the two hybrid metrics grows
// with the pruned share (52% at 10% pruned to 87% at 70%); retraining lowers the loss of every
// metric at every ratio; hybrid 2 without retraining has a lower loss than output L1 with it, and
// hybrid 1 without retraining a lower loss than output L1 without; hybrid 2 without retraining is
// more accurate than output L1 without it (up to 60% removed); and hybrid 2 gains less from
// retraining than output L1 and hybrid 1 at half the filters.
func OneShotVerdicts(points []OneShotPoint) []Verdict {
	var out []Verdict
	inter, err := OneShotIntersections(points, "hybrid1", "hybrid2")
	if err == nil && len(inter) >= 2 {
		first, last := inter[0], inter[len(inter)-1]
		grows := last.Pruned > first.Pruned
		out = append(out, Verdict{Claim: "the hybrid metrics agree more on what to prune as more is pruned (Fig. 21a)",
			Paper:  "pruned-filter intersection 52% at 10% pruned, 87% at 70%",
			Ours:   fmt.Sprintf("%.0f%% at %.0f%% pruned, %.0f%% at %.0f%%", 100*first.Pruned, 100*(1-first.Ratio), 100*last.Pruned, 100*(1-last.Ratio)),
			Status: status(grows, true)})
	} else {
		out = append(out, Verdict{Claim: "the hybrid metrics agree more on what to prune as more is pruned (Fig. 21a)",
			Paper: "52% at 10% pruned, 87% at 70%", Ours: "not enough one-shot rows", Status: "open"})
	}

	all := oneShotRatios(points, "l1-out", "hybrid1", "hybrid2")
	known := len(all) > 0
	lower, worst := true, ""
	for _, r := range all {
		for _, m := range []string{"l1-out", "hybrid1", "hybrid2"} {
			p, _ := oneShotAt(points, m, r)
			if p.LossRetrain >= p.LossNoRetrain {
				lower = false
				worst += fmt.Sprintf(" %s@%.1f", m, r)
			}
		}
	}
	ours := "lower after retraining at every ratio, for all three metrics"
	if !lower {
		ours = "not lower at" + worst
	}
	out = append(out, Verdict{Claim: "retraining lowers the loss of every metric (Fig. 22)", Paper: "dark lines below light lines",
		Ours: ours, Status: status(lower, known)})

	cmp := func(claim, paper string, better func(r float64) (bool, string), ratios []float64) {
		ok, parts := true, []string{}
		for _, r := range ratios {
			b, s := better(r)
			ok = ok && b
			parts = append(parts, s)
		}
		out = append(out, Verdict{Claim: claim, Paper: paper, Ours: strings.Join(parts, "; "), Status: status(ok, len(ratios) > 0)})
	}
	get := func(m string, r float64) OneShotPoint { p, _ := oneShotAt(points, m, r); return p }
	cmp("hybrid 2 without retraining has a lower loss than output L1 with retraining (Fig. 22)",
		"the light blue line below the dark red one", func(r float64) (bool, string) {
			a, b := get("hybrid2", r).LossNoRetrain, get("l1-out", r).LossRetrain
			return a < b, fmt.Sprintf("%.1f: %.3f vs %.3f", r, a, b)
		}, all)
	cmp("hybrid 1 without retraining has a lower loss than output L1 without (Fig. 22)",
		"the light green line below the light red one", func(r float64) (bool, string) {
			a, b := get("hybrid1", r).LossNoRetrain, get("l1-out", r).LossNoRetrain
			return a < b, fmt.Sprintf("%.1f: %.3f vs %.3f", r, a, b)
		}, all)
	var upTo60 []float64
	for _, r := range all {
		if r >= 0.4-1e-9 {
			upTo60 = append(upTo60, r)
		}
	}
	cmp("hybrid 2 without retraining is more accurate than output L1 without (Fig. 23, up to 60% removed)",
		"the light blue line above the light red one", func(r float64) (bool, string) {
			a, b := get("hybrid2", r).AccuracyNoRetrain, get("l1-out", r).AccuracyNoRetrain
			return a > b, fmt.Sprintf("%.1f: %.4f vs %.4f", r, a, b)
		}, upTo60)
	if slices.Contains(all, 0.5) {
		gain := func(m string) float64 { p := get(m, 0.5); return p.AccuracyRetrain - p.AccuracyNoRetrain }
		h2, l1, h1 := gain("hybrid2"), gain("l1-out"), gain("hybrid1")
		out = append(out, Verdict{Claim: "hybrid 2 gains least from retraining at half the filters (Fig. 23)",
			Paper:  "hybrid 2 benefits slightly; output L1 and hybrid 1 greatly",
			Ours:   fmt.Sprintf("accuracy gain at 0.5: hybrid2 %+.4f, l1-out %+.4f, hybrid1 %+.4f", h2, l1, h1),
			Status: status(h2 < l1 && h2 < h1, true)})
	}
	return out
}
