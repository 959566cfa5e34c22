package pruner

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// tensor builds a tensor of the given shape from values.
func tensor(shape []int, vals ...float32) *nets.Tensor {
	if len(vals) != nets.ShapeSize(shape) {
		panic("tensor: wrong number of values")
	}
	return &nets.Tensor{Shape: shape, Data: vals}
}

// figure3 is the 4x8 "origin matrix" of the paper's Figure 3, as four filters of 8 weights
// (shape [4, 8, 1, 1], so the width order runs along the printed rows).
func figure3() *nets.Tensor {
	return tensor([]int{4, 8, 1, 1},
		2.1, -1.2, 1.3, 0.5, 1.1, 1.5, 1.7, 0.8,
		0.2, -1.3, 0.6, -0.1, -0.9, -0.3, 0.2, 1.3,
		1.5, 0.1, -0.4, 0.8, 0.2, -1.3, 0.1, -1.1,
		0.5, -0.9, 0.0, 1.0, 1.5, -0.7, 0.9, 0.0)
}

func near(a, b, tol float64) bool {
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

func wantFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if !near(got[i], want[i], 1e-6) {
			t.Errorf("%s[%d] = %.9g, want %.9g", what, i, got[i], want[i])
		}
	}
}

func wantScores(t *testing.T, what string, got, want Scores) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d layers, want %d", what, len(got), len(want))
	}
	for i := range got {
		wantFloats(t, what, got[i], want[i])
	}
}

// randomize gives every parameter random values: weights and biases normal, batch-norm scale and
// offset normal, mean normal and variance in [0.5, 1.5), so batch-norm is far from the identity.
func randomize(spec *nets.Spec, seed uint64) nets.Weights {
	w := spec.InitWeights(seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range spec.Params() {
		t := w[p.Name]
		switch {
		case len(p.Shape) >= 2:
			continue // keep He init
		case hasSuffix(p.Name, "/variance"):
			for i := range t.Data {
				t.Data[i] = float32(0.5 + rng.Float64())
			}
		default:
			for i := range t.Data {
				t.Data[i] = float32(rng.NormFloat64() * 0.5)
			}
		}
	}
	return w
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

func randomInput(spec *nets.Spec, n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 11))
	x := make([]float32, n*spec.Input.Size())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// smallBNNet has every layer kind the surgery must handle: conv, batch-norm, ReLU, pool, dropout,
// flatten and two dense layers.
func smallBNNet(t *testing.T) *nets.Spec {
	t.Helper()
	b := nets.NewBuilder("small-bn", nets.Shape{C: 3, H: 8, W: 8}, 5)
	b.Conv(6, 3, 1, 1).BatchNorm().ReLU().MaxPool(2).Dropout(0.2).
		Conv(8, 3, 1, 1).ReLU().BatchNorm().
		Conv(5, 3, 1, 1).BatchNorm().ReLU().MaxPool(2).
		Flatten(5 * 2 * 2).Dense(7).ReLU().Dense(5)
	s, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
