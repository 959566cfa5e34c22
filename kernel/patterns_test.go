package kernel

import (
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/pruner"
)

func TestPatternPlots(t *testing.T) {
	g := experiment.PatternGrid{Name: "t", Kinds: []string{"group", "element"}, Sparsities: []float64{0.5, 0.9},
		Cells: map[string]map[float64]experiment.PatternCell{
			"group":   {0.5: {Kind: "group", Sparsity: 0.5, Accuracy: 0.9, DenseMs: 10, Ms: 6}, 0.9: {Kind: "group", Sparsity: 0.9, Accuracy: 0.8, DenseMs: 10, Ms: 2}},
			"element": {0.9: {Kind: "element", Sparsity: 0.9, Accuracy: -1, DenseMs: 10, Ms: 8}},
		}}
	svg, err := PatternSpeedPlot(g, "speed")
	if err != nil || !strings.Contains(svg, "group-wise (group kernel)") || !strings.Contains(svg, "element-wise (csr kernel)") {
		t.Errorf("speed plot: %v", err)
	}
	// Only group trained: element's -1 accuracy is not drawn.
	svg, err = PatternAccuracyPlot(g, "acc", 0.95)
	if err != nil || strings.Contains(svg, "element-wise") || !strings.Contains(svg, "dense baseline") {
		t.Errorf("accuracy plot: %v", err)
	}
	r := &experiment.SensitivityReport{Model: "m", Dataset: "d", Metric: "l1-out", Base: 0.99,
		Rows: []pruner.SensitivityRow{{Layer: "conv1", Ratio: 0.9, Accuracy: 0.98}, {Layer: "conv1", Ratio: 0.5, Accuracy: 0.7}},
		Auto: &pruner.AutoRatios{Threshold: 0.98}}
	if svg, err = SensitivityPlot(r); err != nil || !strings.Contains(svg, "threshold 0.9800") {
		t.Errorf("sensitivity plot: %v", err)
	}
}

func TestPermutationTable(t *testing.T) {
	if err := PermutationTable("results/alexnet-mnist-permutation.json"); err != nil {
		t.Fatal(err)
	}
	if err := PermutationTable("results/no-such.json"); err == nil {
		t.Error("missing file accepted")
	}
}

func TestOrderAndKPlots(t *testing.T) {
	row := func(acc float64) *experiment.Row { return &experiment.Row{Metrics: experiment.Metrics{Accuracy: acc}} }
	mk := func(k float64) experiment.Grid {
		return experiment.Grid{Sweep: experiment.Sweep{Metrics: []string{"hybrid2"}, Ratios: []float64{0.8, 0.4}, K: k},
			Hybrid:   map[string][]*experiment.Row{"hybrid2": {row(0.9), row(0.8 + k/10)}},
			Filter:   map[string][]*experiment.Row{"hybrid2": {row(0.95), nil}},
			Reversed: map[string][]*experiment.Row{"hybrid2": {row(0.85), nil}}}
	}
	svg, err := OrderPlot(mk(0.5), "order", []string{"hybrid2"})
	if err != nil || !strings.Contains(svg, "reversed (2:4, then filters)") {
		t.Errorf("order plot: %v", err)
	}
	if _, err = KPlot([]experiment.Grid{mk(0), mk(1)}, "hybrid", 0.4, "k"); err != nil {
		t.Error(err)
	}
	// The config's ks in any order draw the same plot (sorted by k).
	a, _ := KPlot([]experiment.Grid{mk(1), mk(0), mk(0.5)}, "hybrid", 0.4, "k")
	b, _ := KPlot([]experiment.Grid{mk(0), mk(0.5), mk(1)}, "hybrid", 0.4, "k")
	if a != b || a == "" {
		t.Error("KPlot depends on the order of the grids")
	}
	if _, err = KPlot([]experiment.Grid{mk(0)}, "hybrid", 0.5, "k"); err == nil {
		t.Error("ratio outside the sweep accepted")
	}
}

// TestOneShotPlots draws Figs. 21a, 22 and 23 from hand-made one-shot points: one legend entry per
// metric and retraining state, the intersection of two equal plans at 1, and clear errors.
func TestOneShotPlots(t *testing.T) {
	plan := pruner.Plan{{Name: "conv1", Filters: 4, Keep: []int{0, 2}}}
	var points []experiment.OneShotPoint
	for _, m := range []string{"l1-out", "hybrid2"} {
		for _, r := range []float64{0.8, 0.5} {
			points = append(points, experiment.OneShotPoint{Metric: m, Ratio: r, AccuracyNoRetrain: r, AccuracyRetrain: 0.97,
				LossNoRetrain: 1 - r, LossRetrain: 0.1, Plan: plan})
		}
	}
	for _, v := range []string{"accuracy", "loss"} {
		svg, err := OneShotPlot(points, v, "fig", []string{"l1-out", "hybrid2"})
		if err != nil {
			t.Fatal(err)
		}
		_, texts := svgTexts(t, svg)
		joined := strings.Join(texts, "|")
		for _, want := range []string{"l1-out, no retraining", "hybrid2, retrained", "test " + v} {
			if !strings.Contains(joined, want) {
				t.Errorf("%s plot lacks %q", v, want)
			}
		}
	}
	if _, err := OneShotPlot(points, "f1", "fig", []string{"l1-out"}); err == nil {
		t.Error("value f1 accepted")
	}
	if _, err := OneShotPlot(points, "loss", "fig", []string{"hybrid1"}); err == nil {
		t.Error("a metric without points drew a plot")
	}
	if _, err := IntersectionPlot(points, "l1-out", "hybrid2", "21a"); err != nil {
		t.Error(err)
	}
	if _, err := IntersectionPlot(points, "l1-out", "hybrid1", "21a"); err == nil {
		t.Error("intersection with a metric without points accepted")
	}
}
