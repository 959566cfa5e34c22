package pruner

import (
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// budgetNet: conv1 1->4 and conv2 4->4 (1x1 on 2x2) then dense 16->2: 16 + 64 + 32 = 112 MACs.
func budgetNet(t *testing.T) *nets.Spec {
	t.Helper()
	s, err := nets.NewBuilder("budget", nets.Shape{C: 1, H: 2, W: 2}, 2).
		Conv(4, 1, 1, 0).ReLU().Conv(4, 1, 1, 0).ReLU().Flatten(16).Dense(2).Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAllocateRatiosThresholdRule(t *testing.T) {
	spec := budgetNet(t)
	if m, err := SpecMACs(spec); err != nil || m != 112 {
		t.Fatalf("MACs %d %v, want 112", m, err)
	}
	rows := []SensitivityRow{
		{"conv1", 0.5, 0.9}, {"conv1", 0.25, 0.5},
		{"conv2", 0.5, 0.95}, {"conv2", 0.25, 0.8},
	}
	for _, tc := range []struct {
		budget, threshold, macs float64
		ratios                  map[string]float64
	}{
		// t = 0.95: conv2 halves (conv1 has no point that good): 16 + 32 + 16 = 64 MACs.
		{0.6, 0.95, 64.0 / 112, map[string]float64{"conv1": 1, "conv2": 0.5}},
		// t = 0.9 keeps 40/112 > 0.3; t = 0.8: conv1 2, conv2 1 filter: 8 + 8 + 8 = 24.
		{0.3, 0.8, 24.0 / 112, map[string]float64{"conv1": 0.5, "conv2": 0.25}},
	} {
		got, err := AllocateRatios(spec, rows, Budget{MACs: tc.budget})
		if err != nil {
			t.Fatal(err)
		}
		if got.Threshold != tc.threshold || !near(got.MACs, tc.macs, 1e-12) || len(got.Ratios) != 2 ||
			got.Ratios["conv1"] != tc.ratios["conv1"] || got.Ratios["conv2"] != tc.ratios["conv2"] {
			t.Errorf("budget %g: %+v, want threshold %g, MACs %g, ratios %v", tc.budget, got, tc.threshold, tc.macs, tc.ratios)
		}
	}
	// The smallest ratios keep 4 + 4 + 8 = 16/112 = 0.143 of the MACs.
	if _, err := AllocateRatios(spec, rows, Budget{MACs: 0.1}); err == nil || !strings.Contains(err.Error(), "cannot be met") {
		t.Errorf("unreachable budget: %v", err)
	}
	for _, b := range []float64{0, 1.5, -1} {
		if _, err := AllocateRatios(spec, rows, Budget{MACs: b}); err == nil {
			t.Errorf("budget %g accepted", b)
		}
	}
	if _, err := AllocateRatios(spec, []SensitivityRow{{"fc", 0.5, 1}}, Budget{MACs: 0.5}); err == nil {
		t.Error("row of a missing layer accepted")
	}
}

func TestMatchMACs(t *testing.T) {
	spec := budgetNet(t)
	w := randomize(spec, 2)
	scores, layers, err := ScoreSpec(spec, w, "l1-in", DefaultScoreOptions())
	if err != nil {
		t.Fatal(err)
	}
	names := LayerNames(layers)
	uniform := func(r float64) (Plan, error) {
		return Select(names, scores, SelectConfig{Ratio: r, Scope: ScopeLocal})
	}
	// Uniform 0.5 keeps 2 + 2 filters: 8 + 16 + 16 = 40 MACs, the closest reachable to 0.35.
	r, plan, f, err := MatchMACs(spec, 0.35, uniform)
	if err != nil {
		t.Fatal(err)
	}
	if !near(f, 40.0/112, 1e-12) || plan.Kept() != 4 || r <= 0.375 || r >= 0.625 {
		t.Errorf("MatchMACs: ratio %g, kept %d, MACs %g", r, plan.Kept(), f)
	}
}
