package nets

import (
	"math"
	"testing"
)

// TestEpochStatsDiverging on the two VGG16-BN recipes measured on CIFAR-10 (lr 0.05: 0.119 and a
// training loss of 3.84 after 2 epochs; lr 0.01: 0.474 and 1.74) and the edges: a NaN loss,
// chance accuracy with a loss below ln(10) = 2.303 (a slow start, not a divergence), a high loss
// above chance, and fewer than two classes.
func TestEpochStatsDiverging(t *testing.T) {
	for _, c := range []struct {
		name      string
		acc, loss float64
		classes   int
		want      bool
	}{
		{"lr 0.05", 0.119, 3.84, 10, true},
		{"lr 0.01", 0.474, 1.74, 10, false},
		{"NaN loss at chance", 0.1, math.NaN(), 10, true},
		{"slow start", 0.11, 2.2, 10, false},
		{"high loss above chance", 0.3, 3.0, 10, false},
		{"one class", 0.1, 9, 1, false},
	} {
		if got := (EpochStats{TestAccuracy: c.acc, TrainLoss: c.loss}).Diverging(c.classes); got != c.want {
			t.Errorf("%s: Diverging = %v, want %v", c.name, got, c.want)
		}
	}
}
