package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

func init() {
	register("sensitivity", "per-layer sensitivity analysis, automatic per-layer ratios for a MACs budget, and their comparison with global and uniform selection", runSensitivity)
}

func runSensitivity(args []string) error {
	fs := flag.NewFlagSet("sensitivity", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	modelDir := fs.String("model", "", "trained model directory (spec.json + weights.npz); required")
	metric := fs.String("metric", "l1-out", "filter importance metric ranking each layer: "+fmt.Sprint(pruner.MetricNames()))
	ratioList := fs.String("ratios", "0.9,0.8,0.7,0.6,0.5,0.4,0.3,0.2,0.1", "remaining-filter ratios in (0, 1), comma-separated")
	budget := optionalFloat(fs, "budget-macs", 0, 1, "allocate per-layer ratios keeping this fraction of the MACs (threshold rule)")
	compare := fs.Bool("compare", false, "with -budget-macs: evaluate the allocation against global ranking and uniform ratios at the same MACs")
	ftEpochs := intAtLeast(fs, "finetune-epochs", 1, 0, "fine-tuning epochs of each compared selection")
	lr := floatRange(fs, "lr", 0.01, 0, 10, true, "fine-tuning learning rate (sgd, cosine)")
	calib := intAtLeast(fs, "calib", 256, 1, "calibration images of data-driven metrics (apoz)")
	out := fs.String("out", "", "write the analysis (JSON) here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ratios, err := parseFloats(*ratioList)
	if err != nil {
		return fmt.Errorf("-ratios: %w", err)
	}
	for _, r := range ratios {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("-ratios: %g outside (0, 1)", r)
		}
	}
	if *modelDir == "" {
		return fmt.Errorf("-model is required")
	}
	if _, err := pruner.Lookup(*metric); err != nil {
		return err
	}
	if *compare && *budget == nil {
		return fmt.Errorf("-compare needs -budget-macs")
	}
	if *budget != nil {
		if err := (pruner.Budget{MACs: **budget}).Validate(); err != nil {
			return fmt.Errorf("-budget-macs: %w", err)
		}
	}
	spec, w, err := nets.LoadModel(*modelDir)
	if err != nil {
		return err
	}
	trainSet, testSet, err := df.loadSplits()
	if err != nil {
		return err
	}
	opts := pruner.DefaultScoreOptions()
	if pruner.NeedsData(*metric) {
		if opts.Calibration, err = calibrationBatch(trainSet, *calib); err != nil {
			return err
		}
	}
	tr := &pruner.GoMLXTrainer{Train: trainSet, Test: testSet,
		Config: nets.TrainConfig{BatchSize: 128, Optimizer: "sgd", LearningRate: *lr, Schedule: "cosine", Augment: true, Seed: 2, Evaluate: engine.Evaluate}}
	rep := experiment.SensitivityReport{Model: spec.Name, Dataset: testSet.Name, Metric: *metric, CPU: experiment.CPUModel(), Date: time.Now().UTC().Format(time.RFC3339)}
	if rep.Base, err = tr.Evaluate(spec, w); err != nil {
		return err
	}
	start := time.Now()
	fmt.Printf("sensitivity of %s on %s (%d test images), metric %s, baseline accuracy %.4f, CPU %s\n", spec.Name, testSet.Name, testSet.N, *metric, rep.Base, rep.CPU)
	if rep.Rows, err = pruner.Sensitivity(spec, w, *metric, opts, ratios, tr); err != nil {
		return err
	}
	printSensitivity(rep.Rows, ratios)
	fmt.Printf("(%.0fs)\n", time.Since(start).Seconds())
	if *budget != nil {
		rep.Budget = **budget
		auto, err := pruner.AllocateRatios(spec, rep.Rows, pruner.Budget{MACs: rep.Budget})
		if err != nil {
			return err
		}
		rep.Auto = &auto
		fmt.Printf("automatic ratios for %.3g of the MACs: threshold accuracy %.4f, MACs kept %.3f: %v\n", rep.Budget, auto.Threshold, auto.MACs, auto.Ratios)
		if *compare {
			if rep.Compare, err = compareSelections(spec, w, *metric, opts, auto, *ftEpochs, tr); err != nil {
				return err
			}
		}
	}
	if *out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := nets.WriteFileAtomic(*out, append(b, '\n')); err != nil {
			return err
		}
		fmt.Println("wrote", *out)
	}
	return nil
}

func printSensitivity(rows []pruner.SensitivityRow, ratios []float64) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "layer\t")
	for _, r := range ratios {
		fmt.Fprintf(tw, "%.2g\t", r)
	}
	fmt.Fprintln(tw)
	for i := 0; i < len(rows); i += len(ratios) {
		fmt.Fprintf(tw, "%s\t", rows[i].Layer)
		for _, r := range rows[i : i+len(ratios)] {
			fmt.Fprintf(tw, "%.4f\t", r.Accuracy)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// compareSelections prunes the model three ways at the automatic allocation's MACs: the
// allocation (local selection with its per-layer ratios), global ranking and uniform per-layer
// ratios (the ratio of each found by bisection on the MACs), and evaluates each before and after
// fine-tuning.
func compareSelections(spec *nets.Spec, w nets.Weights, metric string, opts pruner.ScoreOptions, auto pruner.AutoRatios, epochs int, tr *pruner.GoMLXTrainer) ([]experiment.SelectionResult, error) {
	scores, layers, err := pruner.ScoreSpec(spec, w, metric, opts)
	if err != nil {
		return nil, err
	}
	names := pruner.LayerNames(layers)
	sel := func(cfg pruner.SelectConfig) (pruner.Plan, error) {
		cfg.MinFilters = 1
		return pruner.SelectSpec(spec, names, scores, cfg)
	}
	var out []experiment.SelectionResult
	autoPlan, err := sel(pruner.SelectConfig{Ratio: 1, Scope: pruner.ScopeLocal, LayerRatios: auto.Ratios})
	if err != nil {
		return nil, err
	}
	out = append(out, experiment.SelectionResult{Name: "automatic (threshold rule)", LayerRatios: auto.Ratios, MACs: auto.MACs})
	plans := []pruner.Plan{autoPlan}
	for _, s := range []struct {
		name  string
		scope pruner.Scope
	}{{"global ranking", pruner.ScopeGlobal}, {"uniform per layer", pruner.ScopeLocal}} {
		r, p, f, err := pruner.MatchMACs(spec, auto.MACs, func(r float64) (pruner.Plan, error) {
			return sel(pruner.SelectConfig{Ratio: r, Scope: s.scope})
		})
		if err != nil {
			return nil, fmt.Errorf("%s at %.3g of the MACs: %w", s.name, auto.MACs, err)
		}
		out = append(out, experiment.SelectionResult{Name: s.name, Ratio: r, MACs: f})
		plans = append(plans, p)
	}
	for i, p := range plans {
		ps, pw, err := pruner.ApplyPlan(spec, w, p)
		if err != nil {
			return nil, err
		}
		for _, j := range ps.ConvIndices() {
			out[i].Widths = append(out[i].Widths, ps.Layers[j].OutChannels)
		}
		if out[i].Accuracy, err = tr.Evaluate(ps, pw); err != nil {
			return nil, err
		}
		tuned, err := tr.FineTune(ps, pw, nil, epochs)
		if err != nil {
			return nil, err
		}
		if out[i].AccuracyTuned, err = tr.Evaluate(ps, tuned); err != nil {
			return nil, err
		}
		out[i].FineTuneEpochs = epochs
		fmt.Printf("%-28s MACs %.3f widths %v: accuracy %.4f, after %d epoch(s) of fine-tuning %.4f\n",
			out[i].Name, out[i].MACs, out[i].Widths, out[i].Accuracy, epochs, out[i].AccuracyTuned)
	}
	return out, nil
}
