package pruner

import (
	"math"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// Hand-worked values for the 4x8 matrix of Figure 3 (2:4, width order). Per row, the two groups'
// L1 norms w and kept norms w' (two largest magnitudes) are:
//
//	row 1: |2.1 1.2 1.3 0.5| w=5.1 w'=3.4   |1.1 1.5 1.7 0.8| w=5.1 w'=3.2
//	row 2: |0.2 1.3 0.6 0.1| w=2.2 w'=1.9   |0.9 0.3 0.2 1.3| w=2.7 w'=2.2
//	row 3: |1.5 0.1 0.4 0.8| w=2.8 w'=2.3   |0.2 1.3 0.1 1.1| w=2.7 w'=2.4
//	row 4: |0.5 0.9 0.0 1.0| w=2.4 w'=1.9   |1.5 0.7 0.9 0.0| w=3.1 w'=2.4
func TestFigure3Metrics(t *testing.T) {
	w := figure3()
	r, err := RemanentL1(w, OrderWidth, Pattern24)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "remanent", r, []float64{3.4 + 3.2, 1.9 + 2.2, 2.3 + 2.4, 1.9 + 2.4})

	d, err := DominantRatio(w, OrderWidth, Pattern24)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "dominant", d, []float64{10.2 / 3.6, 4.9 / 0.8, 5.5 / 0.8, 5.5 / 1.2})

	p, err := Preservation(w, OrderWidth, Pattern24)
	if err != nil {
		t.Fatal(err)
	}
	// Harmonic mean of alpha = w'/w: 2 / (w1/w'1 + w2/w'2).
	wantFloats(t, "preservation", p, []float64{
		2 / (5.1/3.4 + 5.1/3.2), 2 / (2.2/1.9 + 2.7/2.2), 2 / (2.8/2.3 + 2.7/2.4), 2 / (2.4/1.9 + 3.1/2.4)})
	wantFloats(t, "preservation (rounded)", []float64{p[0], p[1]}, []float64{0.646464646, 0.838515546})

	in, err := InputL1(w)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "input L1", in, []float64{10.2 / 8, 4.9 / 8, 5.5 / 8, 5.5 / 8})
}

func TestGroupOrders(t *testing.T) {
	// One filter [in=4, kh=1, kw=2]: OIHW row a0 a1 b0 b1 c0 c1 d0 d1 = 1..8.
	w := tensor([]int{1, 4, 1, 2}, 1, 2, 3, 4, 5, 6, 7, 8)
	g, err := FilterGroups(w, 0, OrderWidth, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(g, want) {
		t.Errorf("width groups %v, want %v", g, want)
	}
	g, _ = FilterGroups(w, 0, OrderChannels, 4)
	if want := []float32{1, 3, 5, 7, 2, 4, 6, 8}; !slices.Equal(g, want) {
		t.Errorf("channel groups %v, want %v", g, want)
	}
	r, _ := RemanentL1(w, OrderWidth, Pattern24)
	wantFloats(t, "remanent width", r, []float64{(3 + 4) + (7 + 8)})
	r, _ = RemanentL1(w, OrderChannels, Pattern24)
	wantFloats(t, "remanent channels", r, []float64{(5 + 7) + (6 + 8)})
}

func TestPaddingAndEdgeCases(t *testing.T) {
	// Length 6: groups |1 -2 3 -4| and |5 0.5 (0 0)| (zero-padded tail).
	w := tensor([]int{1, 6, 1, 1}, 1, -2, 3, -4, 5, 0.5)
	g, _ := FilterGroups(w, 0, OrderWidth, 4)
	if want := []float32{1, -2, 3, -4, 5, 0.5, 0, 0}; !slices.Equal(g, want) {
		t.Errorf("padded groups %v, want %v", g, want)
	}
	r, _ := RemanentL1(w, OrderWidth, Pattern24)
	wantFloats(t, "remanent padded", r, []float64{7 + 5.5})
	p, _ := Preservation(w, OrderWidth, Pattern24)
	wantFloats(t, "preservation padded", p, []float64{2 / (10.0/7 + 1)}) // 14/17
	d, _ := DominantRatio(w, OrderWidth, Pattern24)
	wantFloats(t, "dominant padded", d, []float64{15.5 / 3})

	// An all-zero group has preservation ratio 1.
	if a := PreservationRatio([]float32{0, 0, 0, 0}, 2); a != 1 {
		t.Errorf("all-zero group alpha = %g, want 1", a)
	}
	z := tensor([]int{1, 8, 1, 1}, 0, 0, 0, 0, 1, 2, 3, 4)
	p, _ = Preservation(z, OrderWidth, Pattern24)
	wantFloats(t, "preservation with zero group", p, []float64{2 / (1 + 10.0/7)})

	// Nothing to prune (every group already 2:4, or all zero): dominant ratio +Inf.
	nothing := tensor([]int{2, 8, 1, 1},
		1, 0, 0, 2, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0)
	d, _ = DominantRatio(nothing, OrderWidth, Pattern24)
	if !math.IsInf(d[0], 1) || !math.IsInf(d[1], 1) {
		t.Errorf("dominant ratio of unprunable filters = %v, want +Inf", d)
	}
	p, _ = Preservation(nothing, OrderWidth, Pattern24)
	wantFloats(t, "preservation of unprunable filters", p, []float64{1, 1})

	// Other patterns: 1:4 keeps the largest, 4:8 the four largest of eight.
	r, _ = RemanentL1(figure3(), OrderWidth, Pattern{N: 1, M: 4})
	wantFloats(t, "remanent 1:4", r, []float64{2.1 + 1.7, 1.3 + 1.3, 1.5 + 1.3, 1.0 + 1.5})
	r, _ = RemanentL1(figure3(), OrderWidth, Pattern{N: 4, M: 8})
	wantFloats(t, "remanent 4:8", r, []float64{2.1 + 1.7 + 1.5 + 1.3, 1.3 + 1.3 + 0.9 + 0.6, 1.5 + 1.3 + 1.1 + 0.8, 1.5 + 1.0 + 0.9 + 0.9})

	if _, err := RemanentL1(w, OrderWidth, Pattern{N: 4, M: 4}); err == nil {
		t.Error("pattern 4:4 accepted")
	}
	if _, err := RemanentL1(w, "rows", Pattern24); err == nil {
		t.Error("unknown order accepted")
	}
}

func TestOutputL1(t *testing.T) {
	// Next conv [o2=2, channels=3, 1, 2]: channel i owns F[:, i, :, :]; eq. 3 divides by o2*kh*kw = 4.
	next := tensor([]int{2, 3, 1, 2},
		1, -1, 2, 0, 0, 0,
		3, 1, -2, 2, 0, 4)
	got, err := OutputL1(next, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "output L1 conv", got, []float64{(1 + 1 + 3 + 1) / 4.0, (2 + 0 + 2 + 2) / 4.0, (0 + 0 + 0 + 4) / 4.0})
	sum, _ := OutputL1Sum(next, 3)
	wantFloats(t, "output L1 sum", sum, []float64{6, 6, 4})

	// Dense after flatten [o2=2, 2 channels x H*W=3]: channel c owns columns [3c, 3c+3).
	dense := tensor([]int{2, 6},
		1, 2, 3, 0, 0, -1,
		-1, 0, 0, 4, 4, 4)
	got, err = OutputL1(dense, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "output L1 dense", got, []float64{(1 + 2 + 3 + 1) / 6.0, (1 + 4 + 4 + 4) / 6.0})

	if _, err := OutputL1(dense, 4); err == nil {
		t.Error("6 columns split into 4 channels accepted")
	}
	if _, err := OutputL1(nil, 2); err == nil {
		t.Error("missing consumer accepted")
	}
}

func TestLpAndAPoZ(t *testing.T) {
	w := tensor([]int{2, 1, 1, 2}, 3, -4, 1, 0)
	l2, _ := LpNorm(w, 2)
	wantFloats(t, "l2", l2, []float64{5, 1})
	l1, _ := LpNorm(w, 1)
	wantFloats(t, "l1", l1, []float64{7, 1})
	if _, err := LpNorm(w, 0); err == nil {
		t.Error("p = 0 accepted")
	}

	// Batch 2, 2 channels, 2 values each: channel 0 = {0, 1, 2, 0}, channel 1 = {0, 0, 3, -1}.
	act := []float32{0, 1, 0, 0, 2, 0, 3, -1}
	a, err := APoZ(act, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "apoz", a, []float64{2.0 / 4, 3.0 / 4})
	in := NewInput([]Layer{{Name: "c", Weight: tensor([]int{2, 1, 1, 1}, 1, 1)}})
	in.Activations = &Activations{N: 2, Layers: [][]float32{act}}
	s, err := ScoreByName("apoz", in)
	if err != nil {
		t.Fatal(err)
	}
	wantFloats(t, "apoz metric", s[0], []float64{0.5, 0.25})
	in.Activations = nil
	if _, err := ScoreByName("apoz", in); err == nil {
		t.Error("apoz without activations accepted")
	}
}

func TestCaptureActivations(t *testing.T) {
	spec := smallBNNet(t) // conv1 bn1 relu1 pool1 drop1 | conv2 relu2 bn2 | conv3 bn3 relu3 pool2 ...
	w := randomize(spec, 51)
	x := randomInput(spec, 2, 52)
	acts, err := CaptureActivations(spec, w, x, 2)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := nets.ForwardActivations(spec, w, x, 2)
	for i, name := range []string{"relu1", "relu2", "relu3"} {
		if !slices.Equal(acts.Layers[i], all[spec.Index(name)]) {
			t.Errorf("activation %d is not the output of %s", i, name)
		}
	}
	layers, _ := LayersFromSpec(spec, w)
	in := NewInput(layers)
	in.Activations = acts
	s, err := ScoreByName("apoz", in)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range s {
		for j, v := range l {
			if v < 0 || v > 1 {
				t.Errorf("apoz score layer %d filter %d = %g", i, j, v)
			}
		}
	}
}
