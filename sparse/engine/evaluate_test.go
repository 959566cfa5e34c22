package engine

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
)

// TestEvaluateMatchesGoMLX evaluates random AlexNet and a batch-norm net on a generated dataset
// (uneven last batch) on the engine and through the GoMLX graph (nets.Evaluate): the losses agree
// to 1e-4 relative and the accuracies to one example (a logit tie may break differently), and a dataset of the wrong shape is refused before any work.
func TestEvaluateMatchesGoMLX(t *testing.T) {
	bn, err := nets.NewBuilder("bn-tiny", nets.Shape{C: 3, H: 32, W: 32}, 10).
		ConvBNReLU(8, 3).MaxPool(2).ConvBNReLU(16, 3).MaxPool(2).Flatten(16 * 8 * 8).Dense(10).Spec()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	ds := &data.Dataset{Name: "cifar10", Split: data.Test, N: 230, C: 3, H: 32, W: 32, NumClasses: 10,
		Images: make([]uint8, 230*3*32*32), Labels: make([]int32, 230)}
	for i := range ds.Images {
		ds.Images[i] = uint8(rng.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(rng.IntN(10))
	}
	for _, spec := range []*nets.Spec{nets.AlexNet(3, 10), bn} {
		w := randomWeights(spec, 2)
		got, err := Evaluate(spec, w, ds, 100)
		if err != nil {
			t.Fatal(err)
		}
		want, err := nets.Evaluate(spec, w, ds, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got.N != 230 || math.Abs(got.Loss-want.Loss) > 1e-4*math.Abs(want.Loss) || math.Abs(got.Accuracy-want.Accuracy) > 1.0/230+1e-9 {
			t.Errorf("%s: engine %+v, GoMLX %+v", spec.Name, got, want)
		}
	}
	mnist := *ds
	mnist.C = 1
	if _, err := Evaluate(nets.AlexNet(3, 10), randomWeights(nets.AlexNet(3, 10), 2), &mnist, 0); err == nil {
		t.Error("a 1-channel dataset was evaluated by a 3-channel spec")
	}
}
