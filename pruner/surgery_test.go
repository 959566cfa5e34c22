package pruner

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// randomPlan keeps `ratio` of all conv filters (of a residual net: channel units), chosen by random
// scores (global selection over the dependency groups).
func randomPlan(t *testing.T, spec *nets.Spec, ratio float64, seed uint64) Plan {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	var names []string
	var s Scores
	for _, i := range spec.ConvIndices() {
		names = append(names, spec.Layers[i].Name)
		l := make([]float64, spec.Layers[i].OutChannels)
		for j := range l {
			l[j] = rng.Float64()
		}
		s = append(s, l)
	}
	p, err := SelectSpec(spec, names, s, SelectConfig{Ratio: ratio}) // Select on a chain
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkEquivalent runs the physically pruned net and the original net with the pruned filters
// silenced (ZeroFilters) on the same batch and compares the logits (to 1e-5, relative to the
// largest logit when that exceeds 1).
func checkEquivalent(t *testing.T, spec *nets.Spec, w nets.Weights, plan Plan, n int) {
	t.Helper()
	ps, pw, err := ApplyPlan(spec, w, plan)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := ZeroFilters(spec, w, plan)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(spec, n, 5)
	want, err := nets.Forward(spec, zw, x, n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := nets.Forward(ps, pw, x, n)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := nets.Forward(spec, w, x, n)
	maxDiff, changed, scale := 0.0, 0.0, 1.0
	for i := range want {
		maxDiff = math.Max(maxDiff, math.Abs(float64(got[i]-want[i])))
		changed = math.Max(changed, math.Abs(float64(full[i]-want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	if maxDiff > 1e-5*scale {
		t.Errorf("%s: pruned vs zeroed logits differ by %g (> 1e-5 x max(1, largest logit %g))", spec.Name, maxDiff, scale)
	}
	if changed < 1e-4 {
		t.Errorf("%s: pruning did not change the logits (%g): the test would not catch a wrong surgery", spec.Name, changed)
	}
	if ps.ParamCount() >= spec.ParamCount() {
		t.Errorf("%s: pruned net has %d params, original %d", spec.Name, ps.ParamCount(), spec.ParamCount())
	}
}

func TestSurgeryAlexNet(t *testing.T) {
	spec := nets.AlexNet(3, 10)
	w := randomize(spec, 1) // random biases too
	plan := randomPlan(t, spec, 0.5, 2)
	ps, pw, err := ApplyPlan(spec, w, plan)
	if err != nil {
		t.Fatal(err)
	}
	// Channel bookkeeping: every conv has its kept count, the next conv reads it, and the dense
	// layer reads kept(conv5) * 1 * 1 features.
	ci := ps.ConvIndices()
	for k, i := range ci {
		if got := ps.Layers[i].OutChannels; got != len(plan[k].Keep) {
			t.Errorf("%s has %d filters, plan keeps %d", ps.Layers[i].Name, got, len(plan[k].Keep))
		}
		if k > 0 && ps.Layers[i].InChannels != len(plan[k-1].Keep) {
			t.Errorf("%s reads %d channels, want %d", ps.Layers[i].Name, ps.Layers[i].InChannels, len(plan[k-1].Keep))
		}
	}
	fc := ps.Layers[ps.Index("fc1")]
	if fc.InChannels != len(plan[len(plan)-1].Keep) {
		t.Errorf("fc1 reads %d features, want %d", fc.InChannels, len(plan[len(plan)-1].Keep))
	}
	// Values: kept filter f of conv2 is row f of the original, restricted to kept conv1 channels.
	orig, pruned := w["conv2/weight"], pw["conv2/weight"]
	in, k2 := orig.Shape[1], orig.Shape[2]*orig.Shape[3]
	for r, f := range plan[1].Keep {
		for c, ch := range plan[0].Keep {
			for j := 0; j < k2; j++ {
				if a, b := pruned.Data[(r*len(plan[0].Keep)+c)*k2+j], orig.Data[(f*in+ch)*k2+j]; a != b {
					t.Fatalf("conv2 weight [%d,%d,%d] = %g, want original [%d,%d] %g", r, c, j, a, f, ch, b)
				}
			}
		}
		if pw["conv2/bias"].Data[r] != w["conv2/bias"].Data[f] {
			t.Fatalf("conv2 bias %d not copied from filter %d", r, f)
		}
	}
	checkEquivalent(t, spec, w, plan, 2)
}

func TestSurgeryBatchNormNets(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 3)
	plan := randomPlan(t, spec, 0.5, 4)
	checkEquivalent(t, spec, w, plan, 3)

	// Flatten after a 2x2 map: channel c owns 4 columns of fc1.
	ps, pw, _ := ApplyPlan(spec, w, plan)
	last := plan[len(plan)-1]
	if got, want := pw["fc1/weight"].Shape, []int{7, 4 * len(last.Keep)}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("fc1 weight shape %v, want %v", got, want)
	}
	if err := ps.CheckWeights(pw); err != nil {
		t.Error(err)
	}
	for _, bn := range []string{"bn1", "bn2", "bn3"} {
		if ps.Layers[ps.Index(bn)].OutChannels == spec.Layers[spec.Index(bn)].OutChannels {
			t.Errorf("%s not pruned", bn)
		}
	}

	// Zeroing only the conv filter is not enough with batch-norm: 0 maps to
	// offset - mean*scale/sqrt(var+eps). ZeroFilters also zeroes scale and offset.
	convOnly := w.Clone()
	for _, f := range plan[0].Pruned() {
		row := len(convOnly["conv1/weight"].Data) / 6
		clear(convOnly["conv1/weight"].Data[f*row : (f+1)*row])
		convOnly["conv1/bias"].Data[f] = 0
	}
	x := randomInput(spec, 2, 9)
	a, _ := nets.Forward(spec, convOnly, x, 2)
	b, _ := nets.Forward(ps, pw, x, 2)
	diff := 0.0
	for i := range a {
		diff = math.Max(diff, math.Abs(float64(a[i]-b[i])))
	}
	if diff < 1e-4 {
		t.Error("zeroing conv weights alone matched the pruned net: batch-norm offsets not exercised")
	}
}

func TestSurgerySimpleNetSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("slow reference forward")
	}
	spec := nets.SimpleNetSmall(3, 10)
	w := randomize(spec, 5)
	checkEquivalent(t, spec, w, randomPlan(t, spec, 0.6, 6), 1)
}

func TestSurgeryMasksAndErrors(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 7)
	plan := randomPlan(t, spec, 0.5, 8)
	masks, err := NMMasks(spec, w, MaskConfig{Dense: true})
	if err != nil {
		t.Fatal(err)
	}
	ps, pw, _ := ApplyPlan(spec, w, plan)
	pm, err := ApplyPlanToMasks(spec, masks, plan)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range pm {
		if !slices.Equal(m.Shape, pw[name].Shape) {
			t.Errorf("mask %s shape %v, weight %v", name, m.Shape, pw[name].Shape)
		}
	}
	_ = ps
	if _, _, err := ApplyPlan(spec, w, Plan{{Name: "conv1", Filters: 6}}); err == nil {
		t.Error("plan emptying conv1 accepted")
	}
	if _, _, err := ApplyPlan(spec, nets.Weights{}, plan); err == nil {
		t.Error("missing weights accepted")
	}
	if _, err := ApplyPlanToMasks(spec, nets.Weights{"nope/weight": nets.NewTensor(1)}, plan); err == nil {
		t.Error("unknown mask accepted")
	}
}

func TestSurgeryVGG16(t *testing.T) {
	if testing.Short() {
		t.Skip("slow reference forward")
	}
	spec := nets.VGG16(3, 10)
	w := randomize(spec, 11)
	checkEquivalent(t, spec, w, randomPlan(t, spec, 0.5, 12), 1)
}
