package kernel

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/pruner"
)

// LoadPatterns reads the pattern-study grids of a committed store (a path relative to the
// repository, e.g. "results/patterns-speed.jsonl"), without running anything, and prints the
// store's digest line (scripts/check-notebook-results.py compares it with the committed file).
func LoadPatterns(store string) ([]experiment.PatternGrid, error) {
	root, err := RepoDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, store)
	st, err := experiment.OpenStore(path)
	if err != nil {
		return nil, err
	}
	fmt.Printf("store %s: %d rows, digest %s\n", storeLabel(path, root), len(st.Rows()), st.Digest())
	return experiment.CollectPatterns(st), nil
}

// PatternSpeedPlot draws each kind's engine speedup over dense against the sparsity, with the
// dense line at 1 (above it the pattern is faster than dense).
func PatternSpeedPlot(g experiment.PatternGrid, title string) (string, error) {
	series := patternSeries(g, func(c experiment.PatternCell) (float64, bool) { return c.Speedup(), c.Ms > 0 })
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: PatternSpeedPlot %q: no rows", title)
	}
	series = append(series, Series{Name: "dense", X: []float64{g.Sparsities[0], g.Sparsities[len(g.Sparsities)-1]}, Y: []float64{1, 1}})
	// The curves rise to the right: the upper left corner is empty, so the legend goes there.
	return LinePlotWith(PlotOptions{LegendLeft: true}, title, "sparsity (removed fraction of the masked weights)", "speedup over dense (x)", series...)
}

// PatternAccuracyPlot draws each kind's test accuracy after retraining against the sparsity;
// base (NaN: none) is drawn as the dense model's line.
func PatternAccuracyPlot(g experiment.PatternGrid, title string, base float64) (string, error) {
	series := patternSeries(g, func(c experiment.PatternCell) (float64, bool) { return c.Accuracy, c.Accuracy >= 0 })
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: PatternAccuracyPlot %q: no trained rows", title)
	}
	if finite(base) {
		series = append(series, Series{Name: "dense baseline", X: []float64{g.Sparsities[0], g.Sparsities[len(g.Sparsities)-1]}, Y: []float64{base, base}})
	}
	return LinePlotWith(PlotOptions{LegendBottom: true, LegendLeft: true}, title, "sparsity (removed fraction of the masked weights)", "test accuracy", series...)
}

// patternSeries returns one series per kind of the values val accepts, in sparsity order.
func patternSeries(g experiment.PatternGrid, val func(experiment.PatternCell) (float64, bool)) []Series {
	var out []Series
	for _, k := range g.Kinds {
		s := Series{Name: k + "-wise (" + string(experiment.PatternMode(pruner.MaskKind(k))) + " kernel)"}
		for _, sp := range g.Sparsities {
			if c, ok := g.Cell(k, sp); ok {
				if v, ok := val(c); ok {
					s.X, s.Y = append(s.X, sp), append(s.Y, v)
				}
			}
		}
		if len(s.Y) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// PatternTable shows every cell of a grid: dense and pattern ms per batch, the speedup and, where
// trained, the accuracy.
func PatternTable(g experiment.PatternGrid) {
	var rows [][]string
	for _, k := range g.Kinds {
		for _, sp := range g.Sparsities {
			c, ok := g.Cell(k, sp)
			if !ok {
				continue
			}
			acc := "-"
			if c.Accuracy >= 0 {
				acc = fmt.Sprintf("%.4f", c.Accuracy)
			}
			rows = append(rows, []string{k, fmt.Sprintf("%.0f%%", 100*sp), fmt.Sprintf("%.2f", c.DenseMs), fmt.Sprintf("%.2f", c.Ms),
				fmt.Sprintf("%.2fx", c.Speedup()), acc})
		}
	}
	DisplayTable([]string{"kind", "sparsity", "dense ms", "pattern ms", "speedup", "accuracy"}, rows)
}

// LoadSensitivity reads a sensitivity report (a path relative to the repository).
func LoadSensitivity(path string) (*experiment.SensitivityReport, error) {
	var r experiment.SensitivityReport
	if err := loadJSON(path, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SensitivityPlot draws each layer's accuracy against its remaining ratio when pruned alone (the
// lecture's sensitivity curves), with the allocation's threshold as a line when there is one.
func SensitivityPlot(r *experiment.SensitivityReport) (string, error) {
	var series []Series
	idx := map[string]int{}
	for _, row := range r.Rows {
		i, ok := idx[row.Layer]
		if !ok {
			i = len(series)
			idx[row.Layer] = i
			series = append(series, Series{Name: row.Layer, X: []float64{1}, Y: []float64{r.Base}})
		}
		series[i].X, series[i].Y = append(series[i].X, row.Ratio), append(series[i].Y, row.Accuracy)
	}
	for i := range series { // ascending ratios: the line runs left to right
		s := &series[i]
		order := make([]int, len(s.X))
		for j := range order {
			order[j] = j
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.X[a], s.X[b]) })
		x, y := slices.Clone(s.X), slices.Clone(s.Y)
		for j, o := range order {
			s.X[j], s.Y[j] = x[o], y[o]
		}
	}
	if r.Auto != nil {
		series = append(series, Series{Name: fmt.Sprintf("threshold %.4f", r.Auto.Threshold), X: []float64{0, 1}, Y: []float64{r.Auto.Threshold, r.Auto.Threshold}})
	}
	title := fmt.Sprintf("Sensitivity: %s / %s, one layer pruned alone (%s ranking, no fine-tuning)", r.Model, r.Dataset, r.Metric)
	return LinePlotWith(PlotOptions{LegendBottom: true}, title, "remaining filter ratio of the layer", "test accuracy", series...)
}

// CompareTable shows the selections compared at the allocation's MACs.
func CompareTable(r *experiment.SensitivityReport) {
	var rows [][]string
	for _, c := range r.Compare {
		rows = append(rows, []string{c.Name, fmt.Sprintf("%.3f", c.MACs), fmt.Sprint(c.Widths), fmt.Sprintf("%.4f", c.Accuracy),
			fmt.Sprintf("%.4f", c.AccuracyTuned)})
	}
	ep := 0
	if len(r.Compare) > 0 {
		ep = r.Compare[0].FineTuneEpochs
	}
	DisplayTable([]string{"selection", "MACs kept", "conv widths", "accuracy (no fine-tuning)", fmt.Sprintf("after %d epoch(s)", ep)}, rows)
}

// PermutationTable shows a permutation study (results/*-permutation.json, written by
// scripts/permutation-study.sh): per variant (width, channels, channels permuted) the kept
// magnitude fraction per layer and in total, and the accuracy before and after retraining.
func PermutationTable(path string) error {
	var st struct {
		CPU      string `json:"cpu"`
		Variants []struct {
			Name   string `json:"name"`
			Layers []struct {
				Name string  `json:"name"`
				Kept float64 `json:"kept_fraction"`
			} `json:"layers"`
			Total   float64 `json:"kept_fraction_total"`
			Acc     float64 `json:"accuracy_no_retrain"`
			Retrain float64 `json:"accuracy_retrain_1_epoch"`
		} `json:"variants"`
	}
	if err := loadJSON(path, &st); err != nil {
		return err
	}
	if len(st.Variants) == 0 {
		return fmt.Errorf("kernel: permutation study %s: no variants", path)
	}
	head := []string{"variant"}
	for _, l := range st.Variants[0].Layers {
		head = append(head, l.Name)
	}
	head = append(head, "total kept", "accuracy (2:4, no retraining)", "after 1 epoch")
	var rows [][]string
	for _, v := range st.Variants {
		row := []string{v.Name}
		for _, l := range v.Layers {
			row = append(row, fmt.Sprintf("%.4f", l.Kept))
		}
		rows = append(rows, append(row, fmt.Sprintf("%.4f", v.Total), fmt.Sprintf("%.4f", v.Acc), fmt.Sprintf("%.4f", v.Retrain)))
	}
	DisplayTable(head, rows)
	return nil
}
