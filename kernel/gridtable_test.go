package kernel

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/experiment"
)

// TestGridTable: a partial grid prints its finished cells and "-" for the rest, with the baseline
// and N:M-only line above.
func TestGridTable(t *testing.T) {
	if IsNotebook() {
		t.Skip("running under GoNB")
	}
	row := func(acc float64) *experiment.Row { return &experiment.Row{Metrics: experiment.Metrics{Accuracy: acc}} }
	g := experiment.Grid{
		Sweep:    experiment.Sweep{Name: "s", Metrics: []string{"l1-out"}, Ratios: []float64{0.9, 0.5}, Pattern: "2:4"},
		Baseline: row(0.91),
		Filter:   map[string][]*experiment.Row{"l1-out": {row(0.8), nil}},
		Hybrid:   map[string][]*experiment.Row{"l1-out": {nil, row(0.7)}},
		Reversed: map[string][]*experiment.Row{"l1-out": {nil, nil}},
	}
	var buf bytes.Buffer
	old := Out
	Out = &buf
	defer func() { Out = old }()
	GridTable(g)
	out := buf.String()
	for _, want := range []string{"original model 0.9100, 2:4 only -", "l1-out  filter  0.8000  -", "l1-out  hybrid  -       0.7000"} {
		if !strings.Contains(out, want) {
			t.Errorf("GridTable output lacks %q:\n%s", want, out)
		}
	}
}
