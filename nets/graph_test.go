package nets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomBatch returns n random NCHW images for the spec.
func randomBatch(spec *Spec, n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n*spec.Input.Size())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// perturbBatchNorm gives batch-norm layers non-trivial statistics so the test exercises them.
func perturbBatchNorm(spec *Spec, w Weights, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	for _, l := range spec.Layers {
		if l.Kind != KindBatchNorm {
			continue
		}
		for i := 0; i < l.OutChannels; i++ {
			w[l.Name+"/scale"].Data[i] = float32(0.5 + rng.Float64())
			w[l.Name+"/offset"].Data[i] = float32(rng.NormFloat64() * 0.1)
			w[l.Name+"/mean"].Data[i] = float32(rng.NormFloat64() * 0.1)
			w[l.Name+"/variance"].Data[i] = float32(0.5 + rng.Float64())
		}
	}
}

func assertRelClose(t *testing.T, what string, got, want []float32, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= rel*scale) { // NaN fails too
			t.Fatalf("%s[%d] = %g, want %g (max |want| %g)", what, i, got[i], want[i], scale)
		}
	}
}

// TestGoMLXForwardMatchesReference: the GoMLX graph built from the spec (im2col conv, reshape pool,
// manual batch-norm; for the ResNets Input, add, global average pool and bias-free convs) gives
// the reference forward's logits.
func TestGoMLXForwardMatchesReference(t *testing.T) {
	bnAfterDense := must(NewBuilder("bn-after-dense", Shape{3, 8, 8}, 10).Conv(4, 3, 1, 1).BatchNorm().ReLU().MaxPool(2).
		Flatten(64).Dense(16).BatchNorm().ReLU().Dense(10).Spec())
	specs := []*Spec{AlexNet(3, 10), SimpleNet(3, 10, 0.125), bnAfterDense, tinyResNet(t, Shape{3, 8, 8})}
	if !testing.Short() {
		specs = append(specs, ResNet18(3, 10))
	}
	for _, spec := range specs {
		w := spec.InitWeights(3)
		perturbBatchNorm(spec, w, 5)
		const n = 3
		x := randomBatch(spec, n, 9)
		want, err := Forward(spec, w, x, n)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPredictor(spec, w)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Logits(x, n)
		if err != nil {
			t.Fatal(err)
		}
		assertRelClose(t, spec.Name+" logits", got, want, 1e-4)
	}
}
