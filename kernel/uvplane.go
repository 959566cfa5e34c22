package kernel

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/pruner"
)

// loadJSON reads a committed report (a path relative to the repository) into v and prints its
// digest line, "report PATH: digest D" (the first 12 hex digits of the file's sha256), which
// scripts/check-notebook-results.py compares with the committed file.
func loadJSON(path string, v any) error {
	root, err := RepoDir()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("kernel: report %s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	fmt.Printf("report %s: digest %x\n", path, sum[:6])
	return nil
}

// LoadUV reads a (u, v) report written by `hybridprune uv -out` (e.g.
// "results/alexnet-mnist-uv.json") and prints where it comes from.
func LoadUV(path string) (*experiment.UVReport, error) {
	var r experiment.UVReport
	if err := loadJSON(path, &r); err != nil {
		return nil, err
	}
	fmt.Printf("%s on %s, baseline %s, scored at commit %s, %s\n", r.Model, r.Dataset, r.Baseline, r.Commit, r.Date)
	return &r, nil
}

// uvPlanes are the planes of Figs. 4, 6 and 7: the raw metrics and each hybrid metric's transforms.
var uvPlanes = []struct {
	fig, xlabel, ylabel string
	tu, tv              pruner.Transform
}{
	{"Fig. 4: raw metrics", "u = output L1 (eq. 3)", "v = preservation (eq. 7)", nil, nil},
	{"Fig. 6: hybrid 1's transforms", "rank of output L1 (over all filters)", "rank of preservation",
		experiment.UVTransforms[0].TU, experiment.UVTransforms[0].TV},
	{"Fig. 7: hybrid 2's transforms", "(output L1 - its minimum)^2", "v = preservation (unchanged)",
		experiment.UVTransforms[1].TU, experiment.UVTransforms[1].TV},
}

// UVPlots draws layer's filters in the three planes of Figs. 4, 6 and 7, then every layer's in
// the raw plane (one colour per layer: what a global ranking compares).
func UVPlots(r *experiment.UVReport, layer string) error {
	for _, p := range uvPlanes {
		ls, err := r.Transformed(p.tu, p.tv)
		if err != nil {
			return err
		}
		for _, l := range ls {
			if l.Name != layer {
				continue
			}
			title := fmt.Sprintf("%s, %s's %d filters (%s / %s)", p.fig, layer, len(l.U), r.Model, r.Dataset)
			if err := DisplayPlot(ScatterPlot(title, p.xlabel, p.ylabel, Series{Name: layer, X: l.U, Y: l.V})); err != nil {
				return err
			}
		}
	}
	var all []Series
	for _, l := range r.Layers {
		all = append(all, Series{Name: l.Name, X: l.U, Y: l.V})
	}
	return DisplayPlot(ScatterPlot(fmt.Sprintf("Raw (u, v) of every conv layer (%s / %s)", r.Model, r.Dataset),
		uvPlanes[0].xlabel, uvPlanes[0].ylabel, all...))
}

// UVSpreadTable shows, per layer, how many cells of a 10 x 10 grid over the layer's points each
// plane occupies (experiment.Spread): raw, hybrid 1's transforms, hybrid 2's.
func UVSpreadTable(r *experiment.UVReport) error {
	rows := make([][]string, len(r.Layers))
	for i, l := range r.Layers {
		rows[i] = []string{l.Name, strconv.Itoa(len(l.U))}
	}
	for _, p := range uvPlanes {
		ls, err := r.Transformed(p.tu, p.tv)
		if err != nil {
			return err
		}
		for i, l := range ls {
			rows[i] = append(rows[i], strconv.Itoa(experiment.Spread(l.U, l.V, experiment.UVGrid)))
		}
	}
	DisplayTable([]string{"layer", "filters", "cells raw (Fig. 4)", "hybrid 1 (Fig. 6)", "hybrid 2 (Fig. 7)"}, rows)
	return nil
}
