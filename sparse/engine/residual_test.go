package engine

import (
	"os"
	"testing"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse"
)

func tinyResNet(t *testing.T) *nets.Spec {
	t.Helper()
	s, err := nets.ResNet("tiny-resnet", nets.Shape{C: 3, H: 8, W: 8}, 10, []int{8, 16}, []int{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEngineResNetMatchesReferences: a small ResNet (identity and projection shortcuts, global
// average pool) in every mode, dense and after 2:4 masking in both orders, gives the reference's
// and the GoMLX graph's logits; the kept outputs share slots where their lifetimes allow.
func TestEngineResNetMatchesReferences(t *testing.T) {
	spec := tinyResNet(t)
	w := randomWeights(spec, 3)
	checkModes(t, spec, w, sparse.OrderWidth, map[string]Options{"dense": {Default: ModeDense}, "csr": {Default: ModeCSR}})
	for _, order := range []sparse.GroupOrder{sparse.OrderWidth, sparse.OrderChannels} {
		checkModes(t, spec, make24(t, spec, w, order, true), order, modesMixing(map[string]Mode{"conv1": ModeDense, "layer2.0.shortcut.0": ModeCSR, "layer1.1.conv2": ModeGroup}))
	}
	net, err := Compile(spec, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Kept: relu1 (read by layer1.0.add), layer1.0.relu2 (by layer1.1.add), layer1.1.relu2 (by
	// the shortcut and layer2.0.add), layer2.0.bn2 (by layer2.0.add): each of the first three
	// dies before the next is written, so they share a slot; layer2.0.bn2 needs a second one.
	if got := len(net.slots.sizes); got != 2 || len(net.slots.of) != 4 {
		t.Errorf("%d slots for %d kept outputs, want 2 for 4", got, len(net.slots.of))
	}
}

// TestEngineResNet18 compiles ResNet-18 with random weights: dense, and nm after 2:4 masking of
// every conv and the dense head, the logits match the reference forward to 1e-4.
func TestEngineResNet18(t *testing.T) {
	if testing.Short() {
		t.Skip("ResNet-18 reference forward")
	}
	spec := nets.ResNet18(3, 10)
	w := randomWeights(spec, 1)
	const n = 2
	x := randomInput(spec, n, 4)
	for _, c := range denseAnd24(t, spec, w, ModeNM) {
		ref, err := nets.Forward(spec, c.w, x, n)
		if err != nil {
			t.Fatal(err)
		}
		net, err := Compile(spec, c.w, Options{Default: c.mode})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := net.Forward(x, n)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if e := relErr(t, got, ref); !(e <= tol) { // NaN fails too
			t.Errorf("%s: relative error %.3g vs reference", c.name, e)
		}
	}
}

// TestEngineResNet18Timing prints the dense and 2:4 engine throughput of ResNet-18 at batch 32
// (one warm-up and three timed Forwards each). It only runs with HYBRIDPRUNE_TIMING=1: it is a
// measurement, not a check.
func TestEngineResNet18Timing(t *testing.T) {
	if os.Getenv("HYBRIDPRUNE_TIMING") != "1" {
		t.Skip("set HYBRIDPRUNE_TIMING=1 to time ResNet-18")
	}
	spec := nets.ResNet18(3, 10)
	w := randomWeights(spec, 1)
	const n, reps = 32, 3
	x := randomInput(spec, n, 4)
	for _, c := range denseAnd24(t, spec, w, ModeAuto) {
		net, err := Compile(spec, c.w, Options{Default: c.mode})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := net.Forward(x, n); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range reps {
			if _, err := net.Forward(x, n); err != nil {
				t.Fatal(err)
			}
		}
		secs := time.Since(start).Seconds() / reps
		t.Logf("resnet18 %s batch %d: %.1f ms/batch, %.1f img/s, %.2f GFLOP/s", c.name, n, secs*1e3, n/secs, net.FLOPs(n)/secs/1e9)
	}
}

// weightCase is one compiled variant of a model.
type weightCase struct {
	name string
	w    nets.Weights
	mode Mode
}

// denseAnd24 is w in dense mode and w after 2:4 masking of its conv and dense weights (width
// order) in the given mode.
func denseAnd24(t *testing.T, spec *nets.Spec, w nets.Weights, nm Mode) []weightCase {
	t.Helper()
	return []weightCase{{"dense", w, ModeDense}, {"2:4 " + string(nm), make24(t, spec, w, pruner.OrderWidth, true), nm}}
}

// TestEnginePrunedResNet: half the channel units of a small ResNet (and of ResNet-18 without
// -short) are removed group-consistently (hybrid2 scores, pruner.SelectSpec): the engine running
// the physically pruned net, and the engine running the unpruned net with the pruned channels
// zeroed (pruner.ZeroFilters), both match the reference forward of the zeroed net to 1e-4; so
// does nm mode on the pruned net after 2:4 masking.
func TestEnginePrunedResNet(t *testing.T) {
	specs := []*nets.Spec{tinyResNet(t)}
	if !testing.Short() {
		specs = append(specs, nets.ResNet18(3, 10))
	}
	for _, spec := range specs {
		w := randomWeights(spec, 8)
		scores, layers, err := pruner.ScoreSpec(spec, w, "hybrid2", pruner.DefaultScoreOptions())
		if err != nil {
			t.Fatal(err)
		}
		plan, err := pruner.SelectSpec(spec, pruner.LayerNames(layers), scores, pruner.SelectConfig{Ratio: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		ps, pw, err := pruner.ApplyPlan(spec, w, plan)
		if err != nil {
			t.Fatal(err)
		}
		zw, err := pruner.ZeroFilters(spec, w, plan)
		if err != nil {
			t.Fatal(err)
		}
		const n = 2
		x := randomInput(spec, n, 6)
		ref, err := nets.Forward(spec, zw, x, n)
		if err != nil {
			t.Fatal(err)
		}
		masked := make24(t, ps, pw, pruner.OrderWidth, true)
		maskedRef, err := nets.Forward(ps, masked, x, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			spec *nets.Spec
			w    nets.Weights
			mode Mode
			want []float32
		}{
			{"pruned", ps, pw, ModeDense, ref}, {"zeroed", spec, zw, ModeDense, ref}, {"pruned 2:4", ps, masked, ModeNM, maskedRef},
		} {
			net, err := Compile(c.spec, c.w, Options{Default: c.mode})
			if err != nil {
				t.Fatalf("%s %s: %v", spec.Name, c.name, err)
			}
			got, err := net.Forward(x, n)
			if err != nil {
				t.Fatalf("%s %s: %v", spec.Name, c.name, err)
			}
			if e := relErr(t, got, c.want); !(e <= tol) { // NaN fails too
				t.Errorf("%s %s: relative error %.3g vs the reference of the zeroed net", spec.Name, c.name, e)
			}
		}
	}
}

// TestEngineKeepsUnfusedReferencedOutputs: a layer output read out of order ends its step, so a
// conv whose pre-batch-norm output an add reads, and a batch-norm a 1x1 conv reads through Input,
// are not folded past; the logits match the references in dense and csr modes.
func TestEngineKeepsUnfusedReferencedOutputs(t *testing.T) {
	b := nets.NewBuilder("refs", nets.Shape{C: 3, H: 8, W: 8}, 5)
	b.Conv(4, 3, 1, 1).BatchNorm().ReLU()                     // conv1 bn1 relu1; conv3 reads bn1
	b.Conv(4, 3, 1, 1).BatchNorm().ReLU().Add("conv2").ReLU() // add1 reads conv2 before bn2
	b.ConvFrom("bn1", 4, 1, 1, 0).Add("relu3")                // conv3, add2 reads relu3
	b.GlobalAvgPool().Flatten(4).Dense(5)
	spec, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	w := randomWeights(spec, 2)
	checkModes(t, spec, w, sparse.OrderWidth, map[string]Options{"dense": {Default: ModeDense}, "csr": {Default: ModeCSR}})
	net, err := Compile(spec, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range net.Layers() {
		if (l.Name == "conv1" && len(l.Fused) != 1) || (l.Name == "conv2" && len(l.Fused) != 0) {
			t.Errorf("%s fused %v: want conv1 to fold only bn1 and conv2 nothing", l.Name, l.Fused)
		}
	}
}
