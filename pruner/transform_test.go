package pruner

import (
	"math"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

func TestTransforms(t *testing.T) {
	s := Scores{{3, 1}, {2, 2, 5}}
	r, err := Rank(s)
	if err != nil {
		t.Fatal(err)
	}
	// Ascending over all filters: 1(l0f1) 2(l1f0) 2(l1f1) 3(l0f0) 5(l1f2); ties in network order.
	wantScores(t, "rank", r, Scores{{4, 1}, {2, 3, 5}})

	d, err := SqDistToMin(s)
	if err != nil {
		t.Fatal(err)
	}
	wantScores(t, "sqdist", d, Scores{{4, 0}, {1, 1, 16}})

	id, _ := Identity(s)
	id[0][0] = 99
	if s[0][0] != 3 {
		t.Error("Identity shares memory with its input")
	}

	m, err := Mix(r, d, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	wantScores(t, "mix", m, Scores{{0.75*4 + 0.25*4, 0.75 * 1}, {0.75*2 + 0.25, 0.75*3 + 0.25, 0.75*5 + 0.25*16}})

	inf := Scores{{math.Inf(1), 1}}
	for _, k := range []float64{0, 1} {
		got, _ := Mix(inf, Scores{{2, 3}}, k)
		if math.IsNaN(got[0][0]) {
			t.Errorf("Mix(k=%g) with +Inf gave NaN", k)
		}
	}
	if _, err := Mix(s, s, 1.5); err == nil {
		t.Error("k = 1.5 accepted")
	}
	if _, err := Mix(s, s, -0.1); err == nil {
		t.Error("k = -0.1 accepted")
	}
	if _, err := Rank(Scores{{math.NaN()}}); err == nil {
		t.Error("NaN ranked")
	}
	sq, _ := SqDistToMin(Scores{{math.Inf(1), 2, 2}})
	wantScores(t, "sqdist with inf", sq, Scores{{math.Inf(1), 0, 0}})

	for _, name := range []string{"rank", "sqdist", "identity"} {
		if _, err := ParseTransform(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseTransform("log"); err == nil {
		t.Error("unknown transform accepted")
	}
}

// hybridLayers is a two-layer net worked by hand:
//
//	conv0 [2,1,2,2]: filter 0 = 4 3 2 1 (w=10, w'=7, p=0.7), filter 1 = 1 1 0 0 (p=1)
//	conv1 [1,2,1,1]: 0.5 -2 -> output L1 of conv0 = (0.5, 2); its filter pads to 0.5 -2 0 0 (p=1)
//	fc0   [2,2] (H*W=2): 1 -1 / 3 1 -> output L1 of conv1 = (1+1+3+1)/4 = 1.5
func hybridLayers(t *testing.T) []Layer {
	t.Helper()
	layers, err := LayersFromArrays([]*nets.Tensor{
		tensor([]int{2, 1, 2, 2}, 4, 3, 2, 1, 1, 1, 0, 0),
		tensor([]int{1, 2, 1, 1}, 0.5, -2),
	}, tensor([]int{2, 2}, 1, -1, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	return layers
}

func TestHybridMetrics(t *testing.T) {
	in := NewInput(hybridLayers(t))
	u, err := ScoreByName("l1-out", in)
	if err != nil {
		t.Fatal(err)
	}
	wantScores(t, "u", u, Scores{{0.5, 2}, {1.5}})
	v, _ := ScoreByName("preservation", in)
	wantScores(t, "v", v, Scores{{0.7, 1}, {1}})

	// hybrid1 = 0.5 rank(u) + 0.5 rank(v): rank(u) = (1,3),(2); rank(v) = (1,2),(3).
	h1, err := ScoreByName("hybrid1", in)
	if err != nil {
		t.Fatal(err)
	}
	wantScores(t, "hybrid1", h1, Scores{{1, 2.5}, {2.5}})
	// hybrid2 = 0.5 sqdist(u) + 0.5 v: sqdist(u) = (0, 2.25), (1).
	h2, _ := ScoreByName("hybrid2", in)
	wantScores(t, "hybrid2", h2, Scores{{0.35, 1.625}, {1}})

	// k = 0 is u's transform, k = 1 is v's.
	in.K = 0
	h2, _ = ScoreByName("hybrid2", in)
	wantScores(t, "hybrid2 k=0", h2, Scores{{0, 2.25}, {1}})
	in.K = 1
	h2, _ = ScoreByName("hybrid2", in)
	wantScores(t, "hybrid2 k=1", h2, v)
	in.K = 2
	if _, err := ScoreByName("hybrid2", in); err == nil || !strings.Contains(err.Error(), "k=2") {
		t.Errorf("k = 2: err = %v", err)
	}

	// Any two metrics mix: input L1 with rank, remanent with sqdist.
	in.K = 0.5
	custom := HybridMetric{U: InputL1Metric, TU: Rank, V: RemanentL1Metric, TV: SqDistToMin}
	got, err := custom.Score(in)
	if err != nil {
		t.Fatal(err)
	}
	// input L1 = (2.5, 0.5), (1.25) -> ranks (3,1),(2); remanent = (7, 2), (2.5) -> sqdist (25, 0), (0.25).
	wantScores(t, "custom hybrid", got, Scores{{0.5*3 + 0.5*25, 0.5 * 1}, {0.5*2 + 0.5*0.25}})
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"l1-in", "l1-out", "remanent-l1", "dominant-ratio", "preservation", "lp", "apoz", "hybrid1", "hybrid2"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("built-in %q: %v", name, err)
		}
	}
	if _, err := Lookup("entropy"); err == nil || !strings.Contains(err.Error(), "hybrid2") {
		t.Errorf("unknown metric: err = %v, want the list of known names", err)
	}
	// A user metric: the number of input channels of each filter's layer.
	err := Register("test-const", PerLayer("test-const", func(in *Input, i int) ([]float64, error) {
		out := make([]float64, in.Layers[i].Filters())
		for j := range out {
			out[j] = float64(j)
		}
		return out, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := Register("test-const", InputL1Metric); err == nil {
		t.Error("duplicate registration accepted")
	}
	if err := Register("Bad Name", InputL1Metric); err == nil {
		t.Error("bad name accepted")
	}
	s, err := ScoreByName("test-const", NewInput(hybridLayers(t)))
	if err != nil {
		t.Fatal(err)
	}
	wantScores(t, "user metric", s, Scores{{0, 1}, {0}})
}
