package experiment

import (
	"math"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

// TestSpread: hand-placed points on a 2 x 2 grid, the maximum in the last cell, a constant axis.
func TestSpread(t *testing.T) {
	for _, c := range []struct {
		u, v []float64
		want int
	}{
		{[]float64{0, 1, 0, 1}, []float64{0, 0, 1, 1}, 4},
		{[]float64{0, 0.1, 0.2, 1}, []float64{0, 0.1, 0.2, 1}, 2},
		{[]float64{3, 3, 3}, []float64{0, 0.6, 1}, 2},
	} {
		if got := Spread(c.u, c.v, 2); got != c.want {
			t.Errorf("Spread(%v, %v, 2) = %d, want %d", c.u, c.v, got, c.want)
		}
	}
}

// TestUVReportTransforms: the transforms run over all layers together (global ranks, one
// global minimum), and the verdicts compare each transform's spread with the raw one.
func TestUVReportTransforms(t *testing.T) {
	r := UVReport{Sweep: "s", Layers: []UVLayer{
		{Name: "conv1", U: []float64{5, 1}, V: []float64{0.2, 0.9}},
		{Name: "conv2", U: []float64{3, 2, 4}, V: []float64{0.5, 0.5, 0.1}},
	}}
	ranks, err := r.Transformed(pruner.Rank, pruner.Rank)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ranks[0].U, []float64{5, 1}) || !slices.Equal(ranks[1].U, []float64{3, 2, 4}) ||
		!slices.Equal(ranks[0].V, []float64{2, 5}) || !slices.Equal(ranks[1].V, []float64{3, 4, 1}) {
		t.Fatalf("ranks %+v", ranks)
	}
	sq, err := r.Transformed(pruner.SqDistToMin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sq[0].U, []float64{16, 0}) || !slices.Equal(sq[1].U, []float64{4, 1, 9}) || !slices.Equal(sq[1].V, r.Layers[1].V) {
		t.Fatalf("squared distances %+v", sq)
	}
	vs, err := UVVerdicts(r, "conv2")
	if err != nil || len(vs) != 2 {
		t.Fatalf("verdicts %v, %v", vs, err)
	}
	if _, err := UVVerdicts(r, "conv9"); err == nil {
		t.Fatal("a missing layer gave no error")
	}
}

// TestNewUVReport: a model's report has one entry per conv layer with one (u, v) per filter,
// equal (to 6 digits) to the metrics scored directly, and its verdicts are computed for conv3.
func TestNewUVReport(t *testing.T) {
	spec, err := nets.ByName("alexnet", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	w := spec.InitWeights(3)
	r, err := NewUVReport(testSweep(), spec, w)
	if err != nil {
		t.Fatal(err)
	}
	widths := []int{64, 192, 384, 256, 256}
	if len(r.Layers) != len(widths) {
		t.Fatalf("%d layers, want %d", len(r.Layers), len(widths))
	}
	opts := pruner.DefaultScoreOptions()
	u, _, err := pruner.ScoreSpec(spec, w, "l1-out", opts)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := pruner.ScoreSpec(spec, w, "preservation", opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range r.Layers {
		if len(l.U) != widths[i] || len(l.V) != widths[i] {
			t.Fatalf("%s: %d u, %d v, want %d", l.Name, len(l.U), len(l.V), widths[i])
		}
		for j := range l.U {
			if math.Abs(l.U[j]-u[i][j]) > 1e-5*math.Abs(u[i][j]) || math.Abs(l.V[j]-v[i][j]) > 1e-5*math.Abs(v[i][j]) {
				t.Fatalf("%s filter %d: (%g, %g), scored directly (%g, %g)", l.Name, j, l.U[j], l.V[j], u[i][j], v[i][j])
			}
		}
	}
	if vs, err := UVVerdicts(r, "conv3"); err != nil || len(vs) != 2 {
		t.Fatalf("verdicts %v, %v", vs, err)
	}
}
