package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/workaround"
	"github.com/hybridprune/hybridprune/pruner"
)

func init() {
	register("trainbench", "measure GoMLX training throughput (images/s) on random data", runTrainBench)
}

func runTrainBench(args []string) error {
	fs := flag.NewFlagSet("trainbench", flag.ContinueOnError)
	model := fs.String("model", "alexnet", "model: "+modelList())
	channels := positiveInt(fs, "channels", 3, "input channels (1: MNIST, 3: CIFAR/SVHN)")
	classes := intAtLeast(fs, "classes", 10, 2, "number of classes")
	batch := positiveInt(fs, "batch", 128, "batch size")
	steps := positiveInt(fs, "steps", 20, "timed training steps")
	warmup := intAtLeast(fs, "warmup", 3, 0, "untimed steps first (the first one JIT-compiles the graph)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this file (go tool pprof)")
	traceOut := fs.String("trace", "", "write a Go execution trace of the timed steps to this file (go tool trace; bench/trace_idle.py reads it)")
	nm := fs.Bool("nm", false, "fixed 2:4 masks on every conv but the first (the hybrid retraining); times the N:M path "+
		"(forward and input gradient on the indexed kernel) against the dense masked path, interleaved")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *batch <= 0 || *steps <= 0 || *warmup < 1 {
		return fmt.Errorf("need -batch > 0, -steps > 0 and -warmup >= 1 (got %d, %d, %d)", *batch, *steps, *warmup)
	}
	spec, err := nets.ByName(*model, *channels, *classes)
	if err != nil {
		return err
	}
	backend, err := nets.Backend()
	if err != nil {
		return err
	}
	w := spec.InitWeights(1)
	var masks nets.Weights
	if *nm {
		if masks, err = pruner.NMMasks(spec, w, pruner.MaskConfig{Skip: []string{spec.Layers[0].Name}}); err != nil {
			return err
		}
		if w, err = pruner.ApplyMasks(w, masks); err != nil {
			return err
		}
	}
	modelFn, err := nets.ModelFn(spec, masks)
	if err != nil {
		return err
	}
	ctx := context.New()
	if err := nets.LoadWeights(ctx, spec, w); err != nil {
		return err
	}
	// nets.Train with -opt sgd, constant schedule (the schedule costs a few scalar ops per step).
	opt := nets.MomentumSGD{LearningRate: 0.01, Momentum: 0.9, WeightDecay: 5e-4}
	trainer := train.NewTrainer(backend, ctx, modelFn, nets.SparseCrossEntropy, opt, nil, nil)

	// Random data, roughly normalised images and uniform labels; the same batch every step (the
	// data pipeline is not part of the measurement).
	rng := rand.New(rand.NewPCG(1, 2))
	in := spec.Input
	x := make([]float32, *batch*in.Size())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int32, *batch)
	for i := range y {
		y[i] = int32(rng.IntN(*classes))
	}
	step := func() error {
		xt := tensors.FromFlatDataAndDimensions(x, *batch, in.C, in.H, in.W)
		yt := tensors.FromFlatDataAndDimensions(y, *batch)
		metrics, err := trainer.TrainStep(nil, []*tensors.Tensor{xt}, []*tensors.Tensor{yt})
		if err != nil {
			return err
		}
		// Reading the loss waits for the step to finish (and keeps async backends honest).
		_ = metrics[0].Value()
		for _, m := range metrics {
			m.FinalizeAll()
		}
		return nil
	}

	compileStart := time.Now()
	for i := 0; i < *warmup; i++ {
		if err := step(); err != nil {
			return fmt.Errorf("warmup step %d: %w", i+1, err)
		}
	}
	warmupSecs := time.Since(compileStart).Seconds()
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	stopTrace, err := startTrace(*traceOut)
	if err != nil {
		return err
	}
	defer stopTrace()
	// With -nm the two paths alternate every few steps, so that load from elsewhere hits both.
	paths := []bool{workaround.SparseDotActive()}
	if *nm {
		paths = []bool{false, true}
	}
	defer workaround.SetSparseDot(workaround.SparseDotActive())
	secs := make([]float64, len(paths))
	nmCalls := workaround.SparseDotCalls()
	for i := 0; i < *steps; {
		for j, sparse := range paths {
			workaround.SetSparseDot(sparse)
			start := time.Now()
			for r := 0; r < 5 && i+r < *steps; r++ {
				if err := step(); err != nil {
					return fmt.Errorf("step %d: %w", i+r+1, err)
				}
			}
			secs[j] += time.Since(start).Seconds()
		}
		i += 5
	}
	fmt.Fprintf(os.Stderr, "trainbench: %d warmup steps (JIT compile included) took %.1fs; %d timed steps (last path) %.1fs\n",
		*warmup, warmupSecs, *steps, secs[len(secs)-1])
	for j, sparse := range paths {
		what := ""
		if *nm {
			what = map[bool]string{false: " path=dense-masked", true: " path=2:4"}[sparse]
		}
		fmt.Printf("gomlx-train model=%s batch=%d%s images_per_sec=%.1f ms_per_step=%.1f backend=%s\n",
			*model, *batch, what, float64(*steps**batch)/secs[j], 1000*secs[j]/float64(*steps), strings.ReplaceAll(backend.Name(), " ", ""))
	}
	if *nm {
		fmt.Printf("gomlx-train 2:4 speedup over dense masked: %.2fx (%d products on the N:M path; CPU %s, route %s)\n",
			secs[0]/secs[1], workaround.SparseDotCalls()-nmCalls, experiment.CPUModel(), gemm.RouteName())
	}
	if n := workaround.FastDotCalls(); n > 0 {
		fmt.Fprintf(os.Stderr, "trainbench: %d matrix products and %d transposes ran on the fast simplego executors (%s=0 turns them off)\n",
			n, workaround.FastTransposeCalls(), workaround.FastOpsEnvVar)
	}
	return nil
}
