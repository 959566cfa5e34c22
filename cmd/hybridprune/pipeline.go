package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

func init() {
	register("pipeline", "the main job end to end: train a baseline, hybrid-prune it, fine-tune, time it on the engine (a Table-1 row and the speedups)", runPipeline)
}

func runPipeline(args []string) error {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	model := fs.String("model", "alexnet", "zoo model: "+modelList())
	out := fs.String("out", "runs/pipeline", "run directory (results.jsonl, snapshots); run again to resume")
	epochs := positiveInt(fs, "epochs", 6, "baseline training epochs (momentum SGD, lr 0.05, cosine, random crops)")
	target := floatRange(fs, "target", 0.5, 0, 1, true, "remaining-filter ratio of the filter stage, in (0, 1)")
	metric := fs.String("metric", "hybrid2", "filter importance metric: "+fmt.Sprint(pruner.MetricNames()))
	ft := intAtLeast(fs, "finetune-epochs", 1, 0, "fine-tuning epochs after the filter removal")
	rt := intAtLeast(fs, "retrain-epochs", 1, 0, "retraining epochs with the 2:4 masks (the paper: 5)")
	batch := positiveInt(fs, "bench-batch", 128, "batch size of the engine timing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target >= 1 {
		return fmt.Errorf("invalid value for flag -target: %g: want a remaining ratio below 1", *target)
	}
	rec := func(e int, lr float64, seed uint64) experiment.Recipe {
		return experiment.Recipe{Epochs: e, Optimizer: "sgd", LR: lr, BatchSize: 128, Augment: true, Seed: seed}
	}
	sw := experiment.Sweep{Name: "pipeline",
		Baseline: experiment.Baseline{Model: *model, Train: rec(*epochs, 0.05, 1),
			Data: experiment.Data{Dataset: df.dataset, LimitTrain: *df.limitTrainP, LimitTest: *df.limitTestP}},
		Metrics: []string{*metric}, Ratios: []float64{*target}, Pattern: "2:4", Order: "width", K: 0.5,
		FineTune: rec(*ft, 0.01, 2), Retrain: rec(*rt, 0.01, 3), NMOnly: true}
	if err := sw.Validate(); err != nil {
		return err
	}
	st, err := experiment.OpenStore(filepath.Join(*out, "results.jsonl"))
	if err != nil {
		return err
	}
	work := filepath.Join(*out, "work")
	start := time.Now()
	fmt.Printf("pipeline: %s on %s, %s to %.2g remaining, 2:4 along the width; CPU %s, kernel route %s, backend %s\n",
		*model, df.dataset, *metric, *target, experiment.CPUModel(), gemm.RouteName(), backendName())
	last := time.Time{}
	_, err = experiment.Run(sw, experiment.Env{Store: st, WorkDir: work, DataDir: df.dataDir, Backend: backendName(), Log: os.Stdout,
		Progress: func(p experiment.Progress) {
			if p.Cached || p.Epochs == 0 || time.Since(last) < 5*time.Second && p.Epoch != p.Epochs {
				return
			}
			last = time.Now()
			fmt.Printf("  [%d/%d] %s epoch %d/%d, test accuracy %.4f\n", p.Unit, p.Units, p.Desc, p.Epoch, p.Epochs, p.Accuracy)
		}})
	if err != nil {
		return err
	}
	g := experiment.Collect(sw, st)
	rows := []*experiment.Row{g.Baseline, g.NMOnly, g.Filter[*metric][0], g.Hybrid[*metric][0]}
	if slices.Contains(rows, nil) {
		return fmt.Errorf("pipeline: %s lacks a row of this configuration (another -metric or -target?)", st.Path())
	}
	ms, err := pipelineTimes(sw, work, *metric, *batch)
	if err != nil {
		return fmt.Errorf("timing the models needs their snapshots in %s (delete %s to recompute them): %w", work, st.Path(), err)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\nmodel\tremaining\ttest accuracy\tparams\tnon-zero\tengine ms/batch %d\timages/s\t\n", *batch)
	for i, r := range rows {
		name := []string{"original", "2:4 only", "filter pruning", "hybrid (filter + 2:4)"}[i]
		fmt.Fprintf(tw, "%s\t%.2f\t%.4f\t%d\t%d\t%.2f\t%.0f\t\n", name, r.Metrics.RemainingRatio, r.Metrics.Accuracy,
			r.Metrics.Params, r.Metrics.NonZero, ms[i], float64(*batch)/ms[i]*1e3)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("hybrid speedup on the engine: %.2fx over filter pruning at the same filters (paper, GPU: 1.3x), %.2fx over 2:4 only (paper: 1.36x at 0.5)\n",
		ms[2]/ms[3], ms[1]/ms[3])
	fmt.Printf("pipeline: %.0fs wall this run; rows in %s (rerun to read them back)\n", time.Since(start).Seconds(), st.Path())
	return nil
}

// pipelineTimes times the pipeline's models on the engine with experiment.TimeDenseAndNM: the
// original model (dense) and 2:4 only, then the filter-pruned model (dense) and the hybrid one.
func pipelineTimes(sw experiment.Sweep, work, metric string, batch int) ([]float64, error) {
	bspec, bw, err := experiment.BaselineSnapshot(sw, work)
	if err != nil {
		return nil, err
	}
	fspec, fw, err := experiment.Snapshot(sw, work, metric, 0)
	if err != nil {
		return nil, err
	}
	sp := experiment.Speed{Metric: metric, Batch: batch}
	var out []float64
	for _, m := range []struct {
		spec *nets.Spec
		w    nets.Weights
	}{{bspec, bw}, {fspec, fw}} {
		ms, err := experiment.TimeDenseAndNM(m.spec, m.w, sw, sp)
		if err != nil {
			return nil, err
		}
		out = append(out, ms["dense"], ms["nm"])
	}
	return out, nil
}
