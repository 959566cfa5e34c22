package kernel

import (
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/experiment"
)

// LoadOneShot reads the one-shot study of sweeps/NAME.json (its "oneshot" block) from the sweep's
// store, without running anything (RunSweep runs it; quick mode reads the quick store).
func LoadOneShot(name string) ([]experiment.OneShotPoint, error) {
	root, err := RepoDir()
	if err != nil {
		return nil, err
	}
	_, st, _, err := openSweep(root, name, "")
	if err != nil {
		return nil, err
	}
	return experiment.CollectOneShot(st), nil
}

// OneShotPlot draws, per metric, value ("accuracy" or "loss") with and without retraining against
// the remaining ratio: the paper's Fig. 23 (accuracy) and Fig. 22 (loss).
func OneShotPlot(points []experiment.OneShotPoint, value, title string, metrics []string) (string, error) {
	if value != "accuracy" && value != "loss" {
		return "", fmt.Errorf("kernel: OneShotPlot: value %q: want accuracy or loss", value)
	}
	var series []Series
	for i, m := range metrics {
		for _, retrained := range []bool{false, true} {
			// As the paper's light and dark lines: one colour per metric, dashed without retraining.
			s := Series{Name: m + map[bool]string{false: ", no retraining", true: ", retrained"}[retrained], Color: i + 1, Dashed: !retrained}
			for _, p := range points {
				if p.Metric != m {
					continue
				}
				y := p.AccuracyNoRetrain
				switch {
				case value == "accuracy" && retrained:
					y = p.AccuracyRetrain
				case value == "loss" && retrained:
					y = p.LossRetrain
				case value == "loss":
					y = p.LossNoRetrain
				}
				s.X, s.Y = append(s.X, p.Ratio), append(s.Y, y)
			}
			if len(s.Y) > 0 {
				series = append(series, s)
			}
		}
	}
	if len(series) == 0 {
		return "", fmt.Errorf("kernel: OneShotPlot %q: no one-shot rows yet", title)
	}
	return LinePlotWith(legendRoom(series, value == "accuracy"), title, "remaining filter ratio", "test "+value, series...)
}

// IntersectionPlot draws the paper's Fig. 21a for metrics a and b: the share of the pruned filters
// both prune and of the remaining filters both keep, against the remaining ratio.
func IntersectionPlot(points []experiment.OneShotPoint, a, b, title string) (string, error) {
	inter, err := experiment.OneShotIntersections(points, a, b)
	if err != nil {
		return "", err
	}
	if len(inter) == 0 {
		return "", fmt.Errorf("kernel: IntersectionPlot %q: no ratio with both %s and %s", title, a, b)
	}
	pr, rem := Series{Name: "pruned filter intersection ratio"}, Series{Name: "remaining filter intersection ratio"}
	for _, x := range inter {
		pr.X, pr.Y = append(pr.X, x.Ratio), append(pr.Y, x.Pruned)
		rem.X, rem.Y = append(rem.X, x.Ratio), append(rem.Y, x.Remaining)
	}
	return LinePlotWith(legendRoom([]Series{pr, rem}, true), title, "remaining filter ratio", "share in common", pr, rem)
}

// legendRoom returns options that put the legend at the top (left or right) of a plot whose
// y axis runs from the data's minimum (or 0) to enough above its maximum that the legend,
// about 4.5% of the plot height per entry, covers no line.
func legendRoom(series []Series, left bool) PlotOptions {
	lo, hi := 0.0, math.Inf(-1)
	for _, s := range series {
		for _, y := range s.Y {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	frac := min(0.045*float64(len(series))+0.03, 0.6)
	return PlotOptions{LegendLeft: left, YMin: lo, YMax: hi + (hi-lo)*frac/(1-frac)}
}

// OneShotTable displays the one-shot points: per metric and ratio the accuracy and loss without
// and with retraining, and the conv widths the selection kept.
func OneShotTable(points []experiment.OneShotPoint) {
	var rows [][]string
	for _, p := range points {
		var widths []int
		for _, l := range p.Plan {
			widths = append(widths, len(l.Keep))
		}
		rows = append(rows, []string{p.Metric, fmt.Sprintf("%.1f", p.Ratio), fmt.Sprintf("%.4f", p.AccuracyNoRetrain), fmt.Sprintf("%.4f", p.AccuracyRetrain),
			fmt.Sprintf("%.4f", p.LossNoRetrain), fmt.Sprintf("%.4f", p.LossRetrain), fmt.Sprint(widths)})
	}
	DisplayTable([]string{"metric", "remaining", "accuracy, no retraining", "accuracy, retrained", "loss, no retraining", "loss, retrained", "conv widths"}, rows)
}
