package engine

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse"
)

const tol = 1e-4

// randomWeights returns He-initialised weights with random biases and, for
// batch-norm, random scale, offset, mean and variance, so folding is tested.
func randomWeights(spec *nets.Spec, seed uint64) nets.Weights {
	w := spec.InitWeights(seed)
	r := rand.New(rand.NewPCG(seed, 7))
	for _, p := range spec.Params() {
		t := w[p.Name]
		switch {
		case strings.HasSuffix(p.Name, "/bias"), strings.HasSuffix(p.Name, "/offset"), strings.HasSuffix(p.Name, "/mean"):
			for i := range t.Data {
				t.Data[i] = float32(r.NormFloat64() * 0.1)
			}
		case strings.HasSuffix(p.Name, "/scale"), strings.HasSuffix(p.Name, "/variance"):
			for i := range t.Data {
				t.Data[i] = 0.5 + r.Float32()
			}
		}
	}
	return w
}

func randomInput(spec *nets.Spec, n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	x := make([]float32, n*spec.Input.Size())
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// relErr is max |got-want| / max |want|.
func relErr(t *testing.T, got, want []float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d logits, want %d", len(got), len(want))
	}
	var d, m float64
	for i := range got {
		d = max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = max(m, math.Abs(float64(want[i])))
	}
	if m == 0 {
		return d
	}
	return d / m
}

// make24 applies 2:4 masks in the given order (conv and, with dense, dense
// weights).
func make24(t *testing.T, spec *nets.Spec, w nets.Weights, order pruner.GroupOrder, dense bool) nets.Weights {
	t.Helper()
	masks, err := pruner.NMMasks(spec, w, pruner.MaskConfig{Order: order, Dense: dense})
	if err != nil {
		t.Fatal(err)
	}
	out, err := pruner.ApplyMasks(w, masks)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// references returns nets.Forward's and the GoMLX predictor's logits.
func references(t *testing.T, spec *nets.Spec, w nets.Weights, x []float32, n int) (ref, gomlx []float32) {
	t.Helper()
	ref, err := nets.Forward(spec, w, x, n)
	if err != nil {
		t.Fatal(err)
	}
	p, err := nets.NewPredictor(spec, w)
	if err != nil {
		t.Fatal(err)
	}
	if gomlx, err = p.Logits(x, n); err != nil {
		t.Fatal(err)
	}
	if e := relErr(t, gomlx, ref); !(e <= tol) { // NaN fails too
		t.Fatalf("GoMLX vs reference: relative error %.3g", e)
	}
	return ref, gomlx
}

// checkModes compiles w in every mode and compares the logits with both
// references.
func checkModes(t *testing.T, spec *nets.Spec, w nets.Weights, order sparse.GroupOrder, modes map[string]Options) {
	t.Helper()
	const n = 3
	x := randomInput(spec, n, 5)
	ref, gomlx := references(t, spec, w, x, n)
	for name, opts := range modes {
		opts.Order = order
		net, err := Compile(spec, w, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := net.Forward(x, n)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e1, e2 := relErr(t, got, ref), relErr(t, got, gomlx)
		if !(e1 <= tol && e2 <= tol) { // NaN fails too
			t.Errorf("%s %s: relative error %.3g vs reference, %.3g vs GoMLX; layers %v", name, order, e1, e2, net.Layers())
		}
	}
}

func everyMode() map[string]Options {
	return modesMixing(map[string]Mode{"conv1": ModeDense, "conv2": ModeCSR, "conv3": ModeGroup})
}

// modesMixing is every mode, plus "mixed": auto with the given per-layer modes.
func modesMixing(mixed map[string]Mode) map[string]Options {
	return map[string]Options{
		"dense": {Default: ModeDense},
		"nm":    {Default: ModeNM},
		"group": {Default: ModeGroup},
		"csr":   {Default: ModeCSR},
		"auto":  {Default: ModeAuto},
		"mixed": {Default: ModeAuto, Layers: mixed},
	}
}

func TestEngineForwardMatchesReferences(t *testing.T) {
	bn, err := nets.NewBuilder("vgg-tiny", nets.Shape{C: 3, H: 32, W: 32}, 10).
		ConvBNReLU(8, 3).MaxPool(2).ConvBNReLU(16, 3).ConvBNReLU(16, 3).MaxPool(2).
		Conv(24, 3, 2, 1).BatchNorm().ReLU().Dropout(0.5).Conv(32, 1, 1, 0).ReLU().BatchNorm().MaxPool(2).
		Flatten(32 * 2 * 2).Dense(16).ReLU().Dense(10).Spec()
	if err != nil {
		t.Fatal(err)
	}
	specs := []*nets.Spec{nets.AlexNet(3, 10), bn}
	if !testing.Short() {
		specs = append(specs, nets.SimpleNet(3, 10, 0.125))
	}
	for _, spec := range specs {
		for _, order := range []pruner.GroupOrder{pruner.OrderWidth, pruner.OrderChannels} {
			t.Run(spec.Name+"/"+string(order), func(t *testing.T) {
				w := make24(t, spec, randomWeights(spec, 1), order, true)
				checkModes(t, spec, w, order, everyMode())
				net, err := Compile(spec, w, Options{Default: ModeAuto, Order: order})
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range net.Layers() {
					if l.Mode != ModeNM {
						t.Errorf("auto on 2:4 weights: %v", l)
					}
				}
			})
		}
	}
}

// TestEngineStandaloneBatchNorm checks batch-norms that cannot be folded
// (after flatten, after a dense layer's ReLU) against nets.Forward only: the
// GoMLX graph handles batch-norm on 4-D activations only.
func TestEngineStandaloneBatchNorm(t *testing.T) {
	spec, err := nets.NewBuilder("bn-flat", nets.Shape{C: 2, H: 8, W: 8}, 5).
		Conv(8, 3, 1, 1).ReLU().MaxPool(2).Flatten(8 * 4 * 4).BatchNorm().
		Dense(12).BatchNorm().ReLU().Dense(6).ReLU().BatchNorm().Dense(5).Spec()
	if err != nil {
		t.Fatal(err)
	}
	w := randomWeights(spec, 6)
	x := randomInput(spec, 3, 1)
	ref, err := nets.Forward(spec, w, x, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Mode{ModeDense, ModeGroup, ModeCSR} {
		net, err := Compile(spec, w, Options{Default: mode})
		if err != nil {
			t.Fatal(err)
		}
		got, err := net.Forward(x, 3)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(t, got, ref); !(e <= tol) { // NaN fails too
			t.Errorf("%s: relative error %.3g", mode, e)
		}
	}
}

// prunedAlexNet returns random CIFAR AlexNet weights (seed) and the net physically filter-pruned
// to half its filters by a global hybrid2 selection.
func prunedAlexNet(t *testing.T, seed uint64) (w nets.Weights, ps *nets.Spec, pw nets.Weights) {
	t.Helper()
	spec := nets.AlexNet(3, 10)
	w = randomWeights(spec, seed)
	plan, err := pruner.MetricPlan(spec, w, "hybrid2", pruner.DefaultScoreOptions(), pruner.SelectConfig{Ratio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if ps, pw, err = pruner.ApplyPlan(spec, w, plan); err != nil {
		t.Fatal(err)
	}
	return w, ps, pw
}

// TestEngineFilterPrunedAlexNet runs a physically filter-pruned AlexNet
// (hybrid2, half the filters) and its hybrid 2:4 version.
func TestEngineFilterPrunedAlexNet(t *testing.T) {
	_, ps, pw := prunedAlexNet(t, 2)
	if ps.Layers[0].OutChannels == 64 && ps.Layers[3].OutChannels == 192 {
		t.Fatalf("plan pruned nothing: %v", ps.Layers)
	}
	checkModes(t, ps, pw, sparse.OrderWidth, map[string]Options{"dense": {}, "group": {Default: ModeGroup}, "csr": {Default: ModeCSR}})
	hw := make24(t, ps, pw, pruner.OrderWidth, false)
	modes := everyMode()
	modes["nm"] = Options{Default: ModeNM, Layers: map[string]Mode{"fc1": ModeDense}}
	checkModes(t, ps, hw, sparse.OrderWidth, modes)
}

// TestEngineGroupDropsColumns zeroes whole K columns (one weight position in
// every filter): group mode must drop them and stay exact.
func TestEngineGroupDropsColumns(t *testing.T) {
	spec := nets.AlexNet(3, 10)
	w := randomWeights(spec, 3)
	for _, i := range spec.ConvIndices() {
		l := spec.Layers[i]
		wt := w[l.Name+"/weight"]
		k := len(wt.Data) / l.OutChannels
		for o := range l.OutChannels {
			for j := 0; j < k; j += 3 {
				wt.Data[o*k+j] = 0
			}
		}
	}
	for _, order := range []sparse.GroupOrder{sparse.OrderWidth, sparse.OrderChannels} {
		checkModes(t, spec, w, order, map[string]Options{"group": {Default: ModeGroup}})
		net, err := Compile(spec, w, Options{Default: ModeGroup, Order: order})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range net.Layers() {
			if l.Kind == nets.KindConv && l.KEff != l.K-(l.K+2)/3 {
				t.Errorf("%s: %v, want %d kept columns", order, l, l.K-(l.K+2)/3)
			}
		}
	}
}

func TestEngineBatchesAndConcurrency(t *testing.T) {
	spec := nets.AlexNet(3, 10)
	w := make24(t, spec, randomWeights(spec, 4), pruner.OrderWidth, false)
	net, err := Compile(spec, w, Options{Default: ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Prepare(5); err != nil {
		t.Fatal(err)
	}
	x := randomInput(spec, 5, 9)
	all, err := net.Forward(x, 5)
	if err != nil {
		t.Fatal(err)
	}
	size := spec.Input.Size()
	var wg sync.WaitGroup
	for b := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			one, err := net.Forward(x[b*size:(b+1)*size], 1)
			if err != nil {
				t.Error(err)
				return
			}
			if e := relErr(t, one, all[b*10:(b+1)*10]); !(e <= tol) { // NaN fails too
				t.Errorf("image %d alone vs in a batch of 5: relative error %.3g", b, e)
			}
		}()
	}
	wg.Wait()
	if f := net.FLOPs(1); f < 2.9e7 || f > 3.1e7 {
		t.Errorf("AlexNet-CIFAR dense-equivalent FLOPs per image %.3g, want ~30 MFLOP", f)
	}
}

func TestEngineCompileErrors(t *testing.T) {
	spec := nets.AlexNet(3, 10)
	w := randomWeights(spec, 5) // dense: not 2:4
	_, err := Compile(spec, w, Options{Default: ModeNM})
	if err == nil || !strings.Contains(err.Error(), `"conv1"`) || !errors.Is(err, sparse.ErrPattern) {
		t.Errorf("nm on dense weights: %v, want an ErrPattern naming conv1", err)
	}
	w24 := make24(t, spec, w, pruner.OrderWidth, false)
	_, err = Compile(spec, w24, Options{Layers: map[string]Mode{"conv2": ModeNM, "fc1": ModeNM}})
	if err == nil || !strings.Contains(err.Error(), `"fc1"`) {
		t.Errorf("nm on a dense fc1: %v, want an error naming fc1", err)
	}
	// 2:4 in width order is not 2:4 in channel order.
	if _, err = Compile(spec, w24, Options{Default: ModeNM, Layers: map[string]Mode{"fc1": ModeDense}, Order: sparse.OrderChannels}); err == nil {
		t.Error("width-order 2:4 weights accepted as channel-order 2:4")
	}
	for name, opts := range map[string]Options{
		"unknown layer":  {Layers: map[string]Mode{"conv9": ModeDense}},
		"not conv/dense": {Layers: map[string]Mode{"relu1": ModeDense}},
		"unknown mode":   {Default: "fast"},
		"bad pattern":    {N: 4, M: 4},
		"bad order":      {Order: "rows"},
	} {
		if _, err := Compile(spec, w, opts); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
	if _, err := Compile(spec, nets.Weights{}, Options{}); err == nil {
		t.Error("missing weights: compiled")
	}
	net, err := Compile(spec, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Forward(make([]float32, 3*32*32*2-1), 2); err == nil || !strings.Contains(err.Error(), "want 6144") {
		t.Errorf("wrong input size: %v", err)
	}
	if _, err := net.Forward(nil, 0); err == nil {
		t.Error("batch 0 accepted")
	}
	if m, err := ParseMode("2:4"); err != nil || m != ModeNM {
		t.Errorf("ParseMode(2:4) = %v, %v", m, err)
	}
}

// BenchmarkForward times AlexNet-CIFAR with 2:4 conv weights at batch 128,
// dense vs nm: go test ./sparse/engine -run '^$' -bench Forward -benchtime 2s.
// img/s and the dense-equivalent GFLOP/s are reported.
func BenchmarkForward(b *testing.B) {
	spec := nets.AlexNet(3, 10)
	masks, err := pruner.NMMasks(spec, spec.InitWeights(1), pruner.MaskConfig{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := pruner.ApplyMasks(spec.InitWeights(1), masks)
	if err != nil {
		b.Fatal(err)
	}
	const n = 128
	x := randomInput(spec, n, 1)
	for _, mode := range []Mode{ModeDense, ModeAuto} {
		b.Run(string(mode), func(b *testing.B) {
			net, err := Compile(spec, w, Options{Default: mode})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := net.Forward(x, n); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(n/sec, "img/s")
			b.ReportMetric(net.FLOPs(n)/sec/1e9, "GFLOP/s")
		})
	}
}

// TestEngineLowersEveryKind: a layer kind registered in package nets must also be lowered here
// (add it to Compile's switch and to lowered).
func TestEngineLowersEveryKind(t *testing.T) {
	for _, k := range nets.Kinds() {
		if !Lowers(k) {
			t.Errorf("layer kind %q is registered in nets but the engine does not lower it", k)
		}
	}
	if Lowers("gelu") {
		t.Error("the engine claims to lower an unknown kind")
	}
}

// TestEngineSplitMatchesUnsplit runs CIFAR AlexNet, whole and filter-pruned, dense and 2:4 in
// both K orders, with its padding-heavy convs split into padding regions and as one product
// each, at batch sizes on both sides of minSplitColumns: the logits must match the reference.
// On the whole net the split must be where the padding's share and the regions say: dense
// conv3-5 (conv2 has 16 regions); 2:4 along channels, whose groups stay inside one tap; not 2:4
// along width, whose groups straddle taps.
// splitSteps reports, per conv step of net, whether it runs split at batch n.
func splitSteps(net *Net, n int) []bool {
	var out []bool
	for _, s := range net.steps {
		if cs, ok := s.(*convStep); ok {
			out = append(out, cs.splitAt(n))
		}
	}
	return out
}

func TestEngineSplitMatchesUnsplit(t *testing.T) {
	w, ps, pw := prunedAlexNet(t, 3)
	spec := nets.AlexNet(3, 10)
	nm := func(s *nets.Spec, w nets.Weights, o pruner.GroupOrder) nets.Weights { return make24(t, s, w, o, false) }
	nmOpts := func(o sparse.GroupOrder) Options {
		return Options{Default: ModeNM, Order: o, Layers: map[string]Mode{"fc1": ModeDense}}
	}
	for _, c := range []struct {
		name  string
		spec  *nets.Spec
		w     nets.Weights
		opts  Options
		split []bool // conv1..conv5; nil: not checked
	}{
		{"dense", spec, w, Options{Default: ModeDense}, []bool{false, false, true, true, true}},
		{"nm width", spec, nm(spec, w, pruner.OrderWidth), nmOpts(sparse.OrderWidth), []bool{false, false, true, true, true}},
		{"nm channels", spec, nm(spec, w, pruner.OrderChannels), nmOpts(sparse.OrderChannels), []bool{false, false, true, true, true}},
		{"pruned dense", ps, pw, Options{Default: ModeDense}, nil},
		{"pruned nm channels", ps, nm(ps, pw, pruner.OrderChannels), nmOpts(sparse.OrderChannels), nil},
		{"pruned nm width", ps, nm(ps, pw, pruner.OrderWidth), nmOpts(sparse.OrderWidth), nil},
	} {
		split, err := Compile(c.spec, c.w, c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		one := c.opts
		one.Unsplit = true
		whole, err := Compile(c.spec, c.w, one)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var convs []bool
		for _, l := range split.Layers() {
			if l.Kind == nets.KindConv {
				convs = append(convs, l.Regions > 0)
			}
		}
		if c.split != nil && !slices.Equal(convs, c.split) {
			t.Errorf("%s: split per conv %v, want %v: %v", c.name, convs, c.split, split.Layers())
		}
		for _, l := range whole.Layers() {
			if l.Regions != 0 {
				t.Errorf("%s Unsplit: %s", c.name, l)
			}
		}
		for _, n := range []int{1, 5, 9, 128, 131} { // 9: split only side by side (2 threads)
			x := randomInput(c.spec, n, uint64(n))
			ref, err := nets.Forward(c.spec, c.w, x, n)
			if err != nil {
				t.Fatal(err)
			}
			// 2 threads: the four regions of conv3-5 run side by side; 1 and 3: one after
			// another (3 would leave one worker twice the others' share).
			for _, threads := range []int{2, 1, 3} {
				prev := gemm.SetThreads(threads)
				defer gemm.SetThreads(prev)
				if c.split != nil && n == 9 && gemm.Current().NarrowWidth(1) > 0 {
					if got := splitSteps(split, n); !slices.Equal(got, []bool{false, false, threads == 2, threads == 2, threads == 2}) {
						t.Errorf("%s batch 9, %d threads: split per conv %v, want conv3-5 split only on 2 threads (side by side)", c.name, threads, got)
					}
				}
				for _, net := range []*Net{split, whole} {
					got, err := net.Forward(x, n)
					if err != nil {
						t.Fatalf("%s batch %d: %v", c.name, n, err)
					}
					if e := relErr(t, got, ref); !(e <= tol) {
						t.Errorf("%s batch %d, %d threads: relative error %.3g vs reference (%v)", c.name, n, threads, e, net.Layers())
					}
				}
				gemm.SetThreads(prev)
			}
		}
	}
}
