package pruner

import (
	"math"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// TestFigure3Mask reproduces the paper's Figure 3: the 2:4 pruned matrix.
func TestFigure3Mask(t *testing.T) {
	w := figure3()
	mask, err := NMMask(w, Pattern24, OrderWidth)
	if err != nil {
		t.Fatal(err)
	}
	pruned, err := ApplyMasks(nets.Weights{"f": w}, nets.Weights{"f": mask})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{
		2.1, 0.0, 1.3, 0.0, 0.0, 1.5, 1.7, 0.0,
		0.0, -1.3, 0.6, 0.0, -0.9, 0.0, 0.0, 1.3,
		1.5, 0.0, 0.0, 0.8, 0.0, -1.3, 0.0, -1.1,
		0.0, -0.9, 0.0, 1.0, 1.5, 0.0, 0.9, 0.0,
	}
	if got := pruned["f"].Data; !slices.Equal(got, want) {
		t.Errorf("Figure 3 pruned matrix\n got %v\nwant %v", got, want)
	}
	if err := CheckNM(pruned["f"], Pattern24, OrderWidth); err != nil {
		t.Error(err)
	}
	if err := CheckNM(w, Pattern24, OrderWidth); err == nil {
		t.Error("the dense Figure 3 matrix passes the 2:4 check")
	}
	if nz, total := CountNonZero(nets.Weights{"m": mask}); nz != 16 || total != 32 {
		t.Errorf("mask keeps %d of %d, want 16 of 32", nz, total)
	}
	// The remanent L1 norm is the L1 norm of the pruned matrix.
	r, _ := RemanentL1(w, OrderWidth, Pattern24)
	for o := 0; o < 4; o++ {
		s := 0.0
		for _, v := range want[o*8 : (o+1)*8] {
			s += math.Abs(float64(v))
		}
		if !near(r[o], s, 1e-6) {
			t.Errorf("remanent L1 row %d = %g, pruned row L1 = %g", o, r[o], s)
		}
	}
}

func TestNMMaskOrdersAndPatterns(t *testing.T) {
	w := tensor([]int{1, 4, 1, 2}, 1, 2, 3, 4, 5, 6, 7, 8)
	m, _ := NMMask(w, Pattern24, OrderWidth)
	if want := []float32{0, 0, 1, 1, 0, 0, 1, 1}; !slices.Equal(m.Data, want) {
		t.Errorf("width mask %v, want %v", m.Data, want)
	}
	m, _ = NMMask(w, Pattern24, OrderChannels)
	// Channel groups (a0 b0 c0 d0) = 1 3 5 7 and (a1 b1 c1 d1) = 2 4 6 8 keep c and d.
	if want := []float32{0, 0, 0, 0, 1, 1, 1, 1}; !slices.Equal(m.Data, want) {
		t.Errorf("channels mask %v, want %v", m.Data, want)
	}
	masked, _ := ApplyMasks(nets.Weights{"w": w}, nets.Weights{"w": m})
	if err := CheckNM(masked["w"], Pattern24, OrderChannels); err != nil {
		t.Error(err)
	}
	if err := CheckNM(masked["w"], Pattern24, OrderWidth); err == nil {
		t.Error("channel-order mask is 2:4 along the width too; test data too weak")
	}

	f := figure3()
	m, _ = NMMask(f, Pattern{N: 1, M: 4}, OrderWidth)
	if want := []float32{1, 0, 0, 0, 0, 0, 1, 0}; !slices.Equal(m.Data[:8], want) {
		t.Errorf("1:4 mask row 1 %v, want %v", m.Data[:8], want)
	}
	m, _ = NMMask(f, Pattern{N: 4, M: 8}, OrderWidth)
	// Row 1 |2.1 1.2 1.3 0.5 1.1 1.5 1.7 0.8|: keep 2.1 1.7 1.5 1.3.
	if want := []float32{1, 0, 1, 0, 0, 1, 1, 0}; !slices.Equal(m.Data[:8], want) {
		t.Errorf("4:8 mask row 1 %v, want %v", m.Data[:8], want)
	}

	// Ties keep the earlier weight; a padded tail group keeps only real weights.
	m, _ = NMMask(tensor([]int{1, 6, 1, 1}, 1, 1, 1, 1, 0.5, 0.25), Pattern24, OrderWidth)
	if want := []float32{1, 1, 0, 0, 1, 1}; !slices.Equal(m.Data, want) {
		t.Errorf("ties/padding mask %v, want %v", m.Data, want)
	}
	m, _ = NMMask(tensor([]int{1, 5, 1, 1}, 1, 2, 3, 4, 5), Pattern24, OrderWidth)
	if want := []float32{0, 0, 1, 1, 1}; !slices.Equal(m.Data, want) {
		t.Errorf("tail of one weight: mask %v, want %v", m.Data, want)
	}
	// Dense weights [out, in] group along the row.
	m, _ = NMMask(tensor([]int{1, 4}, 4, -3, 2, 1), Pattern24, OrderChannels)
	if want := []float32{1, 1, 0, 0}; !slices.Equal(m.Data, want) {
		t.Errorf("dense mask %v, want %v", m.Data, want)
	}
}

func TestNMMasksAndHelpers(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 21)
	for _, order := range []GroupOrder{OrderWidth, OrderChannels} {
		masks, err := NMMasks(spec, w, MaskConfig{Order: order, Dense: true, Skip: []string{"fc2"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(masks) != 4 || masks["fc2/weight"] != nil || masks["fc1/weight"] == nil {
			t.Fatalf("masks %v: want conv1-3 and fc1", masks.Names())
		}
		mw, err := ApplyMasks(w, masks)
		if err != nil {
			t.Fatal(err)
		}
		for name := range masks {
			if err := CheckNM(mw[name], Pattern24, order); err != nil {
				t.Errorf("%s %s: %v", order, name, err)
			}
			if !slices.Equal(masks[name].Shape, w[name].Shape) {
				t.Errorf("mask %s shape %v", name, masks[name].Shape)
			}
		}
		// conv1 has 27 weights per filter: 6 full groups keep 2 each, the tail group (3 real
		// weights and one zero of padding) keeps 2.
		nz, total := CountNonZero(masks, "conv1/weight")
		if nz != 6*(6*2+2) || total != 6*27 {
			t.Errorf("%s conv1 mask keeps %d of %d, want %d of %d", order, nz, total, 6*14, 6*27)
		}
	}
	if _, err := NMMasks(spec, w, MaskConfig{Pattern: Pattern{N: 3, M: 2}}); err == nil {
		t.Error("pattern 3:2 accepted")
	}
	if _, err := ApplyMasks(w, nets.Weights{"conv1/weight": nets.NewTensor(1)}); err == nil {
		t.Error("mask of the wrong shape accepted")
	}
	if s := Sparsity(nets.Weights{"a": tensor([]int{4}, 0, 1, 0, 0)}); s != 0.75 {
		t.Errorf("sparsity %g, want 0.75", s)
	}
}

func TestMagnitudeMasks(t *testing.T) {
	b := nets.NewBuilder("tiny", nets.Shape{C: 1, H: 1, W: 1}, 2)
	spec, err := b.Conv(2, 1, 1, 0).Flatten(2).Dense(2).Spec()
	if err != nil {
		t.Fatal(err)
	}
	w := spec.InitWeights(0)
	w["conv1/weight"].Data = []float32{0.1, -5}
	w["fc1/weight"].Data = []float32{1, -0.2, 3, 0.05}
	// Global over conv and dense, 50% of 6: 0.05, 0.1, -0.2 go.
	m, err := MagnitudeMasks(spec, w, 0.5, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m["conv1/weight"].Data, []float32{0, 1}) || !slices.Equal(m["fc1/weight"].Data, []float32{1, 0, 1, 0}) {
		t.Errorf("global masks %v %v", m["conv1/weight"].Data, m["fc1/weight"].Data)
	}
	// Per layer, 50%: conv keeps -5, dense keeps 1 and 3.
	m, _ = MagnitudeMasks(spec, w, 0.5, false, true)
	if !slices.Equal(m["conv1/weight"].Data, []float32{0, 1}) || !slices.Equal(m["fc1/weight"].Data, []float32{1, 0, 1, 0}) {
		t.Errorf("per-layer masks %v %v", m["conv1/weight"].Data, m["fc1/weight"].Data)
	}
	// Global 25% of 6 = round(1.5) = 2: 0.05 and 0.1.
	m, _ = MagnitudeMasks(spec, w, 0.25, true, true)
	if !slices.Equal(m["conv1/weight"].Data, []float32{0, 1}) || !slices.Equal(m["fc1/weight"].Data, []float32{1, 1, 1, 0}) {
		t.Errorf("global 25%% masks %v %v", m["conv1/weight"].Data, m["fc1/weight"].Data)
	}
	m, _ = MagnitudeMasks(spec, w, 0.5, true, false)
	if m["fc1/weight"] != nil {
		t.Error("dense masked without dense=true")
	}
	if _, err := MagnitudeMasks(spec, w, 1, true, true); err == nil {
		t.Error("sparsity 1 accepted")
	}
}

func TestReprojectMasks(t *testing.T) {
	// A consumer row of 8 weights in width order; its channels are pairs (in=4, kw=2). After
	// removing input channel 1 (weights 2,3) the row is 6 long and regrouped: |w0 w1 w4 w5| |w6 w7|.
	w := tensor([]int{1, 4, 1, 2}, 8, 7, 6, 5, 4, 3, 2, 1)
	mask, _ := NMMask(w, Pattern24, OrderWidth) // keeps 8 7 | 4 3
	sliced, err := gather(mask, sel{nil, []int{0, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := gather(w, sel{nil, []int{0, 2, 3}}) // 8 7 4 3 | 2 1
	// The sliced mask keeps 8 7 4 3 in one group: 4 > 2, not 2:4 any more.
	m1, _ := ApplyMasks(nets.Weights{"w": sw}, nets.Weights{"w": sliced})
	if err := CheckNM(m1["w"], Pattern24, OrderWidth); err == nil {
		t.Fatal("test setup: sliced mask is still 2:4")
	}
	re, err := ReprojectMasks(nets.Weights{"w": sw}, nets.Weights{"w": sliced}, Pattern24, OrderWidth)
	if err != nil {
		t.Fatal(err)
	}
	// New groups: |8 7 4 3| keeps 8 7; |2 1| were pruned before and stay pruned.
	if want := []float32{1, 1, 0, 0, 0, 0}; !slices.Equal(re["w"].Data, want) {
		t.Errorf("reprojected mask %v, want %v", re["w"].Data, want)
	}
}
