package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/nets"
)

func init() {
	register("pattern-speed", "time element/vector/block/group-wise masks vs dense on the engine (group-wise paper; fresh weights)", runPatternSpeed)
}

func runPatternSpeed(args []string) error {
	fs := flag.NewFlagSet("pattern-speed", flag.ContinueOnError)
	models := fs.String("models", "alexnet,vgg16", "zoo models, comma-separated (of "+modelList()+")")
	channels := positiveInt(fs, "channels", 3, "input channels (3: CIFAR shapes)")
	classes := positiveInt(fs, "classes", 10, "classes")
	kinds := fs.String("kinds", "group,element,vector,block", "mask kinds, comma-separated")
	sparsities := fs.String("sparsities", "0.5,0.6,0.7,0.8,0.9", "removed fractions in (0, 1), comma-separated")
	vector := intAtLeast(fs, "vector", 20, 2, "vector length of vector-wise masks")
	block := positiveInt(fs, "block", 4, "block side of block-wise masks")
	skip := fs.String("skip", "conv1", "conv layers left dense by every kind, comma-separated (the first conv: no block tiles K = 3*k*k)")
	batch := positiveInt(fs, "batch", 32, "batch size")
	threads := intAtLeast(fs, "threads", 0, 0, "kernel goroutines (0: GOMAXPROCS)")
	store := fs.String("store", "results/patterns-speed.jsonl", "result store (JSON lines)")
	budget := fs.Duration("budget", 3*time.Second, "timing budget per kind and sparsity")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sp, err := parseFloats(*sparsities)
	if err != nil {
		return fmt.Errorf("-sparsities: %w", err)
	}
	p := experiment.Patterns{Kinds: splitList(*kinds), Sparsities: sp, Vector: *vector, Block: *block, Skip: splitList(*skip), Batch: *batch, Budget: *budget}
	if err := p.Validate(); err != nil {
		return err
	}
	var specs []experiment.PatternSpeed
	for _, m := range splitList(*models) {
		if _, err := nets.ByName(m, *channels, *classes); err != nil {
			return fmt.Errorf("-models: %w", err)
		}
		specs = append(specs, experiment.PatternSpeed{Model: m, Channels: *channels, Classes: *classes, Seed: 1, Threads: *threads})
	}
	st, err := experiment.OpenStore(*store)
	if err != nil {
		return err
	}
	fmt.Printf("pattern speed: %v x %v x %v, batch %d, store %s, CPU %s, kernel route %s\n", *models, p.Kinds, p.Sparsities, *batch,
		st.Path(), experiment.CPUModel(), backendName())
	for _, ps := range specs {
		if err := experiment.RunPatternSpeed(ps, p, st, backendName(), func(s string) { fmt.Println(s) }); err != nil {
			return err
		}
	}
	return experiment.WritePatternTables(os.Stdout, st)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
