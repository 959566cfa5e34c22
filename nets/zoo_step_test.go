package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hybridprune/hybridprune/nets/data"
)

// randomImages is a dataset of n random 3x32x32 images with 10 classes.
func randomImages(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	ds := &data.Dataset{Name: "cifar10", N: n, C: 3, H: 32, W: 32, NumClasses: 10,
		Images: make([]uint8, n*3*32*32), Labels: make([]int32, n)}
	for i := range ds.Images {
		ds.Images[i] = uint8(rng.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(rng.IntN(10))
	}
	return ds
}

// TestZooForwardBackwardStep trains the full-size VGG16, SimpleNet and ResNet-18 for two steps of batch 2 on
// the GoMLX backend: the loss is finite and every conv and dense weight received an update.
func TestZooForwardBackwardStep(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size VGG16 and SimpleNet steps")
	}
	for _, spec := range []*Spec{VGG16(3, 10), SimpleNet(3, 10, 1), ResNet18(3, 10)} {
		init := spec.InitWeights(1)
		res, err := Train(spec, init, randomImages(4, 1), randomImages(2, 2), TrainConfig{Epochs: 1, BatchSize: 2, EvalBatchSize: 2, Optimizer: "sgd", LearningRate: 0.01})
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		if l := res.Final().TestLoss; math.IsNaN(l) || math.IsInf(l, 0) {
			t.Errorf("%s: test loss %g", spec.Name, l)
		}
		for _, p := range spec.Params() {
			if len(p.Shape) < 2 {
				continue
			}
			changed := false
			for i, v := range res.Weights[p.Name].Data {
				if v != init[p.Name].Data[i] {
					changed = true
					break
				}
			}
			if !changed {
				t.Errorf("%s: %s was not updated by the training steps", spec.Name, p.Name)
			}
		}
	}
}
