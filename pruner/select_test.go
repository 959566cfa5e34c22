package pruner

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

func keeps(p Plan) [][]int {
	out := make([][]int, len(p))
	for i, l := range p {
		out[i] = l.Keep
	}
	return out
}

func TestSelectGlobalAndLocal(t *testing.T) {
	names := []string{"a", "b"}
	s := Scores{{0.9, 0.1, 0.5}, {0.2, 0.8}}

	// Global 0.6 of 5 = 3: each layer first keeps its best (a0, b1), then a2 beats b0 and a1.
	p, err := Select(names, s, SelectConfig{Ratio: 0.6})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keeps(p), [][]int{{0, 2}, {1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("global keep %v, want %v", got, want)
	}
	if got := p[0].Pruned(); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("pruned %v, want [1]", got)
	}

	// Global 0.2 of 5 = 1 < one per layer: the minimum wins.
	p, _ = Select(names, s, SelectConfig{Ratio: 0.2})
	if got, want := keeps(p), [][]int{{0}, {1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("global keep with minimum %v, want %v", got, want)
	}

	// Global ranking can empty most of a layer: b's scores are all above a's.
	p, _ = Select(names, Scores{{0.1, 0.2, 0.3}, {0.8, 0.9}}, SelectConfig{Ratio: 0.6})
	if got, want := keeps(p), [][]int{{2}, {0, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("global keep %v, want %v", got, want)
	}

	// Local 0.5: a keeps round(1.5) = 2, b keeps 1; b overridden to 1.0 keeps both.
	p, _ = Select(names, s, SelectConfig{Ratio: 0.5, Scope: ScopeLocal})
	if got, want := keeps(p), [][]int{{0, 2}, {1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("local keep %v, want %v", got, want)
	}
	p, _ = Select(names, s, SelectConfig{Ratio: 0.5, Scope: ScopeLocal, LayerRatios: map[string]float64{"b": 1}})
	if got, want := keeps(p), [][]int{{0, 2}, {0, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("local keep with override %v, want %v", got, want)
	}

	// Ties keep the earlier filter.
	p, _ = Select([]string{"t"}, Scores{{1, 1, 1, 1}}, SelectConfig{Ratio: 0.5})
	if got := keeps(p); !reflect.DeepEqual(got, [][]int{{0, 1}}) {
		t.Errorf("ties keep %v, want [[0 1]]", got)
	}

	// Ratios relative to base counts (iterative pruning): the layer has 4 of its original 8 left;
	// 0.25 of 8 = 2.
	p, _ = Select([]string{"t"}, Scores{{4, 3, 2, 1}}, SelectConfig{Ratio: 0.25, BaseCounts: []int{8}})
	if got := keeps(p); !reflect.DeepEqual(got, [][]int{{0, 1}}) {
		t.Errorf("base-count keep %v, want [[0 1]]", got)
	}
}

func TestSelectMultipleAndMinimum(t *testing.T) {
	mk := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(n - i) // filter 0 best
		}
		return out
	}
	names := []string{"x", "y", "z"}
	s := Scores{mk(20), mk(26), mk(6)}
	p, err := Select(names, s, SelectConfig{Ratio: 0.5, Scope: ScopeLocal, Multiple: 8})
	if err != nil {
		t.Fatal(err)
	}
	// x: 10 -> 8; y: 13 -> 16; z (6 < 8 filters) keeps all.
	for i, want := range []int{8, 16, 6} {
		if got := len(p[i].Keep); got != want {
			t.Errorf("%s keeps %d, want %d", names[i], got, want)
		}
	}
	p, _ = Select(names, s, SelectConfig{Ratio: 0.1, Scope: ScopeLocal, MinFilters: 4})
	for i, want := range []int{4, 4, 4} {
		if got := len(p[i].Keep); got != want {
			t.Errorf("%s keeps %d with minimum 4, want %d", names[i], got, want)
		}
	}
}

func TestSelectRejects(t *testing.T) {
	names := []string{"a"}
	s := Scores{{1, 2}}
	for _, c := range []SelectConfig{
		{Ratio: 0}, {Ratio: -0.5}, {Ratio: 1.5}, {Ratio: 0.5, Scope: "row"}, {Ratio: 0.5, Multiple: -8},
		{Ratio: 0.5, LayerRatios: map[string]float64{"a": 0}},
	} {
		if _, err := Select(names, s, c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
	if _, err := Select(names, s, SelectConfig{Ratio: 0.5, Scope: ScopeLocal, LayerRatios: map[string]float64{"conv9": 0.5}}); err == nil {
		t.Error("ratio for an unknown layer accepted")
	}
	if _, err := Select([]string{"a", "b"}, s, SelectConfig{Ratio: 0.5}); err == nil {
		t.Error("names/scores mismatch accepted")
	}

	spec := nets.AlexNet(3, 10)
	bad := Plan{{Name: "conv1", Filters: 64}}
	if err := bad.Validate(spec); err == nil || !strings.Contains(err.Error(), "lose all") {
		t.Errorf("plan emptying a layer: err = %v", err)
	}
	for _, p := range []Plan{
		{{Name: "relu1", Filters: 64, Keep: []int{0}}},
		{{Name: "conv1", Filters: 63, Keep: []int{0}}},
		{{Name: "conv1", Filters: 64, Keep: []int{3, 1}}},
		{{Name: "conv1", Filters: 64, Keep: []int{64}}},
	} {
		if err := p.Validate(spec); err == nil {
			t.Errorf("plan %+v accepted", p)
		}
	}
}

// TestSelectMaxPruneRatio: without a cap, a layer with small raw scores loses everything but its
// MinFilters; with MaxPruneRatio 0.5 it keeps half, and the rest of the budget goes to the other
// layer by score.
func TestSelectMaxPruneRatio(t *testing.T) {
	scores := Scores{{100, 90, 80, 70}, {1, 2, 3, 4}}
	names := []string{"a", "b"}
	p, err := Select(names, scores, SelectConfig{Ratio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if got := [][]int{p[0].Keep, p[1].Keep}; !slices.Equal(got[0], []int{0, 1, 2}) || !slices.Equal(got[1], []int{3}) {
		t.Fatalf("uncapped keep = %v, want [0 1 2] [3]", got)
	}
	p, err = Select(names, scores, SelectConfig{Ratio: 0.5, MaxPruneRatio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if got := [][]int{p[0].Keep, p[1].Keep}; !slices.Equal(got[0], []int{0, 1}) || !slices.Equal(got[1], []int{2, 3}) {
		t.Fatalf("capped keep = %v, want [0 1] [2 3]", got)
	}
}

// TestSelectNormalize: dividing by each layer's maximum (or mean) makes the layers compete on
// relative importance: scores {100,90,80,70} / 100 and {1,2,3,4} / 4 interleave.
func TestSelectNormalize(t *testing.T) {
	scores := Scores{{100, 90, 80, 70}, {1, 2, 3, 4}}
	names := []string{"a", "b"}
	// max: a -> 1, .9, .8, .7; b -> .25, .5, .75, 1. Keep 4: a0, b3, a1, a2.
	p, err := Select(names, scores, SelectConfig{Ratio: 0.5, Normalize: NormMax})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p[0].Keep, []int{0, 1, 2}) || !slices.Equal(p[1].Keep, []int{3}) {
		t.Fatalf("max-normalized keep = %v %v, want [0 1 2] [3]", p[0].Keep, p[1].Keep)
	}
	// mean: a -> 1.176, 1.059, .941, .824; b -> .4, .8, 1.2, 1.6. Keep 4: b3, b2, a0, a1.
	p, err = Select(names, scores, SelectConfig{Ratio: 0.5, Normalize: NormMean})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p[0].Keep, []int{0, 1}) || !slices.Equal(p[1].Keep, []int{2, 3}) {
		t.Fatalf("mean-normalized keep = %v %v, want [0 1] [2 3]", p[0].Keep, p[1].Keep)
	}
	if scores[1][0] != 1 {
		t.Fatal("Select modified the caller's scores")
	}
	for _, bad := range []SelectConfig{{Ratio: 0.5, MaxPruneRatio: 1}, {Ratio: 0.5, MaxPruneRatio: -0.1}, {Ratio: 0.5, Normalize: "l2"}} {
		if _, err := Select(names, scores, bad); err == nil {
			t.Errorf("Select(%+v) accepted a bad config", bad)
		}
	}
}
