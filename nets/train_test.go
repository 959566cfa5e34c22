package nets

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hybridprune/hybridprune/nets/data"
)

// tinySpec is a small conv net on 1x8x8 images with 2 classes.
func tinySpec(t *testing.T) *Spec {
	t.Helper()
	s, err := NewBuilder("tiny", Shape{1, 8, 8}, 2).Conv(4, 3, 1, 1).ReLU().MaxPool(2).Conv(4, 3, 1, 1).ReLU().MaxPool(2).Flatten(16).Dense(2).Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stripes returns n 8x8 images whose class says whether the bright stripe is in the left or the
// right half (plus noise): learnable to ~100% by a conv net.
func stripes(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	ds := &data.Dataset{Name: "stripes", N: n, C: 1, H: 8, W: 8, NumClasses: 2, Images: make([]uint8, n*64), Labels: make([]int32, n)}
	for i := 0; i < n; i++ {
		label := rng.IntN(2)
		ds.Labels[i] = int32(label)
		col := rng.IntN(4) + 4*label
		for p := 0; p < 64; p++ {
			v := rng.IntN(60)
			if p%8 == col {
				v += 180
			}
			ds.Images[i*64+p] = uint8(v)
		}
	}
	return ds
}

var stripeStats = &data.Stats{Mean: []float32{0.2}, Std: []float32{0.3}}

func init() { data.Registry["stripes"] = data.Entry{Stats: *stripeStats} }

// TestTrainLearnsStripes trains 4 epochs with the progress bar on (GoMLX's bar cannot span two
// RunSteps of one loop: this once panicked with "send on closed channel" at epoch 2).
func TestTrainLearnsStripes(t *testing.T) {
	spec := tinySpec(t)
	res, err := Train(spec, nil, stripes(512, 1), stripes(256, 2), TrainConfig{Epochs: 4, BatchSize: 32, Optimizer: "adam", LearningRate: 0.01, Seed: 1, ProgressBar: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Final().TestAccuracy; got < 0.95 {
		t.Errorf("test accuracy %.3f after 4 epochs, want >= 0.95 (history %+v)", got, res.Epochs)
	}
	// The GoMLX evaluation agrees with the reference forward's predictions.
	test := stripes(64, 2)
	ev, err := Evaluate(spec, res.Weights, test, 64)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := data.NewBatcher(test, data.BatcherOptions{BatchSize: 64})
	batch, _ := b.Next()
	logits, err := Forward(spec, res.Weights, batch.X, 64)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < 64; i++ {
		pred := 0
		if logits[2*i+1] > logits[2*i] {
			pred = 1
		}
		if int32(pred) == batch.Y[i] {
			correct++
		}
	}
	if want := float64(correct) / 64; math.Abs(ev.Accuracy-want) > 1e-9 {
		t.Errorf("Evaluate accuracy %.4f, reference forward %.4f", ev.Accuracy, want)
	}
}

func TestTrainKeepsMaskedWeightsZero(t *testing.T) {
	spec := tinySpec(t)
	init := spec.InitWeights(4)
	mask := NewTensor(init["conv2/weight"].Shape...)
	for i := range mask.Data {
		if i%4 < 2 { // a 2:4 pattern along each filter
			mask.Data[i] = 1
		}
	}
	for _, opt := range []string{"sgd", "adam"} {
		res, err := Train(spec, init, stripes(128, 1), stripes(64, 2), TrainConfig{
			Epochs: 2, BatchSize: 32, Optimizer: opt, WeightDecay: Float(1e-3), Masks: Weights{"conv2/weight": mask}})
		if err != nil {
			t.Fatal(err)
		}
		got, before := res.Weights["conv2/weight"].Data, init["conv2/weight"].Data
		changed := 0
		for i, v := range got {
			if mask.Data[i] == 0 && v != 0 {
				t.Fatalf("%s: masked weight %d = %g after training, want exactly 0", opt, i, v)
			}
			if mask.Data[i] == 1 && v != before[i] {
				changed++
			}
		}
		if changed == 0 {
			t.Errorf("%s: no unmasked weight changed: the masked layer did not train", opt)
		}
	}
}

// resumeRun is the common setup of the resume tests: a tiny net, its data, and the uninterrupted
// 2-epoch run (4 steps per epoch) that a stopped and resumed run must end equal to; cfg has a
// fresh checkpoint directory set for the stopped run.
type resumeRun struct {
	spec              *Spec
	init              Weights
	trainSet, testSet *data.Dataset
	cfg               TrainConfig
	full              *TrainResult
}

func newResumeRun(t *testing.T, augment bool) resumeRun {
	t.Helper()
	r := resumeRun{spec: tinySpec(t), trainSet: stripes(128, 1), testSet: stripes(64, 2),
		cfg: TrainConfig{Epochs: 2, BatchSize: 32, Seed: 3, Augment: augment}}
	r.init = r.spec.InitWeights(5)
	full, err := Train(r.spec, r.init, r.trainSet, r.testSet, r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.full = full
	r.cfg.CheckpointDir = filepath.Join(t.TempDir(), "run")
	return r
}

// train runs Train on the setup with cfg.
func (r resumeRun) train(t *testing.T, cfg TrainConfig) *TrainResult {
	t.Helper()
	res, err := Train(r.spec, r.init, r.trainSet, r.testSet, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTrainResumesExactly: a run stopped after epoch 1 and started again with the same checkpoint
// directory ends with the same weights as an uninterrupted run.
func TestTrainResumesExactly(t *testing.T) {
	r := newResumeRun(t, false)
	cfg := r.cfg
	cfg.StopAfter = 1
	if part := r.train(t, cfg); len(part.Epochs) != 1 {
		t.Fatalf("interrupted run trained %d epochs, want 1", len(part.Epochs))
	}
	cfg.StopAfter = 0
	var resumed []bool
	cfg.OnEpoch = func(s EpochStats) { resumed = append(resumed, s.Resumed) }
	rest := r.train(t, cfg)
	if len(resumed) != 2 || !resumed[0] || resumed[1] {
		t.Fatalf("resumed flags %v, want [true false]", resumed)
	}
	sameWeights(t, rest.Weights, r.full.Weights)
	// Asking for fewer epochs than the checkpoint holds is an error, not a silent no-op.
	cfg.Epochs = 1
	if _, err := Train(r.spec, r.init, r.trainSet, r.testSet, cfg); err == nil {
		t.Error("training 1 epoch from a 2-epoch checkpoint: want an error")
	}
}

// TestTrainResumesMidEpoch: a run killed after a mid-epoch checkpoint (step 6 of 8, two batches
// into epoch 2) and started again ends with the uninterrupted run's weights: the resumed run
// takes epoch 2's batches 2 and 3, with their shuffle and augmentation, not batches 0 and 1 again.
func TestTrainResumesMidEpoch(t *testing.T) {
	r := newResumeRun(t, true)
	cfg := r.cfg
	cfg.stopAtStep = 6
	r.train(t, cfg)
	cfg.stopAtStep = 0
	var resumed []bool
	cfg.OnEpoch = func(s EpochStats) { resumed = append(resumed, s.Resumed) }
	rest := r.train(t, cfg)
	if len(resumed) != 2 || !resumed[0] || resumed[1] {
		t.Fatalf("resumed flags %v, want [true false]: epoch 1 restored, epoch 2 trained", resumed)
	}
	sameWeights(t, rest.Weights, r.full.Weights)
}

// TestTrainResumesAtEpochEnd: a run killed right after the checkpoint of epoch 1's last step,
// before that epoch's evaluation, evaluates epoch 1 when started again (no hole in its history)
// and ends with the uninterrupted run's weights and history.
func TestTrainResumesAtEpochEnd(t *testing.T) {
	r := newResumeRun(t, true)
	cfg := r.cfg
	cfg.stopAtStep = 4 // 4 steps per epoch
	if part := r.train(t, cfg); len(part.Epochs) != 0 {
		t.Fatalf("stopped run evaluated %d epochs, want 0", len(part.Epochs))
	}
	cfg.stopAtStep = 0
	rest := r.train(t, cfg)
	full := r.full
	if len(rest.Epochs) != 2 {
		t.Fatalf("resumed run's history has %d epochs, want 2", len(rest.Epochs))
	}
	for i, e := range rest.Epochs {
		if e.TestAccuracy != full.Epochs[i].TestAccuracy {
			t.Errorf("epoch %d: test accuracy %g, uninterrupted %g", i+1, e.TestAccuracy, full.Epochs[i].TestAccuracy)
		}
	}
	sameWeights(t, rest.Weights, r.full.Weights)
}

// sameWeights fails unless a resumed run's weights got equal an uninterrupted run's want (to 1e-5
// relative), tensor by tensor.
func sameWeights(t *testing.T, got, want Weights) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("resumed run has %d tensors, uninterrupted %d", len(got), len(want))
	}
	for name, w := range want {
		if got[name] == nil || len(got[name].Data) != len(w.Data) {
			t.Fatalf("%s: resumed run lacks it or has another size", name)
		}
		g := got[name].Data
		for i := range g {
			if math.Abs(float64(g[i]-w.Data[i])) > 1e-5*(1+math.Abs(float64(w.Data[i]))) {
				t.Fatalf("%s[%d]: resumed %g, uninterrupted %g", name, i, g[i], w.Data[i])
			}
		}
	}
}

// TestTrainConfigZeroIsNotDefault: an explicit zero weight decay or momentum stays zero, nil takes
// the default, and bad numbers are rejected.
func TestTrainConfigZeroIsNotDefault(t *testing.T) {
	c := TrainConfig{Epochs: 1, WeightDecay: Float(0), Momentum: Float(0)}
	d, err := c.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o := d.optimizer().(MomentumSGD); o.WeightDecay != 0 || o.Momentum != 0 {
		t.Fatalf("explicit zeros became %+v", o)
	}
	d, err = (&TrainConfig{Epochs: 1}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o := d.optimizer().(MomentumSGD); o.WeightDecay != 5e-4 || o.Momentum != 0.9 || o.LearningRate != 0.05 {
		t.Fatalf("defaults are %+v", o)
	}
	nan := math.NaN()
	for _, bad := range []TrainConfig{
		{Epochs: 1, LearningRate: nan}, {Epochs: 1, LearningRate: -1}, {Epochs: 1, LearningRate: math.Inf(1)},
		{Epochs: 1, WeightDecay: Float(nan)}, {Epochs: 1, Momentum: Float(1)}, {Epochs: 1, Optimizer: "adam", Momentum: Float(0.5)},
		{Epochs: 1, BatchSize: -1},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("withDefaults(%+v) accepted", bad)
		}
	}
}

// TestTrainEvaluateHook checks TrainConfig.Evaluate: it is called once per epoch with that
// epoch's weights (the last call's are the result's), its numbers become the epoch's test loss
// and accuracy, and they equal the GoMLX evaluation of the same weights.
func TestTrainEvaluateHook(t *testing.T) {
	spec := tinySpec(t)
	trainSet, testSet := stripes(128, 1), stripes(64, 2)
	var seen []Weights
	cfg := TrainConfig{Epochs: 2, BatchSize: 32, Seed: 3, EvalBatchSize: 16,
		Evaluate: func(s *Spec, w Weights, ds *data.Dataset, batch int) (EvalResult, error) {
			if ds != testSet || batch != 16 {
				t.Errorf("evaluate got dataset %s and batch %d", ds.Name, batch)
			}
			seen = append(seen, w.Clone())
			return Evaluate(s, w, ds, batch)
		}}
	res, err := Train(spec, spec.InitWeights(5), trainSet, testSet, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("evaluate called %d times, want 2", len(seen))
	}
	ref, err := Evaluate(spec, res.Weights, testSet, 16)
	if err != nil {
		t.Fatal(err)
	}
	if last := res.Epochs[1]; last.TestAccuracy != ref.Accuracy || math.Abs(last.TestLoss-ref.Loss) > 1e-9 {
		t.Errorf("epoch 2 reports %.4f / %.6f, the GoMLX evaluation of its weights %.4f / %.6f", last.TestAccuracy, last.TestLoss, ref.Accuracy, ref.Loss)
	}
	for name, v := range res.Weights {
		if !slices.Equal(v.Data, seen[1][name].Data) {
			t.Fatalf("the last evaluation saw other weights for %s than the result's", name)
		}
	}
}
