package pruner

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/hybridprune/hybridprune/nets"
)

// IntersectionRatios compares two plans over the same layers (Fig. 21a): pruned is the share of
// pruned filters both plans prune, |A∩B| / max(|A|, |B|) over the pruned sets (the paper compares
// plans of equal size, where this is "the filters pruned by both among those each pruned");
// remaining is the same ratio over the kept sets. An empty pair of sets gives 1.
func IntersectionRatios(a, b Plan) (pruned, remaining float64, err error) {
	if len(a) != len(b) {
		return 0, 0, fmt.Errorf("intersection: plans over %d and %d layers", len(a), len(b))
	}
	var bothP, bothK, nPA, nPB, nKA, nKB int
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Filters != b[i].Filters {
			return 0, 0, fmt.Errorf("intersection: layer %d is %s/%d vs %s/%d", i, a[i].Name, a[i].Filters, b[i].Name, b[i].Filters)
		}
		keptA := make([]bool, a[i].Filters)
		for _, f := range a[i].Keep {
			keptA[f] = true
		}
		keptB := make([]bool, b[i].Filters)
		for _, f := range b[i].Keep {
			keptB[f] = true
		}
		for f := range keptA {
			switch {
			case keptA[f] && keptB[f]:
				bothK++
			case !keptA[f] && !keptB[f]:
				bothP++
			}
		}
		nKA += len(a[i].Keep)
		nKB += len(b[i].Keep)
		nPA += a[i].Filters - len(a[i].Keep)
		nPB += b[i].Filters - len(b[i].Keep)
	}
	ratio := func(both, x, y int) float64 {
		if max(x, y) == 0 {
			return 1
		}
		return float64(both) / float64(max(x, y))
	}
	return ratio(bothP, nPA, nPB), ratio(bothK, nKA, nKB), nil
}

// MetricPlan scores a spec with a metric and selects the filters to keep at a ratio (one shot),
// coupled channels together (SelectSpec).
func MetricPlan(spec *nets.Spec, w nets.Weights, metric string, opts ScoreOptions, sel SelectConfig) (Plan, error) {
	scores, layers, err := ScoreSpec(spec, w, metric, opts)
	if err != nil {
		return nil, err
	}
	return SelectSpec(spec, LayerNames(layers), scores, sel)
}

// ScatterPoint is one filter in the (u, v) plane of Figs. 4, 6 and 7.
type ScatterPoint struct {
	Layer  string
	Filter int
	U, V   float64
}

// Scatter returns the (u, v) pair of every filter: u = tu(U) and v = tv(V) (nil transforms are
// Identity), e.g. U = OutputL1Metric, V = PreservationMetric with Identity (Fig. 4), Rank and Rank
// (Fig. 6), or SqDistToMin and Identity (Fig. 7).
func Scatter(in *Input, u, v Metric, tu, tv Transform) ([]ScatterPoint, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("scatter: %w", err)
	}
	if tu == nil {
		tu = Identity
	}
	if tv == nil {
		tv = Identity
	}
	us, err := u.Score(in)
	if err != nil {
		return nil, fmt.Errorf("scatter u: %w", err)
	}
	vs, err := v.Score(in)
	if err != nil {
		return nil, fmt.Errorf("scatter v: %w", err)
	}
	if us, err = tu(us); err != nil {
		return nil, fmt.Errorf("scatter u: %w", err)
	}
	if vs, err = tv(vs); err != nil {
		return nil, fmt.Errorf("scatter v: %w", err)
	}
	var pts []ScatterPoint
	for i, l := range in.Layers {
		for j := range us[i] {
			pts = append(pts, ScatterPoint{Layer: l.Name, Filter: j, U: us[i][j], V: vs[i][j]})
		}
	}
	return pts, nil
}

// RetrainRow is one cell pair of Figs. 22-23: a metric and remaining ratio, the model's accuracy
// (and loss, when the Evaluator is a LossEvaluator; NaN otherwise) after filter pruning without
// and with fine-tuning/retraining.
type RetrainRow struct {
	Metric                             string
	Ratio                              float64
	Params                             int
	AccuracyNoRetrain, AccuracyRetrain float64
	LossNoRetrain, LossRetrain         float64
}

// retrainConfigs returns cfg set to metric m and target r, with its epochs (c) and without any
// training (bare).
func retrainConfigs(cfg ScheduleConfig, m string, r float64) (c, bare ScheduleConfig) {
	c = cfg
	c.Metric, c.Target = m, r
	bare = c
	bare.FineTuneEpochs, bare.RetrainEpochs = 0, 0
	return c, bare
}

// RetrainTable runs filter pruning (RunFilterOnly with cfg's steps and selection) for every metric
// and remaining ratio twice: once without any training (FineTuneEpochs = RetrainEpochs = 0) and
// once with cfg's epochs, and tabulates the final accuracy and loss.
func RetrainTable(spec *nets.Spec, w nets.Weights, metrics []string, ratios []float64, cfg ScheduleConfig, ft FineTuner, ev Evaluator) ([]RetrainRow, error) {
	if ev == nil {
		return nil, fmt.Errorf("retrain table: needs an Evaluator")
	}
	var rows []RetrainRow
	for _, m := range metrics {
		for _, r := range ratios {
			c, bare := retrainConfigs(cfg, m, r)
			if err := bare.Validate(nil, true, false); err != nil {
				return nil, fmt.Errorf("retrain table %s@%g: %w", m, r, err)
			}
			if err := c.Validate(ft, true, false); err != nil {
				return nil, fmt.Errorf("retrain table %s@%g: %w", m, r, err)
			}
		}
	}
	for _, m := range metrics {
		for _, r := range ratios {
			c, bare := retrainConfigs(cfg, m, r)
			row := RetrainRow{Metric: m, Ratio: r}
			res0, err := RunFilterOnly(spec, w, bare, nil, ev)
			if err != nil {
				return nil, fmt.Errorf("retrain table %s@%g without retraining: %w", m, r, err)
			}
			res1, err := RunFilterOnly(spec, w, c, ft, ev)
			if err != nil {
				return nil, fmt.Errorf("retrain table %s@%g with retraining: %w", m, r, err)
			}
			row.Params = res0.Spec.ParamCount()
			row.AccuracyNoRetrain = res0.Reports[len(res0.Reports)-1].Accuracy
			row.AccuracyRetrain = res1.Reports[len(res1.Reports)-1].Accuracy
			row.LossNoRetrain, row.LossRetrain = math.NaN(), math.NaN()
			if le, ok := ev.(LossEvaluator); ok {
				if row.LossNoRetrain, err = le.Loss(res0.Spec, res0.Weights); err != nil {
					return nil, fmt.Errorf("retrain table %s@%g: loss: %w", m, r, err)
				}
				if row.LossRetrain, err = le.Loss(res1.Spec, res1.Weights); err != nil {
					return nil, fmt.Errorf("retrain table %s@%g: loss: %w", m, r, err)
				}
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// WriteRetrainCSV writes rows as CSV with the header
// metric,ratio,params,acc_no_retrain,acc_retrain,loss_no_retrain,loss_retrain.
func WriteRetrainCSV(out io.Writer, rows []RetrainRow) error {
	cw := csv.NewWriter(out)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if err := cw.Write([]string{"metric", "ratio", "params", "acc_no_retrain", "acc_retrain", "loss_no_retrain", "loss_retrain"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Metric, f(r.Ratio), strconv.Itoa(r.Params), f(r.AccuracyNoRetrain), f(r.AccuracyRetrain), f(r.LossNoRetrain), f(r.LossRetrain)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SensitivityRow is the accuracy after pruning one layer alone to a remaining ratio.
type SensitivityRow struct {
	Layer    string
	Ratio    float64
	Accuracy float64
}

// Sensitivity is the per-layer sensitivity analysis of the pruning lecture: each conv layer in turn
// is pruned alone (by the metric's ranking within the layer) to each ratio, without fine-tuning,
// and the model is evaluated. The result can guide SelectConfig.LayerRatios.
func Sensitivity(spec *nets.Spec, w nets.Weights, metric string, opts ScoreOptions, ratios []float64, ev Evaluator) ([]SensitivityRow, error) {
	if ev == nil {
		return nil, fmt.Errorf("sensitivity: needs an Evaluator")
	}
	for _, r := range ratios {
		if !(r > 0 && r <= 1) {
			return nil, fmt.Errorf("sensitivity: remaining-filter ratio %g outside (0, 1]", r)
		}
	}
	scores, layers, err := ScoreSpec(spec, w, metric, opts)
	if err != nil {
		return nil, fmt.Errorf("sensitivity: %w", err)
	}
	var rows []SensitivityRow
	for i, l := range layers {
		for _, r := range ratios {
			lp, err := Select([]string{l.Name}, Scores{scores[i]}, SelectConfig{Ratio: r, Scope: ScopeLocal})
			if err != nil {
				return nil, fmt.Errorf("sensitivity %s@%g: %w", l.Name, r, err)
			}
			ps, pw, err := ApplyPlan(spec, w, lp)
			if err != nil {
				return nil, fmt.Errorf("sensitivity %s@%g: %w", l.Name, r, err)
			}
			acc, err := ev.Evaluate(ps, pw)
			if err != nil {
				return nil, fmt.Errorf("sensitivity %s@%g: %w", l.Name, r, err)
			}
			rows = append(rows, SensitivityRow{Layer: l.Name, Ratio: r, Accuracy: acc})
		}
	}
	return rows, nil
}
