package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/nets"
)

func init() {
	register("uv", "score a sweep's trained baseline in the (u, v) plane of Figs. 4, 6 and 7 (output L1, preservation) and write it as JSON", runUV)
}

func runUV(args []string) error {
	fs := flag.NewFlagSet("uv", flag.ContinueOnError)
	config := fs.String("config", "", "sweep configuration whose baseline to score; required")
	work := fs.String("work", "runs/sweeps", "the sweep's work directory (where its baseline snapshot is)")
	modelDir := fs.String("model", "", "score this model directory instead of the sweep's baseline snapshot")
	layer := fs.String("layer", "conv3", "layer of the verdict printed (the paper's Fig. 4 plots AlexNet's conv3)")
	out := fs.String("out", "", "write the report (JSON) here; required")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" || *out == "" {
		return fmt.Errorf("-config and -out are required")
	}
	sw, err := experiment.LoadSweep(*config)
	if err != nil {
		return err
	}
	var spec *nets.Spec
	var w nets.Weights
	var key string
	if *modelDir != "" {
		spec, w, err = nets.LoadModel(*modelDir)
		key = "(" + *modelDir + ")"
	} else {
		spec, w, key, err = experiment.LoadBaseline(sw, *work)
	}
	if err != nil {
		return err
	}
	rep, err := experiment.NewUVReport(sw, spec, w)
	if err != nil {
		return err
	}
	rep.Baseline, rep.Commit, rep.CPU, rep.Date = key, experiment.Commit(), experiment.CPUModel(), time.Now().UTC().Format(time.RFC3339)
	vs, err := experiment.UVVerdicts(rep, *layer)
	if err != nil {
		return err
	}
	for _, v := range vs {
		fmt.Printf("%s: %s (%s)\n", v.Claim, v.Ours, v.Status)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if err := nets.WriteFileAtomic(*out, append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "uv: %d layers of %s written to %s\n", len(rep.Layers), sw.Name, *out)
	return nil
}
