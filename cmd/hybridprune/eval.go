package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

func init() {
	register("eval", "evaluate a saved model (spec.json + weights.npz) on a test set", runEval)
	register("summary", "print a model's layers, output shapes and parameter counts", runSummary)
}

func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	modelDir := fs.String("model", "", "model directory written by train or prune (spec.json + weights.npz); required")
	batch := positiveInt(fs, "batch", 500, "batch size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelDir == "" {
		return fmt.Errorf("-model is required")
	}
	spec, w, err := nets.LoadModel(*modelDir)
	if err != nil {
		return err
	}
	testSet, err := df.load(data.Test)
	if err != nil {
		return err
	}
	res, err := engine.Evaluate(spec, w, testSet, *batch)
	if err != nil {
		return err
	}
	fmt.Printf("%s on %s test (%d images): loss %.4f, accuracy %.4f\n", spec.Name, testSet.Name, res.N, res.Loss, res.Accuracy)
	return nil
}

func runSummary(args []string) error {
	fs := flag.NewFlagSet("summary", flag.ContinueOnError)
	model := fs.String("model", "alexnet", "zoo model ("+modelList()+") or a model directory")
	channels := positiveInt(fs, "channels", 3, "input channels (zoo models)")
	classes := intAtLeast(fs, "classes", 10, 2, "classes (zoo models)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var spec *nets.Spec
	if st, err := os.Stat(*model); err == nil && st.IsDir() {
		if spec, _, err = nets.LoadModel(*model); err != nil {
			return err
		}
	} else {
		if spec, err = nets.ByName(*model, *channels, *classes); err != nil {
			return err
		}
	}
	s, err := spec.Summary()
	if err != nil {
		return err
	}
	fmt.Print(s)
	return nil
}

func backendName() string { return nets.BackendDescription() }
