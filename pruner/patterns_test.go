package pruner

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

func maskOf(t *testing.T, w *nets.Tensor, cfg MaskConfig) []float32 {
	t.Helper()
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return LayerMask(w, cfg).Data
}

// TestLayerMaskHandComputed checks every kind on small matrices worked out by hand.
func TestLayerMaskHandComputed(t *testing.T) {
	row := tensor([]int{1, 8}, 1, -5, 2, 0.5, 3, -4, 0.1, 6)
	// Element 50%: the four smallest |w| (0.1, 0.5, 1, 2) go.
	if got := maskOf(t, row, MaskConfig{Kind: MaskElement, Sparsity: 0.5}); !reflect.DeepEqual(got, []float32{0, 1, 0, 0, 1, 1, 0, 1}) {
		t.Errorf("element mask %v", got)
	}
	// Vector L=4, 50%: [1 -5 2 .5] keeps -5, 2; [3 -4 .1 6] keeps -4, 6.
	if got := maskOf(t, row, MaskConfig{Kind: MaskVector, Sparsity: 0.5, Vector: 4}); !reflect.DeepEqual(got, []float32{0, 1, 1, 0, 0, 1, 0, 1}) {
		t.Errorf("vector mask %v", got)
	}
	// A partial last vector (K=6, L=4) keeps up to 2 of its 2 weights.
	short := tensor([]int{1, 6}, 1, -5, 2, 0.5, 3, -4)
	if got := maskOf(t, short, MaskConfig{Kind: MaskVector, Sparsity: 0.5, Vector: 4}); !reflect.DeepEqual(got, []float32{0, 1, 1, 0, 1, 1}) {
		t.Errorf("vector mask with a partial vector %v", got)
	}
	// Block 2x2 on a 4x4 matrix, 50%: block L2^2 = top-left 4, top-right 100, bottom-left 16,
	// bottom-right 1: the bottom-right and top-left blocks go.
	m := tensor([]int{4, 4},
		1, 1, 5, 5,
		1, 1, 5, 5,
		2, 2, 0.5, 0.5,
		2, 2, 0.5, 0.5)
	if got := maskOf(t, m, MaskConfig{Kind: MaskBlock, Sparsity: 0.5, Block: 2}); !reflect.DeepEqual(got, []float32{
		0, 0, 1, 1,
		0, 0, 1, 1,
		1, 1, 0, 0,
		1, 1, 0, 0}) {
		t.Errorf("block mask %v", got)
	}
	// Group on a conv [2, 1, 2, 2] (K = 4 positions): column L2^2 = 2, 25, 1.25, 16 at 50%
	// removes positions 2 and 0 in both filters.
	conv := tensor([]int{2, 1, 2, 2},
		1, 3, 1, 4,
		-1, 4, 0.5, 0)
	if got := maskOf(t, conv, MaskConfig{Kind: MaskGroup, Sparsity: 0.5}); !reflect.DeepEqual(got, []float32{0, 1, 0, 1, 0, 1, 0, 1}) {
		t.Errorf("group mask %v", got)
	}
	// Sparsity 0 keeps everything, for every kind.
	for _, k := range []MaskKind{MaskElement, MaskVector, MaskBlock, MaskGroup} {
		if got := maskOf(t, m, MaskConfig{Kind: k, Block: 2}); Sparsity(nets.Weights{"m": {Shape: m.Shape, Data: got}}) != 0 {
			t.Errorf("%s at sparsity 0 removed weights: %v", k, got)
		}
	}
}

// TestMasksOnSpec checks the achieved sparsity per kind, the skip list, the error cases and that
// N:M stays the default.
func TestMasksOnSpec(t *testing.T) {
	spec := smallBNNet(t) // conv K = 27, 54, 72; rows 6, 8, 5
	w := randomize(spec, 5)
	for _, tc := range []struct {
		cfg  MaskConfig
		want map[string]float64 // per-layer sparsity
	}{
		// round(0.6*162) = 97, round(0.6*432) = 259, 0.6*360 = 216 weights removed.
		{MaskConfig{Kind: MaskElement, Sparsity: 0.6}, map[string]float64{"conv1/weight": 97.0 / 162, "conv2/weight": 259.0 / 432, "conv3/weight": 0.6}},
		// 54 columns * 0.5 = 27 removed; 27 * 0.5 = 13.5 rounds to 14.
		{MaskConfig{Kind: MaskGroup, Sparsity: 0.5}, map[string]float64{"conv1/weight": 14.0 / 27, "conv2/weight": 0.5, "conv3/weight": 0.5}},
		// Vectors of 9 keep round(0.3*9) = 3: 6/9 removed everywhere (K is a multiple of 9).
		{MaskConfig{Kind: MaskVector, Sparsity: 0.7, Vector: 9}, map[string]float64{"conv1/weight": 6.0 / 9, "conv2/weight": 6.0 / 9, "conv3/weight": 6.0 / 9}},
	} {
		masks, err := Masks(spec, w, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(masks) != len(tc.want) {
			t.Errorf("%s: masks for %v", tc.cfg.Kind, masks.Names())
		}
		for name, s := range tc.want {
			if got := Sparsity(masks, name); !near(got, s, 1e-9) {
				t.Errorf("%s %s sparsity %g, want %g", tc.cfg.Kind, name, got, s)
			}
		}
	}
	// Block 2 tiles conv2 (8x54) only: conv1 has 6x27, conv3 5x72.
	_, err := Masks(spec, w, MaskConfig{Kind: MaskBlock, Sparsity: 0.5, Block: 2})
	if err == nil || !strings.Contains(err.Error(), `"conv1/weight" is a 6x27 weight matrix`) {
		t.Errorf("non-tiling block: %v", err)
	}
	masks, err := Masks(spec, w, MaskConfig{Kind: MaskBlock, Sparsity: 0.5, Block: 2, Skip: []string{"conv1", "conv3"}})
	if err != nil || len(masks) != 1 || Sparsity(masks) != 0.5 {
		t.Errorf("block masks of conv2: %v %v", masks.Names(), err)
	}
	for _, bad := range []MaskConfig{
		{Kind: MaskGroup, Sparsity: 1}, {Kind: MaskElement, Sparsity: -0.1}, {Kind: MaskVector, Sparsity: 0.5, Vector: 1},
		{Kind: MaskBlock, Sparsity: 0.5, Block: -1}, {Kind: "diagonal"},
	} {
		if _, err := Masks(spec, w, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	nm, err := Masks(spec, w, MaskConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := NMMasks(spec, w, MaskConfig{})
	if !reflect.DeepEqual(nm, want) {
		t.Error("the zero MaskConfig does not give 2:4 masks")
	}
	for s, want := range map[string]MaskKind{"": MaskNM, "2:4": MaskNM, "Group": MaskGroup, "block": MaskBlock} {
		if got, err := ParseMaskKind(s); err != nil || got != want {
			t.Errorf("ParseMaskKind(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseMaskKind("diagonal"); err == nil {
		t.Error("unknown kind parsed")
	}
}

// TestScheduleWithPatternMasks runs the hybrid and reversed schedules with group and vector masks:
// the mask stage is named after the kind and the final masks keep their structure.
func TestScheduleWithPatternMasks(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 9)
	cfg := testConfig("l1-out")
	cfg.Masks = MaskConfig{Kind: MaskGroup, Sparsity: 0.5}
	res, err := RunHybrid(spec, w, cfg, &fakeTuner{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := stages(res); got[5] != "group-prune" {
		t.Errorf("stages %v", got)
	}
	for name, m := range res.Masks {
		rows, k := matrixDims(m)
		for c := range k {
			for r := 1; r < rows; r++ {
				if m.Data[r*k+c] != m.Data[c] {
					t.Fatalf("%s column %d is not removed from all filters", name, c)
				}
			}
		}
		for i, v := range m.Data {
			if v == 0 && res.Weights[name].Data[i] != 0 {
				t.Fatalf("%s weight %d masked but non-zero", name, i)
			}
		}
	}
	// Reversed: vector masks first, then filter surgery; every vector still keeps at most 3 of 9.
	cfg.Masks = MaskConfig{Kind: MaskVector, Sparsity: 2.0 / 3, Vector: 9}
	if res, err = RunReversed(spec, w, cfg, &fakeTuner{}, nil); err != nil {
		t.Fatal(err)
	}
	for name, m := range res.Masks {
		rows, k := matrixDims(m)
		for r := range rows {
			for v0 := 0; v0 < k; v0 += 9 {
				kept := 0
				for c := v0; c < min(v0+9, k); c++ {
					kept += int(m.Data[r*k+c])
				}
				if kept > 3 {
					t.Fatalf("%s row %d vector at %d keeps %d > 3", name, r, v0, kept)
				}
			}
		}
	}
	cfg.Masks = MaskConfig{Kind: MaskBlock, Sparsity: 0.5, Block: 1}
	if _, err = RunReversed(spec, w, cfg, &fakeTuner{}, nil); err == nil || !strings.Contains(err.Error(), "do not survive filter surgery") {
		t.Errorf("reversed schedule with block masks: %v", err)
	}
	cfg.Masks = MaskConfig{Kind: MaskElement, Sparsity: 1.5}
	if _, err = RunHybrid(spec, w, cfg, &fakeTuner{}, nil); err == nil {
		t.Error("sparsity 1.5 accepted by the schedule")
	}
}
