package pruner

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/hybridprune/hybridprune/nets"
)

// ScoreCSV scores the spec's conv filters with the named metric and writes "layer,filter,score"
// CSV (one row per filter, network order, scores in shortest round-trip form, "+Inf" for an
// infinite dominant ratio). order is "width" or "channels"; k mixes the hybrid metrics. It backs
// `hybridprune score`.
func ScoreCSV(out io.Writer, spec *nets.Spec, w nets.Weights, metric, order string, k float64) error {
	opts, err := csvOptions(order, k)
	if err != nil {
		return err
	}
	scores, layers, err := ScoreSpec(spec, w, metric, opts)
	if err != nil {
		return err
	}
	return writeScoresCSV(out, layers, scores)
}

// ScoreArraysCSV is ScoreCSV for bare arrays in the paper layout (conv0..convN in network order,
// fc optional; without it the output-based metrics fail for the last conv). Layers are named
// conv0, conv1, ...
func ScoreArraysCSV(out io.Writer, convs []*nets.Tensor, fc *nets.Tensor, metric, order string, k float64) error {
	opts, err := csvOptions(order, k)
	if err != nil {
		return err
	}
	if _, err := Lookup(metric); err != nil {
		return err
	}
	layers, err := LayersFromArrays(convs, fc)
	if err != nil {
		return err
	}
	in := &Input{Layers: layers, MetricParams: opts.MetricParams}
	scores, err := ScoreByName(metric, in)
	if err != nil {
		return err
	}
	return writeScoresCSV(out, layers, scores)
}

// ScoreNPZCSV is ScoreArraysCSV for an .npz file in the paper layout (see nets.ReadPaperNPZ), the
// `hybridprune score --weights W.npz` command without a spec.
func ScoreNPZCSV(out io.Writer, path, metric, order string, k float64) error {
	if _, err := csvOptions(order, k); err != nil {
		return err
	}
	if _, err := Lookup(metric); err != nil {
		return err
	}
	convs, fc, err := nets.ReadPaperNPZ(path)
	if err != nil {
		return err
	}
	if err := ScoreArraysCSV(out, convs, fc, metric, order, k); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func csvOptions(order string, k float64) (ScoreOptions, error) {
	opts := DefaultScoreOptions()
	o, err := ParseGroupOrder(order)
	if err != nil {
		return opts, err
	}
	if err := CheckK(k); err != nil {
		return opts, err
	}
	opts.Order, opts.K = o, k
	return opts, nil
}

func writeScoresCSV(out io.Writer, layers []Layer, scores Scores) error {
	cw := csv.NewWriter(out)
	if err := cw.Write([]string{"layer", "filter", "score"}); err != nil {
		return fmt.Errorf("writing scores: %w", err)
	}
	for i, l := range layers {
		for j, s := range scores[i] {
			if err := cw.Write([]string{l.Name, strconv.Itoa(j), strconv.FormatFloat(s, 'g', -1, 64)}); err != nil {
				return fmt.Errorf("writing scores: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing scores: %w", err)
	}
	return nil
}
