package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

func init() {
	register("prune", "run a pruning schedule (hybrid, reversed, filter, nm) on a trained model and fine-tune it", runPrune)
	register("score", "print per-filter importance scores as CSV (layer,filter,score)", runScore)
}

var schedules = map[string]func(*nets.Spec, nets.Weights, pruner.ScheduleConfig, pruner.FineTuner, pruner.Evaluator) (*pruner.Result, error){
	"hybrid":   pruner.RunHybrid,
	"reversed": pruner.RunReversed,
	"filter":   pruner.RunFilterOnly,
	"nm":       pruner.RunNMOnly,
}

func runPrune(args []string) error {
	fs := flag.NewFlagSet("prune", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	modelDir := fs.String("model", "", "trained model directory (spec.json + weights.npz, e.g. RUN/model from train); required")
	out := fs.String("out", "", "output model directory for the pruned model (+ masks.npz); required")
	schedule := fs.String("schedule", "hybrid", "hybrid (filters then N:M), reversed (N:M then filters), filter or nm")
	metric := fs.String("metric", "hybrid2", "filter importance metric: "+fmt.Sprint(pruner.MetricNames()))
	target := floatRange(fs, "target", 0.5, 0, 1, true, "remaining-filter ratio in (0, 1]")
	steps := positiveInt(fs, "steps", 1, "iterative filter-pruning steps")
	k := floatRange(fs, "k", 0.5, 0, 1, false, "hybrid mixing weight k in [0, 1]")
	group := fs.String("group", "width", "2:4 group order: width (in,kh,kw; the paper's) or channels (kh,kw,in; NVIDIA ASP)")
	pattern := fs.String("pattern", "2:4", "N:M pattern")
	local := fs.Bool("local", false, "per-layer (local) ratios instead of global ranking")
	permute := fs.Bool("permute", false, "with -group channels: permute each conv's input channels (and its producer's filters) to keep more magnitude under N:M, NVIDIA ASP style, right before N:M masking")
	layerRatios := fs.String("layer-ratios", "", "JSON file of per-layer remaining ratios ({\"conv1\": 0.8, ...}, or a `sensitivity -out` report's automatic ratios); implies -local")
	maskKind := fs.String("masks", "nm", "mask kind of the mask stage: nm (the -pattern), element, vector, block or group")
	sparsity := floatRange(fs, "sparsity", 0.5, 0, 1, false, "removed fraction of element, vector, block and group masks, in [0, 1)")
	vector := intAtLeast(fs, "vector", pruner.DefaultVector, 2, "vector length of vector masks")
	block := positiveInt(fs, "block", pruner.DefaultBlock, "block side of block masks")
	skip := fs.String("skip", "", "conv layers the mask stage leaves dense, comma-separated")
	calib := intAtLeast(fs, "calib", 256, 1, "calibration training images of data-driven metrics (apoz)")
	multiple := intAtLeast(fs, "multiple", 0, 0, "round kept channels per layer to a multiple (8/16/32 for sparse tensor cores; 0: off)")
	ftEpochs := intAtLeast(fs, "finetune-epochs", 1, 0, "fine-tuning epochs after each filter-pruning step")
	rtEpochs := intAtLeast(fs, "retrain-epochs", 1, 0, "retraining epochs at the end (the paper: 5)")
	var cfg nets.TrainConfig
	batch := positiveInt(fs, "batch", 128, "batch size")
	fs.StringVar(&cfg.Optimizer, "opt", "adam", "optimizer: sgd or adam")
	lr := floatRange(fs, "lr", 0.0005, 0, 10, true, "fine-tuning learning rate")
	fs.StringVar(&cfg.Schedule, "lr-schedule", "cosine", "cosine or constant")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kind, err := pruner.ParseMaskKind(*maskKind)
	if err != nil {
		return fmt.Errorf("-masks: %w", err)
	}
	if *sparsity >= 1 {
		return fmt.Errorf("-sparsity %g: want a removed fraction in [0, 1)", *sparsity)
	}
	if *modelDir == "" || *out == "" {
		return fmt.Errorf("-model and -out are required")
	}
	cfg.BatchSize, cfg.LearningRate = *batch, *lr
	run, ok := schedules[*schedule]
	if !ok {
		return fmt.Errorf("-schedule %q: want hybrid, reversed, filter or nm", *schedule)
	}
	order, err := pruner.ParseGroupOrder(*group)
	if err != nil {
		return err
	}
	pat, err := pruner.ParsePattern(*pattern)
	if err != nil {
		return err
	}
	if *permute {
		pc := pruner.PermuteConfig{Pattern: pat, Order: order, OnSearch: func(_ *nets.Spec, ps []pruner.LayerPermutation) { fmt.Print(pruner.PermutationSummary(ps)) }}
		if run, err = pruner.PermutedSchedule(*schedule, pc); err != nil {
			return err
		}
	}
	sc := pruner.DefaultScheduleConfig(*metric, *target)
	sc.Steps, sc.FineTuneEpochs, sc.RetrainEpochs = *steps, *ftEpochs, *rtEpochs
	sc.Scoring.K, sc.Scoring.Order, sc.Scoring.Pattern = *k, order, pat
	sc.Masks.Order, sc.Masks.Pattern = order, pat
	sc.Masks.Kind = kind
	sc.Masks.Sparsity, sc.Masks.Vector, sc.Masks.Block, sc.Masks.Skip = *sparsity, *vector, *block, splitList(*skip)
	sc.Select.Multiple = *multiple
	if *local {
		sc.Select.Scope = pruner.ScopeLocal
	}
	if *layerRatios != "" {
		if sc.Select.LayerRatios, err = readLayerRatios(*layerRatios); err != nil {
			return err
		}
		sc.Select.Scope = pruner.ScopeLocal
	}
	needsData := pruner.NeedsData(*metric) && *schedule != "nm"
	if needsData {
		// A stand-in until the training images are loaded: Validate checks everything else first.
		sc.Scoring.Calibration = &pruner.Batch{X: []float32{0}, N: 1}
	}
	if err := sc.Validate(&pruner.GoMLXTrainer{}, *schedule != "nm", *schedule != "filter"); err != nil {
		return err // before loading anything
	}
	spec, w, err := nets.LoadModel(*modelDir)
	if err != nil {
		return err
	}
	if err := pruner.CheckMaskLayers(spec, sc.Masks); err != nil && *schedule != "filter" {
		return err
	}
	trainSet, testSet, err := df.loadSplits()
	if err != nil {
		return err
	}
	if needsData {
		if sc.Scoring.Calibration, err = calibrationBatch(trainSet, *calib); err != nil {
			return err
		}
	}
	cfg.Evaluate = engine.Evaluate
	tr := &pruner.GoMLXTrainer{Train: trainSet, Test: testSet, Config: cfg,
		OnEpoch: func(s *nets.Spec, e nets.EpochStats) {
			fmt.Printf("  train %s epoch %d: test accuracy %.4f (%.0f images/s)\n", s.Name, e.Epoch, e.TestAccuracy, e.ImagesPerSec)
		}}
	fmt.Printf("%s schedule on %s (%s): metric %s, target %.3g, %d step(s), %s %s, k=%.2g\n",
		*schedule, spec.Name, trainSet.Name, *metric, *target, *steps, pat, order, *k)
	start := time.Now()
	res, err := run(spec, w, sc, tr, tr)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "stage\tremaining\taccuracy\tparams\tnon-zero\tseconds\n")
	for _, r := range res.Reports {
		fmt.Fprintf(tw, "%s\t%.3f\t%.4f\t%d\t%d\t%.1f\n", r.Stage, r.RemainingRatio, r.Accuracy, r.Params, r.NonZero, r.Seconds)
	}
	tw.Flush()
	if err := nets.SaveModel(*out, res.Spec, res.Weights); err != nil {
		return err
	}
	if res.Masks != nil {
		if err := nets.WriteNPZ(filepath.Join(*out, "masks.npz"), res.Masks); err != nil {
			return err
		}
	}
	fmt.Printf("pruned model in %s; wall %.1fs\n", *out, time.Since(start).Seconds())
	return nil
}

func runScore(args []string) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	weights := fs.String("weights", "", "weights .npz in the paper layout: conv0..convN (OIHW, network order) and optionally fc0 [out, in]")
	modelDir := fs.String("model", "", "or a model directory (spec.json + weights.npz)")
	metric := fs.String("metric", "hybrid2", "metric: "+fmt.Sprint(pruner.MetricNames()))
	group := fs.String("group", "width", "2:4 group order: width or channels")
	k := floatRange(fs, "k", 0.5, 0, 1, false, "hybrid mixing weight k in [0, 1]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *weights != "" && *modelDir == "":
		return pruner.ScoreNPZCSV(os.Stdout, *weights, *metric, *group, *k)
	case *modelDir != "" && *weights == "":
		spec, w, err := nets.LoadModel(*modelDir)
		if err != nil {
			return err
		}
		return pruner.ScoreCSV(os.Stdout, spec, w, *metric, *group, *k)
	}
	return fmt.Errorf("give exactly one of -weights W.npz or -model DIR")
}

// readLayerRatios reads per-layer ratios from a JSON object of ratios or from a sensitivity
// report (its auto.ratios).
func readLayerRatios(path string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-layer-ratios: %w", err)
	}
	var report struct {
		Auto *struct {
			Ratios map[string]float64 `json:"ratios"`
		} `json:"auto"`
	}
	if json.Unmarshal(b, &report) == nil && report.Auto != nil {
		return report.Auto.Ratios, nil
	}
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("-layer-ratios %s: want a JSON object of layer ratios or a sensitivity report: %w", path, err)
	}
	return m, nil
}
