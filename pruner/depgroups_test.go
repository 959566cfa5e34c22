package pruner

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// residualNet is a small ResNet on 3x8x8 images: a stage of two identity blocks, then a
// strided stage with a projection shortcut.
func residualNet(t *testing.T) *nets.Spec {
	t.Helper()
	s, err := nets.ResNet("small-resnet", nets.Shape{C: 3, H: 8, W: 8}, 5, []int{8, 12}, []int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestChannelGroupsResNet18: the stem and the conv2s of stage 1 form one group, every later
// stage's conv2s and its shortcut another, each block conv1 is alone; a chain has one group per
// conv.
func TestChannelGroupsResNet18(t *testing.T) {
	groups, err := ChannelGroups(nets.ResNet18(3, 10))
	if err != nil {
		t.Fatal(err)
	}
	var coupled [][]string
	lone := 0
	for _, g := range groups {
		if len(g.Members) == 1 {
			if !strings.HasSuffix(g.Name(), ".conv1") {
				t.Errorf("lone conv %q, want only block conv1s alone", g.Name())
			}
			lone++
			continue
		}
		coupled = append(coupled, g.Members)
	}
	want := [][]string{{"conv1", "layer1.0.conv2", "layer1.1.conv2"}}
	for s := 2; s <= 4; s++ {
		p := "layer" + string(rune('0'+s))
		want = append(want, []string{p + ".0.conv2", p + ".0.shortcut.0", p + ".1.conv2"})
	}
	if !reflect.DeepEqual(coupled, want) || lone != 8 {
		t.Errorf("coupled groups %v and %d lone convs, want %v and 8", coupled, lone, want)
	}
	chain, err := ChannelGroups(nets.AlexNet(3, 10))
	if err != nil || len(chain) != 5 {
		t.Errorf("alexnet: %d groups (%v), want 5", len(chain), err)
	}
}

// TestLayersFromSpecResNetConsumers: a conv's consumer is the first conv or dense reading its
// channels, skipping the shortcut conv that follows a conv2 but reads the block input.
func TestLayersFromSpecResNetConsumers(t *testing.T) {
	spec := nets.ResNet18(3, 10)
	w := spec.InitWeights(1)
	layers, err := LayersFromSpec(spec, w)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]*nets.Tensor{}
	for _, l := range layers {
		next[l.Name] = l.Next
	}
	for conv, consumer := range map[string]string{
		"conv1": "layer1.0.conv1", "layer1.0.conv1": "layer1.0.conv2", "layer1.1.conv2": "layer2.0.conv1",
		"layer2.0.conv2": "layer2.1.conv1", "layer2.0.shortcut.0": "layer2.1.conv1", "layer4.1.conv2": "linear",
	} {
		if next[conv] != w[consumer+"/weight"] {
			t.Errorf("%s: consumer is not %s", conv, consumer)
		}
	}
	// Every metric scores a ResNet (the output-based ones through these consumers).
	small := residualNet(t)
	in, err := SpecInput(small, randomize(small, 1), ScoreOptions{MetricParams: DefaultMetricParams(), Calibration: &Batch{X: randomInput(small, 2, 3), N: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range MetricNames() {
		s, err := ScoreByName(m, in)
		if err != nil || len(s) != len(small.ConvIndices()) {
			t.Errorf("metric %s on %s: %d layers scored, error %v", m, small.Name, len(s), err)
		}
	}
}

// TestSelectGroupsMean: a group's channel score is the mean of its members' scores, members keep
// the same channels, lone convs compete as before, and without coupling SelectGroups is Select.
func TestSelectGroupsMean(t *testing.T) {
	names := []string{"a", "b", "c"}
	scores := Scores{{1, 0, 9}, {3, 10, 0}, {4, 2, 6, 0}}
	groups := []ChannelGroup{{Members: []string{"a", "b"}}, {Members: []string{"c"}}}
	// Group means: 2, 5, 4.5; c: 4, 2, 6, 0. Global keep 4 of the 7 units: 6, 5, 4.5, 4.
	plan, err := SelectGroups(names, scores, groups, SelectConfig{Ratio: 4.0 / 7})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keeps(plan), [][]int{{1, 2}, {1, 2}, {0, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("keeps %v, want %v", got, want)
	}
	alone := []ChannelGroup{{Members: []string{"a"}}, {Members: []string{"b"}}, {Members: []string{"c"}}}
	for _, cfg := range []SelectConfig{{Ratio: 0.5}, {Ratio: 0.6, Scope: ScopeLocal, LayerRatios: map[string]float64{"b": 1}}} {
		p1, err1 := SelectGroups(names, scores, alone, cfg)
		p2, err2 := Select(names, scores, cfg)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(p1, p2) {
			t.Errorf("%+v: uncoupled SelectGroups %v (%v), Select %v (%v)", cfg, keeps(p1), err1, keeps(p2), err2)
		}
	}
	for _, c := range []struct {
		name   string
		scores Scores
		cfg    SelectConfig
		want   string
	}{
		{"sizes", Scores{{1, 2}, {1, 2, 3}, {1}}, SelectConfig{Ratio: 0.5}, `coupled convs "a" and "b" have 2 and 3 scores`},
		{"ratios", scores, SelectConfig{Ratio: 0.5, Scope: ScopeLocal, LayerRatios: map[string]float64{"a": 0.5, "b": 1}}, "different layer ratios (0.5 and 1)"},
		{"bases", scores, SelectConfig{Ratio: 0.5, BaseCounts: []int{3, 4, 4}}, "different base counts (3 and 4)"},
	} {
		if _, err := SelectGroups(names, c.scores, groups, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := SelectGroups(names[:2], scores[:2], groups, SelectConfig{Ratio: 0.5}); err == nil || !strings.Contains(err.Error(), `"c" of the group of "c" has no scores`) {
		t.Errorf("unscored member: error %v", err)
	}
}

// TestResidualSurgeryEquivalence: on a small ResNet and on ResNet-18 (random weights, random
// scores, half the channel units kept by SelectSpec), the physically pruned net computes on the
// reference forward what the unpruned net computes with the pruned channels zeroed (conv rows,
// batch-norm scale and offset of every coupled member), to 1e-5 of the largest logit
// (checkEquivalent), and every group's members keep the same number of channels.
func TestResidualSurgeryEquivalence(t *testing.T) {
	specs := []*nets.Spec{residualNet(t)}
	if !testing.Short() {
		specs = append(specs, nets.ResNet18(3, 10))
	}
	for _, spec := range specs {
		plan := randomPlan(t, spec, 0.5, 4)
		checkEquivalent(t, spec, randomize(spec, 21), plan, 2)
		pruned, _, err := surgeryPlan(spec, plan)
		if err != nil {
			t.Fatal(err)
		}
		checkGroupsPrunedAlike(t, spec, pruned)
	}
}

// maxRelDiff is max |a-b| / max |b|.
func maxRelDiff(a, b []float32) float64 {
	var d, m float64
	for i := range b {
		d = max(d, math.Abs(float64(a[i]-b[i])))
		m = max(m, math.Abs(float64(b[i])))
	}
	return d / m
}

// checkGroupsPrunedAlike checks that every member of a channel group lost the same number of
// channels and that the pruned spec's parameter count fell.
func checkGroupsPrunedAlike(t *testing.T, spec, pruned *nets.Spec) {
	t.Helper()
	groups, err := ChannelGroups(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		var outs []int
		for _, m := range g.Members {
			outs = append(outs, pruned.Layers[pruned.Index(m)].OutChannels)
		}
		if slices.Min(outs) != slices.Max(outs) {
			t.Errorf("%s: group %v keeps %v channels", spec.Name, g.Members, outs)
		}
	}
	if pruned.ParamCount() >= spec.ParamCount() {
		t.Errorf("%s: pruned net has %d params, original %d", spec.Name, pruned.ParamCount(), spec.ParamCount())
	}
}

// TestResidualPlanExpansionAndErrors: a plan naming one member of a group prunes the whole group
// (what a per-layer sensitivity analysis does) and members planned differently are rejected by
// both ApplyPlan and ZeroFilters.
func TestResidualPlanExpansionAndErrors(t *testing.T) {
	spec := residualNet(t)
	w := randomize(spec, 2)
	one := Plan{{Name: "layer2.1.conv2", Filters: 12, Keep: []int{0, 3, 5, 7, 11}}}
	ps, pw, err := ApplyPlan(spec, w, one)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"layer2.0.conv2", "layer2.0.shortcut.0", "layer2.1.conv2", "layer2.0.bn2", "layer2.0.shortcut.1", "layer2.1.bn2"} {
		if got := ps.Layers[ps.Index(m)].OutChannels; got != 5 {
			t.Errorf("%s keeps %d channels, want 5", m, got)
		}
	}
	if got := ps.Layers[ps.Index("layer2.1.conv1")].InChannels; got != 5 {
		t.Errorf("layer2.1.conv1 reads %d channels, want 5", got)
	}
	if got := ps.Layers[ps.Index("linear")].InChannels; got != 5 {
		t.Errorf("linear reads %d features, want 5", got)
	}
	checkGroupsPrunedAlike(t, spec, ps)
	zw, err := ZeroFilters(spec, w, one)
	if err != nil {
		t.Fatal(err)
	}
	x := randomInput(spec, 2, 9)
	want, _ := nets.Forward(spec, zw, x, 2)
	got, err := nets.Forward(ps, pw, x, 2)
	if err != nil || maxRelDiff(got, want) > 1e-4 {
		t.Errorf("expanded plan: pruned vs zeroed %g (%v)", maxRelDiff(got, want), err)
	}

	// The stem shares its channels with the stage-1 conv2s: keeping the stem's 8 channels (all)
	// while a conv2 keeps 4 is a mismatch.
	bad := Plan{{Name: "conv1", Filters: 8, Keep: iota(8)}, {Name: "layer1.1.conv2", Filters: 8, Keep: []int{0, 1, 2, 3}}}
	for what, f := range map[string]func() error{
		"ApplyPlan":   func() error { _, _, err := ApplyPlan(spec, w, bad); return err },
		"ZeroFilters": func() error { _, err := ZeroFilters(spec, w, bad); return err },
	} {
		if err := f(); err == nil || !strings.Contains(err.Error(), `"conv1" and "layer1.1.conv2" meet in a residual addition but keep different channels`) {
			t.Errorf("%s: error %v", what, err)
		}
	}
}

// TestRunHybridResNet: hybrid pruning (two filter steps with the output-based hybrid metric, then
// 2:4 masks and retraining) prunes a ResNet group-consistently (SelectSpec) and keeps its masks N:M.
func TestRunHybridResNet(t *testing.T) {
	spec := residualNet(t)
	res, err := RunHybrid(spec, randomize(spec, 5), testConfig("hybrid2"), &fakeTuner{}, &fakeEval{})
	if err != nil {
		t.Fatal(err)
	}
	checkGroupsPrunedAlike(t, spec, res.Spec)
	checkMasksNM(t, res, OrderWidth)
}
