package main

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

func init() {
	register("train", "train a model on a dataset (resumable: run again with the same -out)", runTrain)
}

func runTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	model := fs.String("model", "alexnet", "model: "+modelList())
	out := fs.String("out", "", "run directory: checkpoints, history and the final model (spec.json + weights.npz); required")
	var cfg nets.TrainConfig
	epochs := positiveInt(fs, "epochs", 2, "epochs")
	batch := positiveInt(fs, "batch", 128, "batch size")
	fs.StringVar(&cfg.Optimizer, "opt", "sgd", "optimizer: sgd (momentum) or adam")
	lr := optionalFloat(fs, "lr", math.SmallestNonzeroFloat64, 10, "learning rate > 0 (default 0.05 sgd, 0.001 adam)")
	momentum := optionalFloat(fs, "momentum", 0, 0.999, "sgd momentum in [0, 1) (default 0.9; 0: plain SGD)")
	wd := optionalFloat(fs, "wd", 0, 1, "weight decay in [0, 1] (default 5e-4 sgd, 0 adam; 0: none)")
	fs.StringVar(&cfg.Schedule, "schedule", "cosine", "learning-rate schedule: cosine or constant")
	fs.BoolVar(&cfg.Augment, "augment", false, "random crop (+ flip for CIFAR) augmentation")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.BoolVar(&cfg.ProgressBar, "progress", true, "show a progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required (the run directory; rerun with the same one to resume)")
	}
	cfg.Seed, cfg.Epochs, cfg.BatchSize, cfg.Momentum, cfg.WeightDecay = *seed, *epochs, *batch, *momentum, *wd
	if *lr != nil {
		cfg.LearningRate = **lr
	}
	trainSet, testSet, err := df.loadSplits()
	if err != nil {
		return err
	}
	spec, err := specFor(*model, trainSet)
	if err != nil {
		return err
	}
	fmt.Printf("%s on %s: %d train / %d test images, %d parameters, backend %s\n",
		spec.Name, trainSet.Name, trainSet.N, testSet.N, spec.ParamCount(), backendName())
	cfg.CheckpointDir = filepath.Join(*out, "checkpoints")
	cfg.Evaluate = engine.Evaluate // the inference engine: the graph's result to 1e-4, faster
	cfg.OnEpoch = func(s nets.EpochStats) {
		tag := ""
		if s.Resumed {
			tag = " (from checkpoint)"
		}
		fmt.Printf("epoch %d: train loss %.4f, test loss %.4f, test accuracy %.4f, %.1fs, %.0f images/s%s\n",
			s.Epoch, s.TrainLoss, s.TestLoss, s.TestAccuracy, s.Seconds, s.ImagesPerSec, tag)
		if s.Diverging(spec.NumClasses) {
			fmt.Printf("warning: test accuracy at chance and training loss above ln(%d) = %.3f: the recipe looks diverged (try a lower -lr)\n",
				spec.NumClasses, math.Log(float64(spec.NumClasses)))
		}
	}
	start := time.Now()
	res, err := nets.Train(spec, spec.InitWeights(*seed), trainSet, testSet, cfg)
	if err != nil {
		return err
	}
	if err := nets.SaveModel(filepath.Join(*out, "model"), spec, res.Weights); err != nil {
		return err
	}
	final := res.Final()
	var secs float64
	for _, e := range res.Epochs {
		secs += e.Seconds
	}
	fmt.Printf("final test accuracy %.4f after %d epochs; training %.1fs (%.0f images/s); wall %.1fs this run; model in %s\n",
		final.TestAccuracy, len(res.Epochs), secs, float64(len(res.Epochs)*(trainSet.N/cfg.BatchSize)*cfg.BatchSize)/secs,
		time.Since(start).Seconds(), filepath.Join(*out, "model"))
	return nil
}
