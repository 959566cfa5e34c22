package pruner

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// tinyPermNet: conv1 (8 filters, 1x1) -> ReLU -> conv2 (1 filter over 8 channels, 1x1): conv2's
// weight is the 1x8 row of the hand-computed example.
func tinyPermNet(t *testing.T) (*nets.Spec, nets.Weights) {
	t.Helper()
	s, err := nets.NewBuilder("tiny-perm", nets.Shape{C: 2, H: 2, W: 2}, 3).
		Conv(8, 1, 1, 0).ReLU().Conv(1, 1, 1, 0).ReLU().Flatten(4).Dense(3).Spec()
	if err != nil {
		t.Fatal(err)
	}
	w := randomize(s, 21)
	copy(w["conv2/weight"].Data, []float32{4, -3, 2, 2, -1, 1, 0, 0})
	return s, w
}

// TestPermuteHandExample: the row |4 3 2 2 | 1 1 0 0| keeps 4+3 + 1+1 = 9 of 13 under 2:4 in the
// identity order. Splitting the four largest two and two over the groups, e.g. |4 3 1 0|2 2 1 0|,
// keeps 7 + 4 = 11, the optimum (the mask keeps at most 4 weights, and 4+3+2+2 = 11).
func TestPermuteHandExample(t *testing.T) {
	spec, w := tinyPermNet(t)
	perms, err := SearchPermutations(spec, w, PermuteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(perms) != 2 || perms[0].Layer != "conv1" || perms[0].Skipped == "" {
		t.Fatalf("want conv1 skipped (reads the input) and conv2 searched, got %+v", perms)
	}
	p := perms[1]
	if p.Layer != "conv2" || p.Producer != "conv1" || p.Skipped != "" {
		t.Fatalf("conv2 permutation %+v", p)
	}
	if p.Total != 13 || p.KeptBefore != 9 || p.KeptAfter != 11 {
		t.Fatalf("total %g, kept before %g, after %g; want 13, 9, 11", p.Total, p.KeptBefore, p.KeptAfter)
	}
	for g := range 2 {
		big := 0
		for _, c := range p.Perm[g*4 : (g+1)*4] {
			if c < 4 {
				big++
			}
		}
		if big != 2 {
			t.Errorf("group %d holds channels %v: want two of the four largest (0..3)", g, p.Perm[g*4:(g+1)*4])
		}
	}
	pw, err := ApplyPermutations(spec, w, perms)
	if err != nil {
		t.Fatal(err)
	}
	kept, _, err := KeptMagnitude(pw["conv2/weight"], Pattern24, OrderChannels)
	if err != nil || kept != 11 {
		t.Fatalf("kept magnitude of the permuted conv2 %g (%v), want 11", kept, err)
	}
	// conv1's filter j is its old filter Perm[j].
	for j, old := range p.Perm {
		if pw["conv1/bias"].Data[j] != w["conv1/bias"].Data[old] || pw["conv1/weight"].Data[2*j] != w["conv1/weight"].Data[2*old] {
			t.Fatalf("conv1 filter %d is not old filter %d", j, old)
		}
	}
	checkSameFunction(t, spec, w, pw, 3)
}

// checkSameFunction compares the reference forward of two weight sets on a random batch.
func checkSameFunction(t *testing.T, spec *nets.Spec, a, b nets.Weights, n int) {
	t.Helper()
	x := randomInput(spec, n, 13)
	ya, err := nets.Forward(spec, a, x, n)
	if err != nil {
		t.Fatal(err)
	}
	yb, err := nets.Forward(spec, b, x, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ya {
		if d := math.Abs(float64(ya[i] - yb[i])); !(d <= 1e-5*math.Max(1, math.Abs(float64(ya[i])))) { // NaN fails too
			t.Fatalf("%s: logit %d differs by %g (%g vs %g)", spec.Name, i, d, ya[i], yb[i])
		}
	}
}

func alexNetShaped(t *testing.T) *nets.Spec {
	t.Helper()
	s, err := nets.NewBuilder("alexnet-small", nets.Shape{C: 3, H: 16, W: 16}, 10).
		Conv(16, 5, 2, 2).ReLU().MaxPool(2).
		Conv(24, 3, 1, 1).ReLU().
		Conv(16, 3, 1, 1).ReLU().
		Conv(8, 3, 1, 1).ReLU().MaxPool(2).
		Flatten(8 * 2 * 2).Dense(10).Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// vggShaped has batch-norm before and after ReLU, dropout, and a conv with 6 input channels (not
// a multiple of 4: left unpermuted).
func vggShaped(t *testing.T) *nets.Spec {
	t.Helper()
	s, err := nets.NewBuilder("vgg-small", nets.Shape{C: 3, H: 8, W: 8}, 5).
		ConvBNReLU(6, 3).ConvBNReLU(12, 3).MaxPool(2).Dropout(0.1).
		ConvBNReLU(16, 3).
		Conv(8, 3, 1, 1).ReLU().BatchNorm().MaxPool(2).
		Flatten(8 * 2 * 2).Dense(5).Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPermuteFunctionPreserved: on AlexNet- and VGG-shaped random nets, for several search
// settings, the permuted weights compute the original logits (reference forward, 1e-5), every
// permutation is a bijection, the kept magnitude never drops and rises somewhere, and the
// reported KeptAfter is what NMMasks keeps on the permuted weights.
func TestPermuteFunctionPreserved(t *testing.T) {
	for _, spec := range []*nets.Spec{alexNetShaped(t), vggShaped(t)} {
		w := randomize(spec, 4)
		for _, cfg := range []PermuteConfig{{}, {Sorted: true}, {Escapes: 5, Seed: 3}} {
			pw, perms, err := PermuteChannels(spec, w, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var before, after float64
			searched := 0
			for _, p := range perms {
				if err := checkPerm(p.Perm, spec.Layers[spec.Index(p.Layer)].InChannels); err != nil {
					t.Errorf("%s %s: %v", spec.Name, p.Layer, err)
				}
				if p.KeptAfter < p.KeptBefore {
					t.Errorf("%s %s: kept %g < %g before", spec.Name, p.Layer, p.KeptAfter, p.KeptBefore)
				}
				kept, _, _ := KeptMagnitude(pw[p.Layer+"/weight"], Pattern24, OrderChannels)
				if !near(kept, p.KeptAfter, 1e-9) {
					t.Errorf("%s %s: permuted weight keeps %g, reported %g", spec.Name, p.Layer, kept, p.KeptAfter)
				}
				before += p.KeptBefore
				after += p.KeptAfter
				if p.Skipped == "" {
					searched++
				}
			}
			if after <= before {
				t.Errorf("%s %+v: kept %g -> %g, want a gain", spec.Name, cfg, before, after)
			}
			wantSearched := 3 // alexnet-small: conv2..conv4
			if spec.Name == "vgg-small" {
				wantSearched = 2 // conv2 reads 6 channels; conv3, conv4
				if p := perms[1]; p.Skipped == "" || !strings.Contains(p.Skipped, "multiple") || p.KeptAfter != p.KeptBefore {
					t.Errorf("vgg-small conv2 (6 channels) should be skipped: %+v", p)
				}
				if !slices.Equal(perms[3].BatchNorms, []string{"bn3"}) {
					t.Errorf("conv4's batch-norms %v, want [bn3]", perms[3].BatchNorms)
				}
			}
			if searched != wantSearched {
				t.Errorf("%s: %d layers searched, want %d", spec.Name, searched, wantSearched)
			}
			checkSameFunction(t, spec, w, pw, 2)

			// NMMasks on the permuted weights keep the sum of KeptAfter (conv1 unpermuted).
			masks, err := NMMasks(spec, pw, MaskConfig{Order: OrderChannels})
			if err != nil {
				t.Fatal(err)
			}
			var maskKept float64
			for _, p := range perms {
				for i, v := range pw[p.Layer+"/weight"].Data {
					maskKept += math.Abs(float64(v)) * float64(masks[p.Layer+"/weight"].Data[i])
				}
			}
			if !near(maskKept, after, 1e-9) {
				t.Errorf("%s: masks keep %g, permutations report %g", spec.Name, maskKept, after)
			}
		}
	}
}

// TestPermuteSearchBounds: on random 8-channel rows the search is deterministic, never below the
// identity and never above the brute-force optimum over all 35 splits into two groups of 4.
func TestPermuteSearchBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	hits := 0
	for trial := range 20 {
		wt := nets.NewTensor(3, 8, 1, 2)
		for i := range wt.Data {
			wt.Data[i] = float32(rng.NormFloat64())
		}
		s := newChannelSearch(wt, Pattern24)
		best := 0.0
		for mask := range 1 << 8 {
			if popcount(mask) != 4 || mask&1 == 0 {
				continue
			}
			var g1, g2 []int
			for c := range 8 {
				if mask&(1<<c) != 0 {
					g1 = append(g1, c)
				} else {
					g2 = append(g2, c)
				}
			}
			best = math.Max(best, s.groupValue(g1)+s.groupValue(g2))
		}
		cfg := PermuteConfig{}.withDefaults()
		perm, _ := searchChannelPerm(wt, cfg, rand.New(rand.NewPCG(1, 1)))
		again, _ := searchChannelPerm(wt, cfg, rand.New(rand.NewPCG(1, 1)))
		if !slices.Equal(perm, again) {
			t.Fatalf("trial %d: search not deterministic: %v vs %v", trial, perm, again)
		}
		got := s.groupValue(perm[:4]) + s.groupValue(perm[4:])
		id := s.groupValue([]int{0, 1, 2, 3}) + s.groupValue([]int{4, 5, 6, 7})
		if got < id-1e-9 || got > best+1e-6 {
			t.Fatalf("trial %d: search keeps %g, identity %g, optimum %g", trial, got, id, best)
		}
		if near(got, best, 1e-6) {
			hits++
		}
	}
	if hits < 15 {
		t.Errorf("search reached the optimum in %d of 20 trials", hits)
	}
	// The 2:4 removal tables give the gains of brute-force regrouping.
	wt := nets.NewTensor(5, 16, 3, 3)
	for i := range wt.Data {
		wt.Data[i] = float32(rng.NormFloat64())
	}
	s := newChannelSearch(wt, Pattern24)
	for g1 := range 4 {
		for g2 := g1 + 1; g2 < 4; g2++ {
			got := s.bestSwap(g1, g2, make([]int, 4), make([]int, 4))
			want := 0.0
			for i := range 4 {
				for j := range 4 {
					x, y := slices.Clone(s.group(g1)), slices.Clone(s.group(g2))
					x[i], y[j] = y[j], x[i]
					want = math.Max(want, s.groupValue(x)+s.groupValue(y)-s.gval[g1]-s.gval[g2])
				}
			}
			if !near(got.gain, want, 1e-6) {
				t.Errorf("groups %d, %d: best swap gains %g, brute force %g", g1, g2, got.gain, want)
			}
		}
	}
	// The generic N:M path agrees with the 2:4 fast path.
	for range 50 {
		v := [4]float32{rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32()}
		s := slices.Clone(v[:])
		slices.Sort(s)
		if got := top2of4(v[0], v[1], v[2], v[3]); got != s[2]+s[3] {
			t.Fatalf("top2of4(%v) = %g, want %g", v, got, s[2]+s[3])
		}
	}
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestPermuteOtherPattern: a 1:4 search (the generic path) also gains and preserves the function.
func TestPermuteOtherPattern(t *testing.T) {
	spec := alexNetShaped(t)
	w := randomize(spec, 8)
	pw, perms, err := PermuteChannels(spec, w, PermuteConfig{Pattern: Pattern{N: 1, M: 4}})
	if err != nil {
		t.Fatal(err)
	}
	var before, after float64
	for _, p := range perms {
		before += p.KeptBefore
		after += p.KeptAfter
	}
	if after <= before {
		t.Errorf("1:4 kept %g -> %g", before, after)
	}
	checkSameFunction(t, spec, w, pw, 2)
}

// TestPermuteErrors: invalid patterns, the width order, unknown or input-reading layers and bad
// permutations are rejected with an error naming the problem.
func TestPermuteErrors(t *testing.T) {
	spec, w := tinyPermNet(t)
	for _, c := range []struct {
		cfg  PermuteConfig
		want string
	}{
		{PermuteConfig{Pattern: Pattern{N: 4, M: 4}}, "N:M"},
		{PermuteConfig{Pattern: Pattern{N: 0, M: 4}}, "N:M"},
		{PermuteConfig{Pattern: Pattern{N: 2, M: 17}}, "N:M"},
		{PermuteConfig{Order: OrderWidth}, "width"},
		{PermuteConfig{Order: "rows"}, "rows"},
		{PermuteConfig{Layers: []string{"conv9"}}, "conv9"},
		{PermuteConfig{Skip: []string{"fc1"}}, "fc1"},
		{PermuteConfig{Layers: []string{"conv1"}}, "network input"},
		{PermuteConfig{Escapes: -1}, "negative"},
	} {
		if _, err := SearchPermutations(spec, w, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.cfg, err, c.want)
		}
	}
	if _, err := SearchPermutations(spec, nets.Weights{}, PermuteConfig{}); err == nil {
		t.Error("missing weights accepted")
	}
	id := iota(8)
	swapped := []int{1, 0, 2, 3, 4, 5, 6, 7}
	for _, c := range []struct {
		perms []LayerPermutation
		want  string
	}{
		{[]LayerPermutation{{Layer: "conv7", Perm: id}}, "conv7"},
		{[]LayerPermutation{{Layer: "conv2", Perm: id}, {Layer: "conv2", Perm: id}}, "twice"},
		{[]LayerPermutation{{Layer: "conv2", Perm: []int{0, 1, 2}}}, "3 entries"},
		{[]LayerPermutation{{Layer: "conv2", Perm: []int{0, 0, 2, 3, 4, 5, 6, 7}}}, "not a permutation"},
		{[]LayerPermutation{{Layer: "conv2", Perm: []int{0, 1, 2, 3, 4, 5, 6, 8}}}, "not a permutation"},
		{[]LayerPermutation{{Layer: "conv1", Perm: []int{1, 0}}}, "network input"},
		{[]LayerPermutation{{Layer: "conv2", Producer: "conv9", Perm: swapped}}, "do not match"},
	} {
		if _, err := ApplyPermutations(spec, w, c.perms); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", c.perms, err, c.want)
		}
	}
	if _, err := PermutedSchedule("filter", PermuteConfig{}); err == nil {
		t.Error("PermutedSchedule(filter) accepted")
	}
	if _, err := PermutedSchedule("nm", PermuteConfig{Order: OrderWidth}); err == nil {
		t.Error("PermutedSchedule with the width order accepted")
	}
	run, _ := PermutedSchedule("nm", PermuteConfig{})
	cfg := DefaultScheduleConfig("l1-in", 1)
	cfg.RetrainEpochs = 0 // masks along the width: mismatch
	if _, err := run(spec, w, cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "width") {
		t.Errorf("permuted nm schedule with width masks: %v", err)
	}
	cfg.Masks.Order, cfg.Masks.Kind = OrderChannels, MaskElement
	if _, err := run(spec, w, cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "element") {
		t.Errorf("permuted nm schedule with element masks: %v", err)
	}
}

// TestPermutedSchedule: the nm and hybrid schedules wrapped by PermutedSchedule (no training)
// keep more magnitude than unpermuted ones, produce N:M masks along the channels, and the hybrid
// one reports original, filter-prune and nm-prune rows.
func TestPermutedSchedule(t *testing.T) {
	spec := alexNetShaped(t)
	w := randomize(spec, 9)
	cfg := DefaultScheduleConfig("l1-in", 0.75)
	cfg.RetrainEpochs = 0
	cfg.Masks.Order = OrderChannels
	keptOf := func(r *Result) float64 {
		var k float64
		for name, m := range r.Masks {
			if CheckNM(r.Weights[name], Pattern24, OrderChannels) != nil {
				t.Fatalf("%s is not 2:4 along the channels", name)
			}
			for i, v := range r.Weights[name].Data {
				k += math.Abs(float64(v)) * float64(m.Data[i])
			}
		}
		return k
	}
	for _, name := range []string{"nm", "hybrid", "reversed"} {
		var searched int
		run, err := PermutedSchedule(name, PermuteConfig{OnSearch: func(s *nets.Spec, ps []LayerPermutation) {
			searched = len(ps)
			if !strings.Contains(PermutationSummary(ps), "permute total") {
				t.Errorf("summary: %q", PermutationSummary(ps))
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(spec, w, cfg, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		plain, err := schedulesForTest[name](spec, w, cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if searched == 0 {
			t.Errorf("%s: OnSearch not called", name)
		}
		if kg, kp := keptOf(got), keptOf(plain); kg <= kp {
			t.Errorf("%s: permuted keeps %g, plain %g", name, kg, kp)
		}
		var stages []string
		for _, r := range got.Reports {
			stages = append(stages, r.Stage)
		}
		var want []string
		for _, r := range plain.Reports {
			want = append(want, r.Stage)
		}
		if !slices.Equal(stages, want) {
			t.Errorf("%s: stages %v, want %v", name, stages, want)
		}
		if name == "hybrid" {
			last := got.Reports[len(got.Reports)-1].RemainingRatio
			if want := plain.Reports[len(plain.Reports)-1].RemainingRatio; !near(last, want, 1e-12) {
				t.Errorf("hybrid: remaining ratio %g, want %g", last, want)
			}
		}
	}
}

var schedulesForTest = map[string]func(*nets.Spec, nets.Weights, ScheduleConfig, FineTuner, Evaluator) (*Result, error){
	"nm": RunNMOnly, "hybrid": RunHybrid, "reversed": RunReversed,
}

// TestPermuteResNet: in a residual net only a block's conv2 (with its conv1, bias-free, and bn1)
// is permuted; the stem, every block's conv1 and the shortcut read a layer that the add also
// reads and stay unpermuted. The function is preserved.
func TestPermuteResNet(t *testing.T) {
	spec, err := nets.ResNet("resnet-tiny", nets.Shape{C: 3, H: 8, W: 8}, 5, []int{8, 16}, []int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	w := randomize(spec, 6)
	pw, perms, err := PermuteChannels(spec, w, PermuteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var searched []string
	var before, after float64
	for _, p := range perms {
		if p.Skipped == "" {
			searched = append(searched, p.Layer+"<"+p.Producer+strings.Join(p.BatchNorms, ","))
		}
		before += p.KeptBefore
		after += p.KeptAfter
	}
	want := []string{"layer1.0.conv2<layer1.0.conv1layer1.0.bn1", "layer2.0.conv2<layer2.0.conv1layer2.0.bn1"}
	if !slices.Equal(searched, want) {
		t.Errorf("searched %v, want %v", searched, want)
	}
	if after <= before {
		t.Errorf("kept %g -> %g", before, after)
	}
	for _, bad := range []string{"layer2.0.conv1", "layer2.0.shortcut.0"} {
		if _, err := ApplyPermutations(spec, w, []LayerPermutation{{Layer: bad, Perm: []int{1, 0, 2, 3, 4, 5, 6, 7}}}); err == nil {
			t.Errorf("permuting %s (reads the block input) accepted", bad)
		}
	}
	checkSameFunction(t, spec, w, pw, 2)
}
